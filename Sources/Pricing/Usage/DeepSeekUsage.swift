import Foundation
import TollgateCore

/// DeepSeek's usage object: OpenAI's shape plus `prompt_cache_hit_tokens` and
/// `prompt_cache_miss_tokens`, which split `prompt_tokens` (hit + miss = prompt).
///
/// DeepSeek may also send `prompt_tokens_details.cached_tokens`, the same tokens as the hits;
/// they are read once. Reasoning (`deepseek-reasoner`) is inside `completion_tokens`.
public struct DeepSeekUsage: Decodable, Hashable, Sendable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var cacheHitTokens: Int
    public var cacheMissTokens: Int?
    public var reasoningTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cacheHitTokens: Int, cacheMissTokens: Int? = nil,
                reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cacheHitTokens = cacheHitTokens
        self.cacheMissTokens = cacheMissTokens
        self.reasoningTokens = reasoningTokens
    }

    /// Reads the usage from a response body, the final stream chunk, or the object alone.
    public init(json data: Data) throws(PricingError) {
        self = try UsageDecoding.decode(DeepSeekUsage.self, from: data, family: "DeepSeek")
    }

    /// Cache hits as cached input, misses as uncached input; output = completion − reasoning.
    public func billable() throws(PricingError) -> BillableUsage {
        try UsageDecoding.requireNonNegative([("prompt_tokens", promptTokens), ("completion_tokens", completionTokens),
                                              ("prompt_cache_hit_tokens", cacheHitTokens),
                                              ("reasoning_tokens", reasoningTokens)], family: "DeepSeek")
        let miss = cacheMissTokens ?? (promptTokens - cacheHitTokens)
        guard miss >= 0, cacheHitTokens + miss == promptTokens else {
            throw PricingError(.invalidUsage("DeepSeek prompt_cache_hit_tokens (\(cacheHitTokens)) + "
                + "prompt_cache_miss_tokens (\(miss)) != prompt_tokens (\(promptTokens))"))
        }
        guard reasoningTokens <= completionTokens else {
            throw PricingError(.invalidUsage(
                "DeepSeek reasoning_tokens (\(reasoningTokens)) exceeds completion_tokens (\(completionTokens))"))
        }
        return BillableUsage(tokens: TokenUsage(input: miss, cachedInput: cacheHitTokens,
                                                output: completionTokens - reasoningTokens, reasoning: reasoningTokens))
    }

    private enum Keys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case hit = "prompt_cache_hit_tokens", miss = "prompt_cache_miss_tokens"
        case promptDetails = "prompt_tokens_details", completionDetails = "completion_tokens_details"
    }

    private struct Details: Decodable {
        var cachedTokens: Int?
        var reasoningTokens: Int?
        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens", reasoningTokens = "reasoning_tokens" }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let prompt = try c.decode(Int.self, forKey: .promptTokens)
        let details = try c.decodeIfPresent(Details.self, forKey: .promptDetails)
        // The hit count is DeepSeek's own field; `cached_tokens` is the same figure, a fallback.
        let hit = try c.decodeIfPresent(Int.self, forKey: .hit) ?? details?.cachedTokens ?? 0
        self.init(promptTokens: prompt, completionTokens: try c.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0,
                  cacheHitTokens: hit, cacheMissTokens: try c.decodeIfPresent(Int.self, forKey: .miss),
                  reasoningTokens: try c.decodeIfPresent(Details.self, forKey: .completionDetails)?.reasoningTokens ?? 0)
    }
}
