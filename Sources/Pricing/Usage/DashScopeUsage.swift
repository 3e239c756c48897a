import Foundation
import TollgateCore

/// Alibaba Model Studio's (DashScope's) usage object for Qwen and the models it hosts, in its
/// OpenAI-compatible form (`prompt_tokens`, `completion_tokens`) or its native form
/// (`input_tokens`, `output_tokens`).
///
/// The prompt count includes `prompt_tokens_details.cached_tokens` (implicit or explicit cache
/// hits) and, with explicit caching, `prompt_tokens_details.cache_creation_input_tokens`
/// (split by lifetime in `cache_creation`); the completion count includes reasoning tokens.
public struct DashScopeUsage: Decodable, Hashable, Sendable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var cacheCreationTokens: Int
    public var oneHourCacheCreationTokens: Int
    public var reasoningTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, cacheCreationTokens: Int = 0,
                oneHourCacheCreationTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cacheCreationTokens = cacheCreationTokens
        self.oneHourCacheCreationTokens = oneHourCacheCreationTokens
        self.reasoningTokens = reasoningTokens
    }

    /// Reads the usage from a response body, the final stream chunk, or the object alone.
    public init(json data: Data) throws(PricingError) {
        self = try UsageDecoding.decode(DashScopeUsage.self, from: data, family: "DashScope")
    }

    /// Uncached input = prompt − cache hits − cache writes; output = completion − reasoning.
    public func billable() throws(PricingError) -> BillableUsage {
        try UsageDecoding.requireNonNegative([("prompt_tokens", promptTokens), ("completion_tokens", completionTokens),
                                              ("cached_tokens", cachedTokens),
                                              ("cache_creation_input_tokens", cacheCreationTokens),
                                              ("reasoning_tokens", reasoningTokens)], family: "DashScope")
        let uncached = promptTokens - cachedTokens - cacheCreationTokens
        guard uncached >= 0 else {
            throw PricingError(.invalidUsage("DashScope cached_tokens (\(cachedTokens)) + cache_creation_input_tokens "
                + "(\(cacheCreationTokens)) exceeds prompt_tokens (\(promptTokens))"))
        }
        guard reasoningTokens <= completionTokens else {
            throw PricingError(.invalidUsage(
                "DashScope reasoning_tokens (\(reasoningTokens)) exceeds completion_tokens (\(completionTokens))"))
        }
        return BillableUsage(tokens: TokenUsage(input: uncached, cachedInput: cachedTokens, cacheWrite: cacheCreationTokens,
                                                output: completionTokens - reasoningTokens, reasoning: reasoningTokens),
                             longLivedCacheWrite: oneHourCacheCreationTokens)
    }

    private enum Keys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case inputTokens = "input_tokens", outputTokens = "output_tokens"
        case promptDetails = "prompt_tokens_details", completionDetails = "completion_tokens_details"
        case outputDetails = "output_tokens_details"
    }

    private struct PromptDetails: Decodable {
        var cachedTokens: Int?
        var cacheCreationInputTokens: Int?
        var cacheCreation: Split?
        enum CodingKeys: String, CodingKey {
            case cachedTokens = "cached_tokens", cacheCreationInputTokens = "cache_creation_input_tokens"
            case cacheCreation = "cache_creation"
        }
    }

    private struct Split: Decodable {
        var fiveMinute: Int?
        var oneHour: Int?
        enum CodingKeys: String, CodingKey {
            case fiveMinute = "ephemeral_5m_input_tokens", oneHour = "ephemeral_1h_input_tokens"
        }
    }

    private struct OutputDetails: Decodable {
        var reasoningTokens: Int?
        enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        guard let prompt = try c.decodeIfPresent(Int.self, forKey: .promptTokens)
                ?? c.decodeIfPresent(Int.self, forKey: .inputTokens) else {
            throw DecodingError.keyNotFound(Keys.promptTokens, .init(codingPath: c.codingPath,
                                                                     debugDescription: "no prompt_tokens or input_tokens"))
        }
        let completion = try c.decodeIfPresent(Int.self, forKey: .completionTokens)
            ?? c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        let details = try c.decodeIfPresent(PromptDetails.self, forKey: .promptDetails)
        let split = details?.cacheCreation
        let creation = details?.cacheCreationInputTokens ?? ((split?.fiveMinute ?? 0) + (split?.oneHour ?? 0))
        let reasoning = try c.decodeIfPresent(OutputDetails.self, forKey: .completionDetails)?.reasoningTokens
            ?? c.decodeIfPresent(OutputDetails.self, forKey: .outputDetails)?.reasoningTokens ?? 0
        self.init(promptTokens: prompt, completionTokens: completion, cachedTokens: details?.cachedTokens ?? 0,
                  cacheCreationTokens: creation, oneHourCacheCreationTokens: split?.oneHour ?? 0,
                  reasoningTokens: reasoning)
    }
}
