import Foundation
import TollgateCore

/// Anthropic's usage object (Messages API), whole, from `message_start`, or merged with the
/// cumulative counts of a stream's `message_delta`.
///
/// Anthropic's counts are already disjoint: `input_tokens` excludes both
/// `cache_read_input_tokens` and `cache_creation_input_tokens`. Cache writes are split by
/// lifetime in `cache_creation.ephemeral_5m_input_tokens` / `ephemeral_1h_input_tokens`, and
/// the 1-hour part is carried so it is priced at the 1-hour write price. Extended-thinking
/// tokens are inside `output_tokens` and billed as output; Anthropic reports no separate count.
public struct AnthropicUsage: Decodable, Hashable, Sendable {
    public var inputTokens: Int
    public var cacheReadInputTokens: Int
    public var cacheCreationInputTokens: Int
    /// The 1-hour part of `cacheCreationInputTokens`.
    public var oneHourCacheCreationTokens: Int
    public var outputTokens: Int

    public init(inputTokens: Int, cacheReadInputTokens: Int = 0, cacheCreationInputTokens: Int = 0,
                oneHourCacheCreationTokens: Int = 0, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.oneHourCacheCreationTokens = oneHourCacheCreationTokens
        self.outputTokens = outputTokens
    }

    /// Reads the usage from a response body, a `message_start` event, or the object alone.
    public init(json data: Data) throws(PricingError) {
        self = try UsageDecoding.decode(AnthropicUsage.self, from: data, family: "Anthropic")
    }

    /// This usage updated by a streamed `message_delta` event (or its `usage` object).
    ///
    /// Every count in a delta is cumulative for the message, so a present field replaces the
    /// earlier one rather than adding to it — adding is the double count streaming gateways
    /// make. Fields the delta lacks keep their `message_start` values.
    public func updated(byDelta data: Data) throws(PricingError) -> AnthropicUsage {
        let delta = try UsageDecoding.decode(Delta.self, from: data, family: "Anthropic message_delta")
        var merged = self
        if let value = delta.input { merged.inputTokens = value }
        if let value = delta.cacheRead { merged.cacheReadInputTokens = value }
        if let value = delta.cacheCreation { merged.cacheCreationInputTokens = value }
        if let value = delta.creationSplit?.oneHour { merged.oneHourCacheCreationTokens = value }
        if let value = delta.output { merged.outputTokens = value }
        return merged
    }

    /// Tollgate's counts: they map one to one.
    public func billable() throws(PricingError) -> BillableUsage {
        try UsageDecoding.requireNonNegative([("input_tokens", inputTokens), ("cache_read_input_tokens", cacheReadInputTokens),
                                              ("cache_creation_input_tokens", cacheCreationInputTokens),
                                              ("ephemeral_1h_input_tokens", oneHourCacheCreationTokens),
                                              ("output_tokens", outputTokens)], family: "Anthropic")
        guard oneHourCacheCreationTokens <= cacheCreationInputTokens else {
            throw PricingError(.invalidUsage("Anthropic ephemeral_1h_input_tokens (\(oneHourCacheCreationTokens)) exceeds "
                + "cache_creation_input_tokens (\(cacheCreationInputTokens))"))
        }
        return BillableUsage(tokens: TokenUsage(input: inputTokens, cachedInput: cacheReadInputTokens,
                                                cacheWrite: cacheCreationInputTokens, output: outputTokens),
                             longLivedCacheWrite: oneHourCacheCreationTokens)
    }

    public init(from decoder: any Decoder) throws {
        let delta = try Delta(from: decoder)
        let fiveMinute = delta.creationSplit?.fiveMinute ?? 0
        let oneHour = delta.creationSplit?.oneHour ?? 0
        // Older responses have only the total; a response with only the split has only that.
        self.init(inputTokens: delta.input ?? 0, cacheReadInputTokens: delta.cacheRead ?? 0,
                  cacheCreationInputTokens: delta.cacheCreation ?? (fiveMinute + oneHour),
                  oneHourCacheCreationTokens: oneHour, outputTokens: delta.output ?? 0)
    }

    /// The fields as sent, each optional, as `message_delta` sends them.
    private struct Delta: Decodable, Sendable {
        var input: Int?
        var cacheRead: Int?
        var cacheCreation: Int?
        var creationSplit: CreationSplit?
        var output: Int?

        enum CodingKeys: String, CodingKey {
            case input = "input_tokens", cacheRead = "cache_read_input_tokens"
            case cacheCreation = "cache_creation_input_tokens", creationSplit = "cache_creation", output = "output_tokens"
        }
    }

    private struct CreationSplit: Decodable, Sendable {
        var fiveMinute: Int?
        var oneHour: Int?
        enum CodingKeys: String, CodingKey {
            case fiveMinute = "ephemeral_5m_input_tokens", oneHour = "ephemeral_1h_input_tokens"
        }
    }
}
