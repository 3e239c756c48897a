import Providers
import Testing
import TollgateCore

@Suite struct OpenAIUsageTests {
    @Test func openAICachedAndReasoningTokensAreTakenOutOfTheirTotals() throws {
        // As OpenAI reports a reasoning model's usage with a cache hit.
        let usage: JSONValue = [
            "prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
            "prompt_tokens_details": ["cached_tokens": 1920, "audio_tokens": 0],
            "completion_tokens_details": ["reasoning_tokens": 192, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0],
        ]
        #expect(OpenAIUsage.tokenUsage(from: usage) == TokenUsage(input: 86, cachedInput: 1920, output: 108, reasoning: 192))
    }

    @Test func deepSeekCacheHitsAndMissesSplitThePrompt() {
        let usage: JSONValue = [
            "prompt_tokens": 1500, "completion_tokens": 40, "total_tokens": 1540,
            "prompt_tokens_details": ["cached_tokens": 1472],
            "prompt_cache_hit_tokens": 1472, "prompt_cache_miss_tokens": 28,
        ]
        #expect(OpenAIUsage.tokenUsage(from: usage) == TokenUsage(input: 28, cachedInput: 1472, output: 40))
    }

    @Test func absentOrNullUsageIsNoUsage() {
        #expect(OpenAIUsage.tokenUsage(from: nil) == nil)
        #expect(OpenAIUsage.tokenUsage(from: .null) == nil)
    }
}
