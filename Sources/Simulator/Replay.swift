import Foundation
import Gateway
import Pricing
import Providers
import Routing
import Tokenizers
import TollgateCore

/// What a period's requests would have cost under another model, route or price list, from the
/// token counts their records hold, beside what they were charged.
public struct Replay: Sendable {
    public enum Target: Sendable, Hashable {
        case model(String)
        case route(String)
        case priceList(String)

        public var description: String {
            switch self {
            case .model(let name): "model \(name)"
            case .route(let name): "route \(name)"
            case .priceList(let name): "price list \(name)"
            }
        }
    }

    /// One recorded model's requests.
    public struct Row: Sendable {
        public var model: String
        public var requests: Int
        /// Tokens as recorded (input, cached, cache writes, output, reasoning).
        public var tokens: Int
        public var recorded: Money
        public var replayed: Money
    }

    public var target: Target
    public var rows: [Row]
    /// Records left out: no usage, or no charge recorded (refused, failed before an answer, unpriced).
    public var skipped: Int
    /// How the target's tokenizer counts against each recorded model's (1 when they are the same).
    public var ratios: [String: Double]
    public var currency: Currency

    public var recorded: Money { Money(nanos: rows.reduce(0) { $0 + $1.recorded.nanos }, currency: currency) }
    public var replayed: Money { Money(nanos: rows.reduce(0) { $0 + $1.replayed.nanos }, currency: currency) }

    /// Re-prices `records` of `organization` under `target`, at the sell price the organization
    /// pays (its price list or markup), each at the moment it was made.
    ///
    /// A different model's tokenizer counts the same text differently; records keep counts, not
    /// text, so counts are scaled by how the two tokenizers count a fixed reference text (prose,
    /// code, numbers and Chinese) — an estimate, and 1 when the tokenizers are the same.
    public static func run(records: [RequestRecord], target: Target, configuration: GatewayConfiguration, organization: Organization,
                           encodings: EncodingStore) async throws -> Replay {
        var payer = organization
        if case .priceList(let name) = target {
            guard configuration.priceLists[name] != nil else { throw ForecastError("no price list named '\(name)' in the configuration") }
            payer.priceList = name
        }
        // The models a record is re-priced on, each with its weight (an auto route mixes two).
        let mix: (String) throws -> [(ModelDefinition, Double)] = { recordedModel in
            switch target {
            case .priceList: return [(try model(recordedModel, configuration), 1)]
            case .model(let name): return [(try model(name, configuration), 1)]
            case .route(let name): return try routeMix(name, configuration)
            }
        }
        var rows: [String: Row] = [:]
        var ratios: [String: Double] = [:]
        var skipped = 0
        for record in records {
            guard let recordedModel = record.modelUsed, let cost = record.cost, record.usage.total > 0 else {
                skipped += 1
                continue
            }
            guard cost.currency == organization.currency else { throw ForecastError("record \(record.id) is charged in \(cost.currency.code)") }
            let source = try? model(recordedModel, configuration)
            var replayed = 0.0
            for (target, weight) in try mix(recordedModel) {
                let key = "\(recordedModel)→\(target.name)"
                if ratios[key] == nil { ratios[key] = await ratio(from: source, to: target, encodings: encodings) }
                let usage = scaled(record.usage, by: ratios[key]!)
                replayed += weight * Double(try configuration.sellCost(of: BillableUsage(tokens: usage), for: target, at: record.createdAt,
                                                                       organization: payer).nanos)
            }
            var row = rows[recordedModel] ?? Row(model: recordedModel, requests: 0, tokens: 0, recorded: .zero(organization.currency),
                                                  replayed: .zero(organization.currency))
            row.requests += 1
            row.tokens += record.usage.total
            // A token package paid in tokens: its money charge is 0; the replay says what it would cost in money.
            row.recorded = Money(nanos: row.recorded.nanos + cost.nanos, currency: organization.currency)
            row.replayed = Money(nanos: row.replayed.nanos + Int64(replayed.rounded(.toNearestOrEven)), currency: organization.currency)
            rows[recordedModel] = row
        }
        return Replay(target: target, rows: rows.values.sorted { $0.model < $1.model }, skipped: skipped,
                      ratios: ratios.filter { $0.value != 1 }, currency: organization.currency)
    }

    /// A configured model, or a catalog one by its id.
    static func model(_ name: String, _ configuration: GatewayConfiguration) throws -> ModelDefinition {
        if let model = configuration.model(named: name) { return model }
        guard configuration.prices.model(named: name) != nil else {
            throw ForecastError("'\(name)' is neither a configured model nor in the catalog")
        }
        return ModelDefinition(name: name, provider: Provider(name: "catalog", kind: .openai, baseURL: "http://localhost"))
    }

    /// A route's models and weights: an auto route its cheapest and dearest candidates at its
    /// premium share (records keep no text to classify); any other route its first choice — the
    /// cheapest for cost and cascade (escalations cannot be known), the first listed otherwise.
    static func routeMix(_ name: String, _ configuration: GatewayConfiguration) throws -> [(ModelDefinition, Double)] {
        guard let route = configuration.routes.first(where: { $0.name == name }) else {
            throw ForecastError("no route named '\(name)' in the configuration")
        }
        let models = try route.candidates.map { try model($0, configuration) }
        let now = Date()
        let byPrice = models.sorted { (configuration.quote(of: $0, at: now)?.blended ?? .max) < (configuration.quote(of: $1, at: now)?.blended ?? .max) }
        switch route.policy {
        case .auto where byPrice.count > 1:
            let share = route.autoPremiumShare
            return [(byPrice.first!, 1 - share), (byPrice.last!, share)]
        case .auto, .cost, .cascade:
            return [(byPrice[0], 1)]
        case .ordered, .latency, .weighted:
            return [(models[0], 1)]
        }
    }

    /// The reference text the tokenizers' ratio is measured on.
    static let reference = """
        The gateway counts every request exactly, prices it from a versioned price book and settles it on a double-entry ledger. \
        Agents turn a short chat into a long task: read the files, run the tests, fix the failing case, and report what changed.
        func total(_ items: [Item]) -> Int { items.reduce(0) { $0 + $1.price * $1.quantity } }  // 2026-12-07: 3.14159 USD
        SELECT org_id, SUM(cost_nanos) FROM request_records WHERE created_at >= 1767225600000 GROUP BY org_id;
        网关按令牌计费，每个请求都会被精确计数、定价并记入复式账本。代理任务可能消耗数百万个令牌。
        {"model": "deepseek-chat", "messages": [{"role": "user", "content": "Summarize the ledger in one line."}], "max_tokens": 256}
        """

    static func ratio(from source: ModelDefinition?, to target: ModelDefinition, encodings: EncodingStore) async -> Double {
        guard let source, source.name != target.name else { return 1 }
        guard let from = try? await encodings.encoding(forModel: source.name), let to = try? await encodings.encoding(forModel: target.name)
        else { return 1 }
        guard from.name != to.name else { return 1 }
        let counted = Double(from.count(reference))
        return counted > 0 ? Double(to.count(reference)) / counted : 1
    }

    static func scaled(_ usage: TokenUsage, by ratio: Double) -> TokenUsage {
        guard ratio != 1 else { return usage }
        let scale: (Int) -> Int = { Int((Double($0) * ratio).rounded(.toNearestOrEven)) }
        return TokenUsage(input: scale(usage.input), cachedInput: scale(usage.cachedInput), cacheWrite: scale(usage.cacheWrite),
                          output: scale(usage.output), reasoning: scale(usage.reasoning))
    }
}
