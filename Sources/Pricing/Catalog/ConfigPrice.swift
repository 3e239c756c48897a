import Foundation
import TollgateCore

/// The `price:` of a model in `tollgate.yaml`, per 1M tokens:
/// `price: {currency: USD, input: 0.28, cached_input: 0.028, output: 0.42}`.
///
/// Decoding validates every field and throws a `PricingError` naming the bad one
/// (`price.output: ...`), so a config loader can show it as it is. Figures may be written as
/// numbers or strings; they are read as decimals, never as binary fractions.
public struct ConfigPrice: Hashable, Sendable, Decodable {
    public var currency: Currency
    public var rates: TokenRates
    public var requestFee: RequestFee?
    /// A multiplier for batch requests, such as `0.5`.
    public var batch: Ratio?
    /// When the price starts to apply; `nil` means it replaces the catalog's price entirely.
    public var effectiveFrom: Date?

    public init(currency: Currency, rates: TokenRates, requestFee: RequestFee? = nil, batch: Ratio? = nil,
                effectiveFrom: Date? = nil) {
        self.currency = currency
        self.rates = rates
        self.requestFee = requestFee
        self.batch = batch
        self.effectiveFrom = effectiveFrom
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static let rateFields = ["input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning"]
    private static let allFields = Set(rateFields + ["currency", "request_fee", "batch", "effective_from"])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func name(_ field: String) -> String { "price.\(field)" }
        for key in container.allKeys where !ConfigPrice.allFields.contains(key.stringValue) {
            throw PricingError(.invalidPrice(field: name(key.stringValue), reason: "unknown field; expected one of "
                + ConfigPrice.allFields.sorted().joined(separator: ", ")))
        }
        func text(_ field: String) throws -> String? {
            guard container.contains(Key(stringValue: field)) else { return nil }
            do {
                return try DecimalField.decodeText(from: container.superDecoder(forKey: Key(stringValue: field)))
            } catch {
                throw PricingError(.invalidPrice(field: name(field), reason: "expected a number"))
            }
        }
        guard let code = try? container.decodeIfPresent(String.self, forKey: Key(stringValue: "currency")) else {
            throw PricingError(.invalidPrice(field: name("currency"), reason: "missing; write e.g. currency: USD"))
        }
        guard let currency = Currency(knownCode: code) else {
            throw PricingError(.invalidPrice(field: name("currency"), reason: "unknown currency '\(code)'; known: "
                + Currency.known.keys.sorted().joined(separator: ", ")))
        }
        var parsed: [String: RatePerMillion] = [:]
        for field in ConfigPrice.rateFields {
            guard let value = try text(field) else { continue }
            guard let rate = RatePerMillion(unitsPerMillion: value) else {
                throw PricingError(.invalidPrice(field: name(field), reason:
                    "'\(value)' is not a price per 1M tokens (a non-negative decimal with at most 9 fractional digits)"))
            }
            parsed[field] = rate
        }
        for field in ["input", "output"] where parsed[field] == nil {
            throw PricingError(.invalidPrice(field: name(field), reason: "missing; every price needs input and output"))
        }
        var fee: RequestFee?
        if let value = try text("request_fee") {
            guard let rate = RatePerMillion(unitsPerMillion: value) else {
                throw PricingError(.invalidPrice(field: name("request_fee"), reason: "'\(value)' is not a non-negative amount"))
            }
            fee = RequestFee(nanos: rate.nanos)
        }
        var batch: Ratio?
        if let value = try text("batch") {
            guard let ratio = Ratio(decimal: value) else {
                throw PricingError(.invalidPrice(field: name("batch"), reason: "'\(value)' is not a multiplier such as 0.5"))
            }
            batch = ratio
        }
        var effectiveFrom: Date?
        if container.contains(Key(stringValue: "effective_from")) {
            let value = (try? container.decode(String.self, forKey: Key(stringValue: "effective_from"))) ?? ""
            guard let date = InstantText.parse(value) else {
                throw PricingError(.invalidPrice(field: name("effective_from"),
                                                 reason: "'\(value)' is not an ISO 8601 date or instant"))
            }
            effectiveFrom = date
        }
        self.init(currency: currency,
                  rates: TokenRates(input: parsed["input"]!, output: parsed["output"]!,
                                    cachedInput: parsed["cached_input"], cacheWrite: parsed["cache_write"],
                                    cacheWriteLongLived: parsed["cache_write_1h"], reasoning: parsed["reasoning"]),
                  requestFee: fee, batch: batch, effectiveFrom: effectiveFrom)
    }

    /// The price as a price-book version.
    public var modelPrice: ModelPrice {
        ModelPrice(effectiveFrom: effectiveFrom ?? Date(timeIntervalSince1970: 0), currency: currency, rates: rates,
                   requestFee: requestFee, batch: batch.map { .multiplier($0) },
                   source: PriceSource(url: "tollgate.yaml", note: "configured price"))
    }
}

extension PriceBook {
    /// This book with a configured price for `model`; config prices override the catalog's.
    ///
    /// A price without `effective_from` replaces every catalog version (the operator's price is
    /// the price); one with it is added as a new version, so requests before it keep the
    /// catalog's price. A model the catalog lacks is added with `provider` and no capabilities.
    public func applying(_ price: ConfigPrice, to model: String, provider: String) -> PriceBook {
        var book = self
        let version = price.modelPrice
        if var existing = self.model(named: model) {
            if price.effectiveFrom == nil {
                existing = PricedModel(id: existing.id, provider: existing.provider, aliases: existing.aliases,
                                       contextWindow: existing.contextWindow, maxOutputTokens: existing.maxOutputTokens,
                                       capabilities: existing.capabilities, versions: [version])
            } else {
                existing.addVersion(version)
            }
            book.insert(existing)
        } else {
            book.insert(PricedModel(id: model, provider: provider, versions: [version]))
        }
        return book
    }
}
