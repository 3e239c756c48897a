import Foundation
import TollgateCore

/// The price of one request: a total rounded once, and a breakdown that sums to it exactly.
///
/// The total is the exact sum of every token count times its rate (and multiplier), divided
/// by one million and rounded half to even to nano-units — the request's only rounding. The
/// breakdown then shares that total among its lines by the largest-remainder method: each
/// line gets its exact amount rounded down, and the nano-units left over go one each to the
/// lines with the largest cut-off fractions (ties to the earlier line). So no line is more
/// than one nano-unit from its exact amount, and the lines always add up to `total`.
public struct Cost: Hashable, Sendable {
    /// The model that was priced.
    public var model: String
    public var total: Money
    /// One line per kind that has tokens or a fee, in `CostComponent` order.
    public var lines: [CostLine]
    /// The `effectiveFrom` of the price version used.
    public var priceEffectiveFrom: Date
    /// The name of the time window that applied, if any.
    public var timeWindow: String?
    /// The threshold of the highest tier band the input reached, if any.
    public var tierAboveInputTokens: Int?
    /// The multiplier applied to every token rate (batch, service tier, time window).
    public var multiplier: Ratio

    /// The amount of one component, zero when it has no line.
    public subscript(component: CostComponent) -> Money {
        lines.first { $0.component == component }?.amount ?? .zero(total.currency)
    }

    /// The amount for one of Tollgate's five token kinds; cache writes of both lifetimes
    /// together.
    public func amount(for kind: TokenKind) -> Money {
        switch kind {
        case .input: self[.input]
        case .cachedInput: self[.cachedInput]
        case .cacheWrite: self[.cacheWrite] + self[.cacheWriteLongLived]
        case .output: self[.output]
        case .reasoning: self[.reasoning]
        }
    }
}

/// One line of a `Cost`.
public struct CostLine: Hashable, Sendable {
    public var component: CostComponent
    /// The tokens billed on this line (1 for a request fee).
    public var tokens: Int
    public var amount: Money
}

/// What a line of a cost is for.
public enum CostComponent: String, CaseIterable, Sendable, Codable, Hashable {
    case input
    case cachedInput = "cached_input"
    case cacheWrite = "cache_write"
    case cacheWriteLongLived = "cache_write_1h"
    case output
    case reasoning
    case requestFee = "request_fee"

    init(_ kind: BillableKind) {
        switch kind {
        case .input: self = .input
        case .cachedInput: self = .cachedInput
        case .cacheWrite: self = .cacheWrite
        case .cacheWriteLongLived: self = .cacheWriteLongLived
        case .output: self = .output
        case .reasoning: self = .reasoning
        }
    }
}
