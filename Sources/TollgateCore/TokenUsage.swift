/// The tokens of one request, in five disjoint counts.
///
/// Disjoint means each token is in exactly one count: `input` is uncached input only, beside
/// `cachedInput` (cache reads) and `cacheWrite`; `reasoning` is apart from `output`. Provider
/// usage objects overlap differently (OpenAI's `prompt_tokens` includes cached tokens and its
/// `completion_tokens` includes reasoning), and are normalized into this shape once, where
/// they are read.
public struct TokenUsage: Hashable, Sendable, Codable {
    public var input: Int
    public var cachedInput: Int
    public var cacheWrite: Int
    public var output: Int
    public var reasoning: Int

    public init(input: Int = 0, cachedInput: Int = 0, cacheWrite: Int = 0, output: Int = 0, reasoning: Int = 0) {
        self.input = input
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.output = output
        self.reasoning = reasoning
    }

    public static let zero = TokenUsage()

    /// Every input-side token: uncached, cache read and cache write.
    public var totalInput: Int { input + cachedInput + cacheWrite }
    /// Every output-side token: visible output and reasoning.
    public var totalOutput: Int { output + reasoning }
    public var total: Int { totalInput + totalOutput }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(input: lhs.input + rhs.input, cachedInput: lhs.cachedInput + rhs.cachedInput,
                   cacheWrite: lhs.cacheWrite + rhs.cacheWrite, output: lhs.output + rhs.output,
                   reasoning: lhs.reasoning + rhs.reasoning)
    }

    enum CodingKeys: String, CodingKey {
        case input, cachedInput = "cached_input", cacheWrite = "cache_write", output, reasoning
    }
}

/// The kinds of token Tollgate counts and prices, in the order of `TokenUsage`'s fields.
public enum TokenKind: String, CaseIterable, Sendable, Codable {
    case input, cachedInput = "cached_input", cacheWrite = "cache_write", output, reasoning
}

extension TokenUsage {
    public subscript(kind: TokenKind) -> Int {
        get {
            switch kind {
            case .input: input
            case .cachedInput: cachedInput
            case .cacheWrite: cacheWrite
            case .output: output
            case .reasoning: reasoning
            }
        }
        set {
            switch kind {
            case .input: input = newValue
            case .cachedInput: cachedInput = newValue
            case .cacheWrite: cacheWrite = newValue
            case .output: output = newValue
            case .reasoning: reasoning = newValue
            }
        }
    }
}
