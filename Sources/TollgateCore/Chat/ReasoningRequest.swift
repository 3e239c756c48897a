/// Reasoning the client asked for, in one form whichever format asked: OpenAI's
/// `reasoning_effort` (and the Responses API's `reasoning.effort`) and Anthropic's
/// `thinking: {type: enabled, budget_tokens}` map onto each other through it.
///
/// An Anthropic budget maps to an effort by thresholds (≤ 1,024 tokens low, ≤ 8,192 medium,
/// above high); an effort maps to a budget of 1,024 (minimal and low), 8,192 (medium) or 24,576
/// (high) or 32,768 (xhigh) tokens.
public struct ReasoningRequest: Hashable, Sendable {
    public enum Effort: String, Hashable, Sendable, CaseIterable {
        case minimal, low, medium, high, xhigh
    }

    public var effort: Effort
    /// Anthropic's `budget_tokens`, when the client gave one.
    public var budgetTokens: Int?

    public init(effort: Effort, budgetTokens: Int? = nil) {
        self.effort = effort
        self.budgetTokens = budgetTokens
    }

    /// A thinking budget as an effort.
    public init(budgetTokens: Int) {
        self.init(effort: budgetTokens <= 1024 ? .low : budgetTokens <= 8192 ? .medium : .high, budgetTokens: budgetTokens)
    }

    /// The thinking budget in tokens: the client's own, or the effort's.
    public var budget: Int {
        if let budgetTokens { return budgetTokens }
        switch effort {
        case .minimal, .low: return 1024
        case .medium: return 8192
        case .high: return 24_576
        case .xhigh: return 32_768
        }
    }
}
