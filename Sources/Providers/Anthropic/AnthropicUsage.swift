import TollgateCore

/// Reads Anthropic's usage object into Tollgate's five disjoint counts, and writes it back.
///
/// Anthropic's counts are already disjoint: `input_tokens` excludes `cache_read_input_tokens` and
/// `cache_creation_input_tokens`. Thinking is billed and reported as output.
public enum AnthropicUsage {
    public static func tokenUsage(from usage: JSONValue?) -> TokenUsage? {
        guard let usage, case .object = usage else { return nil }
        return TokenUsage(input: usage["input_tokens"]?.intValue ?? 0,
                          cachedInput: usage["cache_read_input_tokens"]?.intValue ?? 0,
                          cacheWrite: usage["cache_creation_input_tokens"]?.intValue ?? 0,
                          output: usage["output_tokens"]?.intValue ?? 0)
    }

    public static func usageObject(_ usage: TokenUsage) -> JSONValue {
        ["input_tokens": .int(Int64(usage.input)), "cache_read_input_tokens": .int(Int64(usage.cachedInput)),
         "cache_creation_input_tokens": .int(Int64(usage.cacheWrite)), "output_tokens": .int(Int64(usage.totalOutput))]
    }
}
