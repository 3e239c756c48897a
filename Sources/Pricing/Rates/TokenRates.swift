/// A model's prices per 1M tokens for each kind of token.
///
/// Only `input` and `output` are required. The others fall back the way providers bill when
/// they publish no separate figure: cache reads and cache writes at the input price, 1-hour
/// cache writes at the 5-minute cache-write price, reasoning at the output price.
public struct TokenRates: Hashable, Sendable, Codable {
    public var input: RatePerMillion
    public var output: RatePerMillion
    /// Cache reads; `nil` means the input price.
    public var cachedInput: RatePerMillion?
    /// Cache writes with the default (5-minute) lifetime; `nil` means the input price.
    public var cacheWrite: RatePerMillion?
    /// Cache writes with a 1-hour lifetime (Anthropic); `nil` means `cacheWrite`.
    public var cacheWriteLongLived: RatePerMillion?
    /// Reasoning ("thinking") tokens; `nil` means the output price.
    public var reasoning: RatePerMillion?

    public init(input: RatePerMillion, output: RatePerMillion, cachedInput: RatePerMillion? = nil,
                cacheWrite: RatePerMillion? = nil, cacheWriteLongLived: RatePerMillion? = nil,
                reasoning: RatePerMillion? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.cacheWriteLongLived = cacheWriteLongLived
        self.reasoning = reasoning
    }

    /// The price that applies to one kind of billable token, defaults resolved.
    public func rate(for kind: BillableKind) -> RatePerMillion {
        switch kind {
        case .input: input
        case .cachedInput: cachedInput ?? input
        case .cacheWrite: cacheWrite ?? input
        case .cacheWriteLongLived: cacheWriteLongLived ?? cacheWrite ?? input
        case .output: output
        case .reasoning: reasoning ?? output
        }
    }

    /// These rates with every field that `overrides` sets replaced.
    public func overridden(by overrides: PartialTokenRates) -> TokenRates {
        TokenRates(input: overrides.input ?? input, output: overrides.output ?? output,
                   cachedInput: overrides.cachedInput ?? cachedInput, cacheWrite: overrides.cacheWrite ?? cacheWrite,
                   cacheWriteLongLived: overrides.cacheWriteLongLived ?? cacheWriteLongLived,
                   reasoning: overrides.reasoning ?? reasoning)
    }

    enum CodingKeys: String, CodingKey {
        case input, output, cachedInput = "cached_input", cacheWrite = "cache_write"
        case cacheWriteLongLived = "cache_write_1h", reasoning
    }
}

/// Prices that replace some of a model's `TokenRates`: a tier, a time window, a batch or
/// service-tier price list. Fields left `nil` keep the rate they would replace.
public struct PartialTokenRates: Hashable, Sendable, Codable {
    public var input: RatePerMillion?
    public var output: RatePerMillion?
    public var cachedInput: RatePerMillion?
    public var cacheWrite: RatePerMillion?
    public var cacheWriteLongLived: RatePerMillion?
    public var reasoning: RatePerMillion?

    public init(input: RatePerMillion? = nil, output: RatePerMillion? = nil, cachedInput: RatePerMillion? = nil,
                cacheWrite: RatePerMillion? = nil, cacheWriteLongLived: RatePerMillion? = nil,
                reasoning: RatePerMillion? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.cacheWriteLongLived = cacheWriteLongLived
        self.reasoning = reasoning
    }

    public var isEmpty: Bool { self == PartialTokenRates() }

    typealias CodingKeys = TokenRates.CodingKeys
}

/// The kinds of token a price distinguishes: Tollgate's five `TokenKind`s, with cache writes
/// split by cache lifetime because Anthropic prices 1-hour writes higher than 5-minute ones.
public enum BillableKind: String, CaseIterable, Sendable, Codable, Hashable, CodingKeyRepresentable {
    case input
    case cachedInput = "cached_input"
    case cacheWrite = "cache_write"
    case cacheWriteLongLived = "cache_write_1h"
    case output
    case reasoning
}
