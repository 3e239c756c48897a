import Foundation
import TollgateCore

/// Every model Tollgate can price, with its price versions, and the one place a request's
/// cost is computed.
///
/// A value: build it from the built-in catalog (`PriceBook.builtIn()`), lay imported or
/// configured prices over it (`overlaid(with:)`, `applying(_:to:)`), and pass it on.
public struct PriceBook: Sendable {
    /// The models by id.
    public private(set) var models: [String: PricedModel]
    private var aliases: [String: String]

    public init(models: [PricedModel] = []) {
        self.models = [:]
        self.aliases = [:]
        for model in models { insert(model) }
    }

    /// The models sorted by provider, then id.
    public var sortedModels: [PricedModel] {
        models.values.sorted { ($0.provider, $0.id) < ($1.provider, $1.id) }
    }

    /// The model called `name`: by id, then by alias, then either ignoring case.
    public func model(named name: String) -> PricedModel? {
        if let model = models[name] { return model }
        if let id = aliases[name] { return models[id] }
        let lowered = name.lowercased()
        if let model = models[lowered] { return model }
        if let id = aliases[lowered] { return models[id] }
        return nil
    }

    /// Adds a model, replacing one with the same id.
    public mutating func insert(_ model: PricedModel) {
        if let old = models[model.id] {
            for alias in old.aliases where aliases[alias] == old.id { aliases[alias] = nil }
        }
        models[model.id] = model
        for alias in model.aliases + [model.id.lowercased()] where alias != model.id {
            aliases[alias] = model.id
            aliases[alias.lowercased()] = model.id
        }
    }

    /// This book with every model of `other` laid over it: a model in both is taken whole
    /// from `other`. Used for an imported catalog over the built-in one.
    public func overlaid(with other: PriceBook) -> PriceBook {
        var merged = self
        for model in other.models.values { merged.insert(model) }
        return merged
    }

    /// Prices one request.
    ///
    /// - Parameters:
    ///   - usage: the request's tokens, normalized (see `OpenAIUsage`, `AnthropicUsage`, …).
    ///   - model: the model's id or alias.
    ///   - date: when the request started; it picks the price version, tier of day and
    ///     weekday. A price change never alters the cost of a request that started before it.
    ///   - options: batch and service tier.
    /// - Returns: the cost in the price's own currency, rounded once, with a breakdown.
    public func cost(of usage: BillableUsage, for model: String, at date: Date,
                     options: CostOptions = CostOptions()) throws(PricingError) -> Cost {
        guard let priced = self.model(named: model) else { throw PricingError(.unknownModel(model)) }
        guard let price = priced.price(at: date) else { throw PricingError(.notPricedAt(model: priced.id, date: date)) }
        return try price.cost(of: usage, model: priced.id, at: date, options: options)
    }

    /// Prices one request whose cache writes all have the default lifetime.
    public func cost(of usage: TokenUsage, for model: String, at date: Date,
                     options: CostOptions = CostOptions()) throws(PricingError) -> Cost {
        try cost(of: BillableUsage(tokens: usage), for: model, at: date, options: options)
    }
}
