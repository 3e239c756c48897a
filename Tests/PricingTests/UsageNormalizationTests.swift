import Foundation
import Pricing
import Testing
import TollgateCore

/// Usage objects in the shapes the providers document for their responses and streams.
@Suite struct UsageNormalizationTests {
    private func data(_ text: String) -> Data { Data(text.utf8) }

    @Test func cachedTokensAreNotCountedTwiceInOpenAIUsage() throws {
        let response = data("""
        {"id":"chatcmpl-abc","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[],
         "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
          "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
          "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,
           "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}
        """)
        let usage = try OpenAIUsage(json: response).billable()
        #expect(usage.tokens == TokenUsage(input: 86, cachedInput: 1920, output: 300))
        #expect(usage.tokens.total == 2306)
    }

    @Test func reasoningTokensAreSplitOutOfOpenAICompletionTokens() throws {
        let usage = try OpenAIUsage(json: data("""
        {"prompt_tokens":75,"completion_tokens":1186,"total_tokens":1261,
         "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":1024}}
        """)).billable()
        #expect(usage.tokens == TokenUsage(input: 75, output: 162, reasoning: 1024))
    }

    @Test func theFinalStreamedOpenAIChunkCarriesTheUsage() throws {
        let chunk = data("""
        {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1728933352,"model":"gpt-4o-mini",
         "system_fingerprint":"fp_44709d6fcb","choices":[],
         "usage":{"prompt_tokens":1200,"completion_tokens":10,"total_tokens":1210,
          "prompt_tokens_details":{"cached_tokens":1152},"completion_tokens_details":{"reasoning_tokens":0}}}
        """)
        #expect(try OpenAIUsage(json: chunk).billable().tokens == TokenUsage(input: 48, cachedInput: 1152, output: 10))
        // Earlier chunks carry `"usage": null`; they have no usage to bill.
        #expect(throws: PricingError.self) {
            try OpenAIUsage(json: data(#"{"object":"chat.completion.chunk","choices":[{"delta":{"content":"Hi"}}],"usage":null}"#))
        }
    }

    @Test func theResponsesAPIUsageAndItsCompletedEventAreRead() throws {
        let event = data("""
        {"type":"response.completed","response":{"id":"resp_1","status":"completed",
         "usage":{"input_tokens":328,"input_tokens_details":{"cached_tokens":256},"output_tokens":52,
          "output_tokens_details":{"reasoning_tokens":32},"total_tokens":380}}}
        """)
        #expect(try OpenAIUsage(json: event).billable().tokens
                == TokenUsage(input: 72, cachedInput: 256, output: 20, reasoning: 32))
    }

    @Test func anthropicInputTokensAlreadyExcludeCacheReadsAndWrites() throws {
        let response = data("""
        {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],
         "stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":21,"cache_creation_input_tokens":188086,"cache_read_input_tokens":0,
          "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":188086},
          "output_tokens":393,"service_tier":"standard"}}
        """)
        let usage = try AnthropicUsage(json: response).billable()
        #expect(usage.tokens == TokenUsage(input: 21, cacheWrite: 188_086, output: 393))
        #expect(usage.longLivedCacheWrite == 188_086)
        #expect(usage[.cacheWrite] == 0)
    }

    @Test func oneHourCacheWritesArePricedAtTheOneHourRate() throws {
        let usage = try AnthropicUsage(json: data("""
        {"input_tokens":50,"cache_creation_input_tokens":3000,"cache_read_input_tokens":10000,
         "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":200}
        """)).billable()
        let book = Fixtures.book(Fixtures.model("sonnet", ModelPrice(currency: .usd, rates: Fixtures.sonnetRates)))
        let cost = try book.cost(of: usage, for: "sonnet", at: Fixtures.anyDate)
        // 50 × 3 + 10000 × 0.3 + 1000 × 3.75 + 2000 × 6 + 200 × 15 per 1M = 0.0219 USD.
        #expect(cost[.cacheWrite].nanos == 3_750_000)
        #expect(cost[.cacheWriteLongLived].nanos == 12_000_000)
        #expect(cost.total.description == "0.021900000 USD")
    }

    @Test func anthropicStreamDeltasReplaceRatherThanAddCounts() throws {
        let start = data("""
        {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],
         "model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,
         "usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":4000,"output_tokens":1}}}
        """)
        let delta = data("""
        {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}
        """)
        let usage = try AnthropicUsage(json: start).updated(byDelta: delta).billable()
        #expect(usage.tokens == TokenUsage(input: 25, cachedInput: 4000, output: 15))
        // Newer streams repeat the cumulative input counts in the delta; still not added twice.
        let fullDelta = data("""
        {"type":"message_delta","delta":{"stop_reason":"end_turn"},
         "usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":4000,"output_tokens":15}}
        """)
        #expect(try AnthropicUsage(json: start).updated(byDelta: fullDelta).billable().tokens == usage.tokens)
    }

