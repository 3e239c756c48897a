import Pricing
import Providers
import Testing
import TollgateCore
@testable import Gateway

@Suite struct UsageReadingTests {
    @Test func eachOpenAICompatibleFamilyIsReadByItsOwnNormalizer() throws {
        let openai: JSONValue = ["prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                                 "prompt_tokens_details": ["cached_tokens": 1920],
                                 "completion_tokens_details": ["reasoning_tokens": 192]]
        #expect(try UsageReading.billable(UsageReport(shape: .openai, object: openai))?.tokens
                == TokenUsage(input: 86, cachedInput: 1920, output: 108, reasoning: 192))
        // DeepSeek sends cached_tokens and prompt_cache_hit_tokens for the same tokens: counted once.
        let deepseek: JSONValue = ["prompt_tokens": 1500, "completion_tokens": 40, "prompt_tokens_details": ["cached_tokens": 1472],
                                   "prompt_cache_hit_tokens": 1472, "prompt_cache_miss_tokens": 28]
        #expect(try UsageReading.billable(UsageReport(shape: .openai, object: deepseek))?.tokens
                == TokenUsage(input: 28, cachedInput: 1472, output: 40))
    }

    @Test func anAnthropicStreamsRunningTotalsReplaceRatherThanAdd() throws {
        var reading = UsageReading()
        try reading.add(UsageReport(shape: .anthropic, object: [
            "input_tokens": 12, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 300,
            "cache_creation": ["ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200], "output_tokens": 1]))
        try reading.add(UsageReport(shape: .anthropic, object: ["output_tokens": 40]))
        try reading.add(UsageReport(shape: .anthropic, object: ["output_tokens": 57]))
        let billable = try #require(reading.billable)
        #expect(billable.tokens == TokenUsage(input: 12, cachedInput: 2000, cacheWrite: 300, output: 57))
        #expect(billable.longLivedCacheWrite == 200)
    }

    @Test func impossibleUsageIsRefusedNotBilled() {
        let broken: JSONValue = ["prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": ["cached_tokens": 50]]
        #expect(throws: PricingError.self) { try UsageReading.billable(UsageReport(shape: .openai, object: broken)) }
    }
}
