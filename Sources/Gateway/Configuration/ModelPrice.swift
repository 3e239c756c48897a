import TollgateCore

/// What one model costs, per 1,000,000 tokens of each kind, in nano-units of its currency.
///
/// A request's cost is the exact sum over the five kinds, rounded once, half to even, to a
/// nano-unit.
public struct ModelPrice: Hashable, Sendable {
    public var currency: Currency
    public var input: Int64
    public var cachedInput: Int64
    public var cacheWrite: Int64
    public var output: Int64
    public var reasoning: Int64

    /// - Parameters: prices per 1M tokens in nano-units; cached input and cache write default to
    ///   the input price, reasoning to the output price, as providers bill when they state none.
    public init(currency: Currency, input: Int64, cachedInput: Int64? = nil, cacheWrite: Int64? = nil,
                output: Int64, reasoning: Int64? = nil) {
        self.currency = currency
        self.input = input
        self.cachedInput = cachedInput ?? input
        self.cacheWrite = cacheWrite ?? input
        self.output = output
        self.reasoning = reasoning ?? output
    }

    public func perMillion(_ kind: TokenKind) -> Int64 {
        switch kind {
        case .input: input
        case .cachedInput: cachedInput
        case .cacheWrite: cacheWrite
        case .output: output
        case .reasoning: reasoning
        }
    }

    /// The cost of `usage`, exact to the nano-unit.
    public func cost(of usage: TokenUsage) -> Money {
        var total: Int128 = 0
        for kind in TokenKind.allCases {
            total += Int128(usage[kind]) * Int128(perMillion(kind))
        }
        return Money(nanos: Int64(dividedRoundingHalfEven(total, by: 1_000_000)), currency: currency)
    }
}
