import Foundation

/// Why a request could not be priced, or a price could not be read.
public struct PricingError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case unknownModel(String)
        case notPricedAt(model: String, date: Date)
        case noBatchPrice(String)
        case noServiceTier(model: String, tier: String)
        case negativeCount(String)
        case overflow(String)
        case invalidPrice(field: String, reason: String)
        case invalidCatalog(String)
        case invalidUsage(String)
        case noExchangeRate(from: String, to: String, date: Date)
    }

    let code: Code

    init(_ code: Code) {
        self.code = code
    }

    /// The field a config price was refused for, such as `price.cached_input`.
    public var field: String? {
        if case .invalidPrice(let field, _) = code { return field }
        return nil
    }

    public var description: String {
        switch code {
        case .unknownModel(let model): "unknown model '\(model)'"
        case .notPricedAt(let model, let date):
            "model '\(model)' has no price in force at \(date.formatted(.iso8601))"
        case .noBatchPrice(let model): "model '\(model)' has no batch price"
        case .noServiceTier(let model, let tier): "model '\(model)' has no '\(tier)' service tier"
        case .negativeCount(let kind): "the \(kind) token count is negative"
        case .overflow(let model): "the cost of this request to '\(model)' is too large to represent"
        case .invalidPrice(let field, let reason): "\(field): \(reason)"
        case .invalidCatalog(let reason): "invalid price catalog: \(reason)"
        case .invalidUsage(let reason): "invalid usage object: \(reason)"
        case .noExchangeRate(let from, let to, let date):
            "no exchange rate from \(from) to \(to) on or before \(date.formatted(.iso8601))"
        }
    }
}