    @Test func deepSeekCacheHitsAndMissesSplitThePrompt() throws {
        let response = data("""
        {"id":"930c60df","object":"chat.completion","model":"deepseek-chat","choices":[],
         "usage":{"prompt_tokens":1680,"completion_tokens":30,"total_tokens":1710,
          "prompt_tokens_details":{"cached_tokens":1536},"prompt_cache_hit_tokens":1536,"prompt_cache_miss_tokens":144},
         "system_fingerprint":"fp_3a5770e1b4"}
        """)
        // `cached_tokens` and `prompt_cache_hit_tokens` are the same tokens: counted once.
        #expect(try DeepSeekUsage(json: response).billable().tokens == TokenUsage(input: 144, cachedInput: 1536, output: 30))
    }

    @Test func deepSeekReasonerStreamsItsUsageWithReasoningInsideCompletion() throws {
        let lastChunk = data("""
        {"id":"c1","object":"chat.completion.chunk","created":1737000000,"model":"deepseek-reasoner",
         "choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":13,"completion_tokens":438,"total_tokens":451,"prompt_tokens_details":{"cached_tokens":0},
          "completion_tokens_details":{"reasoning_tokens":366},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":13}}
        """)
        #expect(try DeepSeekUsage(json: lastChunk).billable().tokens == TokenUsage(input: 13, output: 72, reasoning: 366))
    }

    @Test func inconsistentDeepSeekCountsAreRefused() {
        #expect(throws: PricingError.self) {
            try DeepSeekUsage(json: self.data(#"{"prompt_tokens":100,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":64}"#))
                .billable()
        }
    }

    @Test func dashScopeCachedTokensAreInsidePromptTokens() throws {
        let chunk = data("""
        {"choices":[],"object":"chat.completion.chunk",
         "usage":{"prompt_tokens":3019,"completion_tokens":104,"total_tokens":3123,"prompt_tokens_details":{"cached_tokens":2048}},
         "created":1735120033,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-6ada9ed2"}
        """)
        #expect(try DashScopeUsage(json: chunk).billable().tokens == TokenUsage(input: 971, cachedInput: 2048, output: 104))
    }

    @Test func dashScopeExplicitCacheCreationIsACacheWriteNotInput() throws {
        let usage = try DashScopeUsage(json: data("""
        {"prompt_tokens":1521,"completion_tokens":38,"total_tokens":1559,
         "prompt_tokens_details":{"cached_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":1500},
          "cache_creation_input_tokens":1500,"cache_type":"ephemeral"}}
        """)).billable()
        #expect(usage.tokens == TokenUsage(input: 21, cacheWrite: 1500, output: 38))
    }

    @Test func dashScopeNativeUsageWithReasoningIsRead() throws {
        let usage = try DashScopeUsage(json: data("""
        {"output":{"choices":[]},"usage":{"input_tokens":23,"output_tokens":1070,"total_tokens":1093,
         "prompt_tokens_details":{"cached_tokens":0},"output_tokens_details":{"reasoning_tokens":959}},
         "request_id":"0a2d1b5e"}
        """)).billable()
        #expect(usage.tokens == TokenUsage(input: 23, output: 111, reasoning: 959))
    }

    @Test func usageThatIsNotJSONIsRefusedWithAReason() {
        do {
            _ = try OpenAIUsage(json: data("not json"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("OpenAI"))
        }
    }

    @Test func anOpenAIUsageObjectReadFromItsParsedValueIsWhatItsJSONSaysOrLeftToTheJSONReader() throws {
        let plain = [
            #"{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":64}}"#,
            #"{"input_tokens":48,"output_tokens":10,"input_tokens_details":{"cached_tokens":8},"output_tokens_details":{"reasoning_tokens":2}}"#,
            #"{"prompt_tokens":5,"completion_tokens":null,"prompt_tokens_details":null,"completion_tokens_details":{}}"#,
            #"{"prompt_tokens":5}"#,
            #"{"prompt_tokens":7,"input_tokens":9,"completion_tokens":1,"output_tokens":3}"#,
        ]
        for text in plain {
            let object = try JSONValue(parsing: Array(text.utf8))
            let fast = try #require(OpenAIUsage(usageObject: object), "\(text)")
            #expect(fast == (try OpenAIUsage(json: data(text))), "\(text)")
        }
        // Not plain: the JSON reader decides (and names what is wrong).
        for text in [#"{"completion_tokens":3}"#, #"{"prompt_tokens":"5"}"#, #"{"prompt_tokens":5.0}"#,
                     #"{"prompt_tokens":5,"prompt_tokens_details":[1]}"#, #"{"usage":{"prompt_tokens":5}}"#, "[]",
                     #"{"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":1,"reasoning_tokens":"x"}}"#,
                     #"{"prompt_tokens":5,"completion_tokens":2,"completion_tokens_details":{"cached_tokens":"1"}}"#] {
            #expect(OpenAIUsage(usageObject: try JSONValue(parsing: Array(text.utf8))) == nil, "\(text)")
        }
    }
}
