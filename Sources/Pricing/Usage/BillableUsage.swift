import TollgateCore

/// A request's tokens as the price book bills them: Tollgate's five disjoint counts, plus how
/// many of the cache-write tokens were written with a 1-hour lifetime.
///
/// `TokenUsage` has one cache-write count; Anthropic prices 1-hour writes at twice the input
/// price against 1.25 times for 5-minute ones, so the normalizers carry that part here.
public struct BillableUsage: Hashable, Sendable {
    public var tokens: TokenUsage
    /// The part of `tokens.cacheWrite` written with a 1-hour lifetime (never more than it).
    public var longLivedCacheWrite: Int

    public init(tokens: TokenUsage, longLivedCacheWrite: Int = 0) {
        self.tokens = tokens
        self.longLivedCacheWrite = min(max(0, longLivedCacheWrite), tokens.cacheWrite)
    }

    /// The count of each kind the price distinguishes.
    public subscript(kind: BillableKind) -> Int {
        switch kind {
        case .input: tokens.input
        case .cachedInput: tokens.cachedInput
        case .cacheWrite: tokens.cacheWrite - longLivedCacheWrite
        case .cacheWriteLongLived: longLivedCacheWrite
        case .output: tokens.output
        case .reasoning: tokens.reasoning
        }
    }
}
