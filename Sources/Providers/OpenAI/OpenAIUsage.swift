import TollgateCore

/// Reads the usage object of OpenAI-compatible providers into Tollgate's five disjoint counts.
///
/// The families overlap their counts differently, and each is undone here exactly once:
/// - OpenAI and DashScope: `prompt_tokens` includes `prompt_tokens_details.cached_tokens`.
/// - DeepSeek: `prompt_tokens` = `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens`.
/// - Everyone: `completion_tokens` includes `completion_tokens_details.reasoning_tokens`.
public enum OpenAIUsage {
    /// The usage, or `nil` when the object carries none (absent or `null`).
    public static func tokenUsage(from usage: JSONValue?) -> TokenUsage? {
        guard let usage, case .object = usage else { return nil }
        let prompt = usage["prompt_tokens"]?.intValue ?? 0
        let completion = usage["completion_tokens"]?.intValue ?? 0
        let cached = usage["prompt_cache_hit_tokens"]?.intValue
            ?? usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
        let reasoning = usage["completion_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0
        return TokenUsage(input: max(0, prompt - cached), cachedInput: min(cached, prompt),
                          output: max(0, completion - reasoning), reasoning: min(reasoning, completion))
    }
}
