import Foundation
import TollgateCore

/// Reads LiteLLM's `model_prices_and_context_window.json` into a `PriceCatalog`.
///
/// LiteLLM gives USD per single token (`1.5e-06`); each figure is read from its JSON text and
/// scaled to nano-units per 1M tokens exactly. Mapped: `input_cost_per_token`,
/// `output_cost_per_token`, `cache_read_input_token_cost`, `cache_creation_input_token_cost`
/// (and `_above_1hr` for 1-hour writes), `output_cost_per_reasoning_token`, the
/// `_above_Nk_tokens` thresholds and `tiered_pricing` as whole-request tiers, `_batches` as the
/// batch price, `_flex` / `_priority` as service tiers, and `off_peak_pricing` as time windows.
/// Entries that are not chat or completion models, or have no per-token price, are skipped.
public struct LiteLLMImporter: Sendable {
    /// What an import produced.
    public struct Result: Sendable {
        public var catalog: PriceCatalog
        /// Entries not imported, with the reason.
        public var skipped: [String: String]
        /// Figures that could not be represented exactly and were rounded, or rules only
        /// approximated, by entry.
        public var notes: [String: [String]]
    }

    /// When the imported prices take effect: LiteLLM's file is undated, so by default they
    /// apply to any instant.
    public var effectiveFrom: Date
    /// Recorded as each price's source when an entry names none.
    public var sourceName: String

    public init(effectiveFrom: Date = Date(timeIntervalSince1970: 0),
                sourceName: String = "litellm model_prices_and_context_window.json") {
        self.effectiveFrom = effectiveFrom
        self.sourceName = sourceName
    }

    private static let chatModes: Set<String> = ["chat", "completion", "responses"]

    /// Imports the file's bytes.
    public func importCatalog(json data: Data) throws(PricingError) -> Result {
        let document = try ExactJSON(parsing: data)
        guard let entries = document.objectValue else {
            throw PricingError(.invalidCatalog("LiteLLM's price file is not a JSON object"))
        }
        var models: [PricedModel] = []
        var skipped: [String: String] = [:]
        var notes: [String: [String]] = [:]
        for (name, entry) in entries where name != "sample_spec" {
            guard let fields = entry.objectValue else { skipped[name] = "not an object"; continue }
            let mode = fields["mode"]?.stringValue ?? "chat"
            guard LiteLLMImporter.chatModes.contains(mode) else { skipped[name] = "mode \(mode)"; continue }
            var reader = FieldReader(fields: fields)
            do {
                if let model = try model(named: name, reader: &reader) { models.append(model) } else {
                    skipped[name] = "no per-token price"
                }
            } catch {
                skipped[name] = error.description
            }
            if !reader.notes.isEmpty { notes[name] = reader.notes }
        }
        models.sort { $0.id < $1.id }
        return Result(catalog: PriceCatalog(description: "Imported from \(sourceName)", models: models),
                      skipped: skipped, notes: notes)
    }

    private func model(named name: String, reader: inout FieldReader) throws(PricingError) -> PricedModel? {
        let fields = reader.fields
        let provider = fields["litellm_provider"]?.stringValue ?? "unknown"
        let tiers = try tieredPricing(reader: &reader)
        guard let input = try reader.rate("input_cost_per_token") ?? tiers?.first?.input else { return nil }
        guard let output = try reader.rate("output_cost_per_token") ?? tiers?.first?.output else { return nil }
        var cachedInput = try reader.rate("cache_read_input_token_cost")
        if provider == "fireworks_ai", cachedInput == nil, tiers == nil {
            // Fireworks bills cached prompt tokens at half the input price unless it lists a
            // cache price of its own.
            cachedInput = RatePerMillion(nanos: input.nanos / 2)
        }
        var rates = TokenRates(input: input, output: output, cachedInput: cachedInput,
                               cacheWrite: try reader.rate("cache_creation_input_token_cost"),
                               cacheWriteLongLived: try reader.rate("cache_creation_input_token_cost_above_1hr"),
                               reasoning: try reader.rate("output_cost_per_reasoning_token"))
        var bands: [TierBand] = []
        if let tiers {
            // Tiers name their own cache prices; absent ones are the tier's input price.
            rates = rates.overridden(by: tiers[0].partial)
            bands = tiers.dropFirst().map { TierBand(aboveInputTokens: $0.above, rates: $0.partial) }
        } else {
            // xAI bills the higher tier once the prompt reaches the threshold, others above it.
            let inclusive = provider == "xai"
            for threshold in reader.thresholds() {
                let suffix = "_above_\(threshold.label)_tokens"
                let band = PartialTokenRates(
                    input: try reader.rate("input_cost_per_token" + suffix),
                    output: try reader.rate("output_cost_per_token" + suffix),
                    cachedInput: try reader.rate("cache_read_input_token_cost" + suffix),
                    cacheWrite: try reader.rate("cache_creation_input_token_cost" + suffix),
                    cacheWriteLongLived: try reader.rate("cache_creation_input_token_cost_above_1hr" + suffix))
                if !band.isEmpty {
                    bands.append(TierBand(aboveInputTokens: inclusive ? threshold.tokens - 1 : threshold.tokens, rates: band))
                }
            }
        }
        var price = ModelPrice(effectiveFrom: effectiveFrom, currency: .usd, rates: rates,
                               tiers: bands.isEmpty ? nil : PriceTiers(kind: .wholeRequest, bands: bands),
                               source: PriceSource(url: fields["source"]?.stringValue ?? sourceName,
                                                   note: "imported from \(sourceName)"))
        if let fee = try reader.rate("input_cost_per_request", perToken: false) { price.requestFee = RequestFee(nanos: fee.nanos) }
        if let batchRates = try reader.suffixedRates("_batches") {
            price.batch = LiteLLMImporter.uniformAdjustment(batchRates, base: rates)
        }
        for tier in ["flex", "priority"] {
            if let tierRates = try reader.suffixedRates("_\(tier)") {
                price.serviceTiers[tier] = LiteLLMImporter.uniformAdjustment(tierRates, base: rates)
            }
        }
        price.timeWindows = try offPeakWindows(reader: &reader)
        return PricedModel(id: name, provider: provider, contextWindow: fields["max_input_tokens"]?.intValue,
                           maxOutputTokens: fields["max_output_tokens"]?.intValue,
                           capabilities: capabilities(fields), versions: [price])
    }

    /// Batch and service-tier prices are a factor on each token price — cache reads and writes
    /// and long-context tiers included (OpenAI's flex and batch are half, priority double;
    /// Anthropic's batch is half) — but LiteLLM lists only some of them, often just input and
    /// output. When the listed prices are all the same fraction of the standard ones, that
    /// fraction is the adjustment; otherwise each listed kind gets its own fraction and an
    /// unlisted kind the input's. Either way tiers keep their long-context prices. A list whose
    /// fractions cannot be taken (a free standard price) stands as a price list.
    static func uniformAdjustment(_ listed: PartialTokenRates, base: TokenRates) -> RateAdjustment {
        guard let listedInput = listed.input, base.input.nanos > 0 else { return .rates(listed) }
        let inputRatio = Ratio(listedInput.nanos, base.input.nanos)
        let pairs: [(RatePerMillion?, BillableKind)] = [(listed.output, .output), (listed.cachedInput, .cachedInput),
                                                        (listed.cacheWrite, .cacheWrite),
                                                        (listed.cacheWriteLongLived, .cacheWriteLongLived)]
        var factors: [BillableKind: Ratio] = [.input: inputRatio]
        for (rate, kind) in pairs {
            guard let rate else { continue }
            let standard = base.rate(for: kind)
            guard standard.nanos > 0 else { return .rates(listed) }
            factors[kind] = Ratio(rate.nanos, standard.nanos)
        }
        if factors.values.allSatisfy({ $0 == inputRatio }) { return .multiplier(inputRatio) }
        for kind in BillableKind.allCases where factors[kind] == nil {
            factors[kind] = kind == .reasoning ? factors[.output] ?? inputRatio : inputRatio
        }
        return .factors(factors)
    }

    private struct Tier {
        var above: Int
        var input: RatePerMillion
        var output: RatePerMillion?
        var partial: PartialTokenRates
    }

    private func tieredPricing(reader: inout FieldReader) throws(PricingError) -> [Tier]? {
        guard let list = reader.fields["tiered_pricing"]?.arrayValue, !list.isEmpty else { return nil }
        var tiers: [Tier] = []
        for item in list {
            guard let tier = item.objectValue, let range = tier["range"]?.arrayValue, range.count == 2,
                  let start = range[0].decimalValue?.scaled(byPowerOfTen: 0)?.value else {
                throw PricingError(.invalidCatalog("tiered_pricing entry without a [start, end] range"))
            }
            var tierReader = FieldReader(fields: tier)
            guard let input = try tierReader.rate("input_cost_per_token") else {
                throw PricingError(.invalidCatalog("tiered_pricing entry without input_cost_per_token"))
            }
            let output = try tierReader.rate("output_cost_per_token")
            reader.notes += tierReader.notes
            tiers.append(Tier(above: Int(start), input: input, output: output, partial: PartialTokenRates(
                input: input, output: output,
                cachedInput: try tierReader.rate("cache_read_input_token_cost") ?? input,
                cacheWrite: try tierReader.rate("cache_creation_input_token_cost") ?? input,
                cacheWriteLongLived: try tierReader.rate("cache_creation_input_token_cost_above_1hr"),
                reasoning: try tierReader.rate("output_cost_per_reasoning_token"))))
        }
        return tiers.sorted { $0.above < $1.above }
    }

    private func offPeakWindows(reader: inout FieldReader) throws(PricingError) -> [TimeWindow] {
        guard let block = reader.fields["off_peak_pricing"]?.objectValue else { return [] }
        var blockReader = FieldReader(fields: block)
        let rates = PartialTokenRates(input: try blockReader.rate("input_cost_per_token"),
                                      output: try blockReader.rate("output_cost_per_token"),
                                      cachedInput: try blockReader.rate("cache_read_input_token_cost"),
                                      cacheWrite: try blockReader.rate("cache_creation_input_token_cost"),
                                      reasoning: try blockReader.rate("output_cost_per_reasoning_token"))
        reader.notes += blockReader.notes
        if let zone = block["weekday_timezone"]?.stringValue, zone != "UTC" {
            reader.notes.append("off-peak weekdays are in \(zone); imported as UTC weekdays")
        }
        func ranges(_ value: ExactJSON?) -> [HourRange] {
            if let text = value?.stringValue { return HourRange(text).map { [$0] } ?? [] }
            return value?.arrayValue?.compactMap { $0.stringValue.flatMap(HourRange.init) } ?? []
        }
        var windows: [TimeWindow] = []
        let everyDay = ranges(block["hours_utc"])
        if !everyDay.isEmpty {
            windows.append(TimeWindow(name: "off-peak", hoursUTC: everyDay, adjustment: .rates(rates)))
        }
        for rule in block["windows"]?.arrayValue ?? [] {
            let hours = ranges(rule["hours_utc"])
            guard !hours.isEmpty else { continue }
            let days = rule["weekdays"]?.arrayValue?.compactMap(\.intValue)
            windows.append(TimeWindow(name: "off-peak", hoursUTC: hours, weekdays: days.map(Set.init),
                                      adjustment: .rates(rates)))
        }
        return windows
    }

    private func capabilities(_ fields: [String: ExactJSON]) -> Set<Capability> {
        var set: Set<Capability> = []
        if fields["supports_function_calling"]?.boolValue == true { set.insert(.tools) }
        if fields["supports_response_schema"]?.boolValue == true { set.insert(.json) }
        if fields["supports_vision"]?.boolValue == true { set.insert(.vision) }
        if fields["supports_reasoning"]?.boolValue == true { set.insert(.reasoning) }
        if fields["supports_prompt_caching"]?.boolValue == true || fields["cache_read_input_token_cost"] != nil {
            set.insert(.caching)
        }
        return set
    }
}

/// Reads the price fields of one LiteLLM entry, noting any figure it had to round.
private struct FieldReader {
    let fields: [String: ExactJSON]
    var notes: [String] = []

    /// A per-token (or, with `perToken: false`, per-unit) USD figure as a rate per 1M tokens.
    mutating func rate(_ key: String, perToken: Bool = true) throws(PricingError) -> RatePerMillion? {
        guard let value = fields[key], value != .null else { return nil }
        guard let decimal = value.decimalValue else {
            throw PricingError(.invalidCatalog("\(key) is not a number"))
        }
        if !perToken {
            guard let (nanos, isExact) = decimal.scaled(byPowerOfTen: 9), let fitted = Int64(exactly: nanos), nanos >= 0 else {
                throw PricingError(.invalidCatalog("\(key) is out of range"))
            }
            if !isExact { notes.append("\(key) \(decimal) rounded to nano-units") }
            return RatePerMillion(nanos: fitted)
        }
        guard let (rate, isExact) = RatePerMillion.fromUnitsPerToken(decimal) else {
            throw PricingError(.invalidCatalog("\(key) \(decimal) is negative or out of range"))
        }
        if !isExact { notes.append("\(key) \(decimal) rounded to \(rate.shortDecimal) per 1M tokens") }
        return rate
    }

    /// The rates under keys ending in `suffix` (`_batches`, `_flex`), or `nil` when none.
    mutating func suffixedRates(_ suffix: String) throws(PricingError) -> PartialTokenRates? {
        let rates = PartialTokenRates(input: try rate("input_cost_per_token" + suffix),
                                      output: try rate("output_cost_per_token" + suffix),
                                      cachedInput: try rate("cache_read_input_token_cost" + suffix),
                                      cacheWrite: try rate("cache_creation_input_token_cost" + suffix),
                                      cacheWriteLongLived: try rate("cache_creation_input_token_cost_above_1hr" + suffix))
        return rates.isEmpty ? nil : rates
    }

    /// The `_above_N[k]_tokens` thresholds of the entry's standard (not batch or tier) prices.
    func thresholds() -> [(label: String, tokens: Int)] {
        var found: [String: Int] = [:]
        let prefixes = ["input_cost_per_token_above_", "output_cost_per_token_above_",
                        "cache_read_input_token_cost_above_", "cache_creation_input_token_cost_above_"]
        for key in fields.keys {
            guard let prefix = prefixes.first(where: { key.hasPrefix($0) }), key.hasSuffix("_tokens") else { continue }
            let label = String(key.dropFirst(prefix.count).dropLast("_tokens".count))
            var digits = Substring(label)
            var scale = 1
            if digits.hasSuffix("k") { digits = digits.dropLast(); scale = 1000 }
            guard let count = Int(digits) else { continue }
            found[label] = count * scale
        }
        return found.map { ($0.key, $0.value) }.sorted { $0.tokens < $1.tokens }
    }
}
