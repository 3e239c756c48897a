import Foundation
import Gateway
import Pricing
import Providers
import Testing
import TollgateCore
import TollgateTesting
import Tokenizers

/// `POST /v1/messages` and translation between the OpenAI and Anthropic formats.
@Suite struct MessagesTests {
    static func sseEvents(_ body: String) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        return parser.feed(Array(body.utf8))
    }

    @Test func anAnthropicClientReachesAnAnthropicProviderWithItsHeadersAndIsPriced() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.post("/v1/messages", json: GatewayHarness.message("claude", maxTokens: 5),
                                               headers: [("anthropic-version", "2023-06-01"), ("anthropic-beta", "tools-2024-04-04")])
            #expect(reply.status == 200)
            let body = try #require(reply.json)
            #expect(body["type"] == "message")
            #expect(body["content"]?[0]?["type"] == "text")
            #expect(body["stop_reason"] == "max_tokens")
            let usage = try #require(anthropicTokens(body["usage"]))
            #expect(usage.output == 5)
            #expect(reply.headers.first(name: "x-tollgate-cost") == GatewayHarness.claudePrice.cost(of: usage).description)
            #expect(harness.fake.observations.requests.last?["model"] == "claude-sonnet-4-5")
            #expect(harness.fake.observations.authorizations.last == "sk-upstream")
            #expect(harness.fake.observations.anthropicVersions.last == "2023-06-01")
        }
    }

    @Test func promptCachingIsBilledAtCacheWriteThenCacheReadPrices() async throws {
        try await GatewayHarness.with { harness in
            let system = String(repeating: "You are a careful assistant. ", count: 200)
            var body = GatewayHarness.message("claude", maxTokens: 5)
            body["system"] = [["type": "text", "text": .string(system), "cache_control": ["type": "ephemeral"]]]
            let first = try await harness.post("/v1/messages", json: body)
            let second = try await harness.post("/v1/messages", json: body)
            let written = try #require(anthropicTokens(first.json?["usage"]))
            let read = try #require(anthropicTokens(second.json?["usage"]))
            #expect(written.cacheWrite > 1000 && written.cachedInput == 0)
            #expect(read.cachedInput == written.cacheWrite && read.cacheWrite == 0)
            // 3.75 per 1M written, 0.30 per 1M read, 3.00 per 1M other input, 15.00 per 1M output.
            let expected = Int64(read.input) * 3_000 + Int64(read.cachedInput) * 300 + 5 * 15_000
            #expect(second.headers.first(name: "x-tollgate-cost") == Money(nanos: expected, currency: .usd).description)
            let firstExpected = Int64(written.input) * 3_000 + Int64(written.cacheWrite) * 3_750 + 5 * 15_000
            #expect(first.headers.first(name: "x-tollgate-cost") == Money(nanos: firstExpected, currency: .usd).description)
        }
    }

    @Test func anAnthropicStreamIsRelayedWithTheCostInItsFinalUsage() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.post("/v1/messages", json: GatewayHarness.message("claude", stream: true, maxTokens: 6))
            let events = Self.sseEvents(reply.body)
            #expect(events.first?.event == "message_start")
            #expect(events.last?.event == "message_stop")
            let delta = try #require(events.first { $0.event == "message_delta" }.flatMap { try? JSONValue(parsing: Array($0.data.utf8)) })
            #expect(delta["usage"]?["cost_currency"] == "USD")
            let record = try #require(try await harness.records().first)
            #expect(record.usage.output == 6)
            #expect(record.usage.input > 0)
            #expect(delta["usage"]?["cost"] == .double(try #require(record.cost).approximateUnits))
        }
    }

    @Test func anAnthropicStreamCutShortIsBilledForTheOutputSentNotTheOneTokenAtItsStart() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.cutStream(afterChunks: 8))
            let reply = try await harness.post("/v1/messages", json: GatewayHarness.message("claude", stream: true))
            let events = Self.sseEvents(reply.body)
            #expect(events.last?.event == "error")
            let sent = events.compactMap { try? JSONValue(parsing: Array($0.data.utf8)) }
                .compactMap { $0["delta"]?["text"]?.stringValue }.joined()
            let start = try #require(events.first.flatMap { try? JSONValue(parsing: Array($0.data.utf8)) })
            let claude = try await harness.gateway.encodings.encoding(.claudeLegacy)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .counted)
            #expect(record.usage.output == claude.count(sent))
            #expect(record.usage.output > 1)
            #expect(record.usage.input == start["message"]?["usage"]?["input_tokens"]?.intValue)
            #expect(record.cost == GatewayHarness.claudePrice.cost(of: record.usage))
        }
    }

    @Test func anAnthropicClientCanUseAnOpenAICompatibleModel() async throws {
        try await GatewayHarness.with(style: .deepseek) { harness in
            let reply = try await harness.post("/v1/messages", json: GatewayHarness.message("cheap", maxTokens: 7))
            #expect(reply.status == 200)
            let body = try #require(reply.json)
            #expect(body["type"] == "message")
            #expect(body["content"]?[0]?["text"]?.stringValue?.split(separator: " ").count == 7)
            #expect(body["stop_reason"] == "max_tokens")
            #expect(body["usage"]?["output_tokens"] == 7)
            let upstream = try #require(harness.fake.observations.requests.last)
            #expect(upstream["messages"]?[0]?["content"] == "Hello there")
            #expect(upstream["max_tokens"] == 7)
        }
    }

    @Test func anAnthropicStreamFromAnOpenAIProviderHasAnthropicsEventsInOrder() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.post("/v1/messages", json: GatewayHarness.message("premium", stream: true, maxTokens: 4))
            let events = Self.sseEvents(reply.body)
            #expect(events.map { $0.event ?? "" } == ["message_start", "content_block_start", "content_block_delta", "content_block_delta",
                                                       "content_block_delta", "content_block_delta", "content_block_stop",
                                                       "message_delta", "message_stop"])
            let text = events.compactMap { try? JSONValue(parsing: Array($0.data.utf8)) }
                .compactMap { $0["delta"]?["text"]?.stringValue }.joined()
            #expect(text.split(separator: " ").count == 4)
            let delta = try #require(events.first { $0.event == "message_delta" }.flatMap { try? JSONValue(parsing: Array($0.data.utf8)) })
            #expect(delta["delta"]?["stop_reason"] == "max_tokens")
            #expect(delta["usage"]?["output_tokens"] == 4)
            #expect(delta["usage"]?["cost_currency"] == "USD")
            #expect(try await harness.records().first?.usage.output == 4)
        }
    }

    @Test func anOpenAIClientCanUseAnAnthropicModelPlainAndStreamed() async throws {
        try await GatewayHarness.with { harness in
            let plain = try await harness.post(json: GatewayHarness.chat("claude", maxTokens: 3))
            #expect(plain.status == 200)
            #expect(plain.json?["object"] == "chat.completion")
            #expect(plain.json?["choices"]?[0]?["finish_reason"] == "length")
            #expect(plain.json?["usage"]?["completion_tokens"] == 3)
            #expect(harness.fake.observations.requests.last?["max_tokens"] == 3)
            let streamed = try await harness.post(json: GatewayHarness.chat("claude", stream: true, maxTokens: 3, includeUsage: true))
            let events = GatewayHarness.events(streamed.body)
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            let text = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(text.split(separator: " ").count == 3)
            let usage = try #require(chunks.last?["usage"])
            #expect(usage["completion_tokens"] == 3)
            #expect(usage["cost_currency"] == "USD")
        }
    }

    @Test func toolsRoundTripAcrossFormats() async throws {
        try await GatewayHarness.with { harness in
            let tools: JSONValue = [["type": "function", "function": [
                "name": "get_weather", "description": "Weather for a city",
                "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]]]]
            var ask = GatewayHarness.chat("claude", "Weather in Paris?")
            ask["tools"] = tools
            let first = try await harness.post(json: ask)
            let call = try #require(first.json?["choices"]?[0]?["message"]?["tool_calls"]?[0])
            #expect(first.json?["choices"]?[0]?["finish_reason"] == "tool_calls")
            #expect(call["function"]?["name"] == "get_weather")
            #expect(call["function"]?["arguments"] == #"{"city":"example"}"#)
            #expect(harness.fake.observations.requests.last?["tools"]?[0]?["input_schema"]?["required"] == ["city"])
            var answer = ask
            answer["messages"] = [ask["messages"]![0]!,
                                  ["role": "assistant", "content": nil, "tool_calls": [call]],
                                  ["role": "tool", "tool_call_id": call["id"]!, "content": "18 degrees"]]
            let second = try await harness.post(json: answer)
            #expect(second.json?["choices"]?[0]?["finish_reason"] == "stop")
            let sent = try #require(harness.fake.observations.requests.last?["messages"])
            #expect(sent[1]?["content"]?[0]?["type"] == "tool_use")
            #expect(sent[2]?["content"]?[0]?["type"] == "tool_result")
            #expect(sent[2]?["content"]?[0]?["content"] == "18 degrees")

            var anthropicAsk = GatewayHarness.message("cheap", "Weather in Paris?")
            anthropicAsk["tools"] = [["name": "get_weather", "input_schema": ["type": "object", "required": ["city"]]]]
            let viaOpenAI = try await harness.post("/v1/messages", json: anthropicAsk)
            #expect(viaOpenAI.json?["stop_reason"] == "tool_use")
            #expect(viaOpenAI.json?["content"]?[0]?["type"] == "tool_use")
            #expect(viaOpenAI.json?["content"]?[0]?["input"] == ["city": "example"])
        }
    }

    @Test func streamedToolCallsAreTranslatedBothWays() async throws {
        try await GatewayHarness.with { harness in
            var openai = GatewayHarness.chat("claude", "Weather in Paris?", stream: true)
            openai["tools"] = [["type": "function", "function": ["name": "get_weather",
                                                                 "parameters": ["type": "object", "required": ["city"]]]]]
            let chunks = GatewayHarness.events(try await harness.post(json: openai).body).dropLast()
                .compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            let calls = chunks.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0] }
            #expect(calls.first?["function"]?["name"] == "get_weather")
            #expect(calls.first?["id"]?.stringValue?.isEmpty == false)
            #expect(calls.compactMap { $0["function"]?["arguments"]?.stringValue }.joined() == #"{"city":"example"}"#)
            #expect(chunks.contains { $0["choices"]?[0]?["finish_reason"] == "tool_calls" })

            var anthropic = GatewayHarness.message("cheap", "Weather in Paris?", stream: true)
            anthropic["tools"] = [["name": "get_weather", "input_schema": ["type": "object", "required": ["city"]]]]
            let events = Self.sseEvents(try await harness.post("/v1/messages", json: anthropic).body)
            let values = events.compactMap { try? JSONValue(parsing: Array($0.data.utf8)) }
            let start = try #require(values.first { $0["content_block"]?["type"] == "tool_use" })
            #expect(start["content_block"]?["name"] == "get_weather")
            let json = values.compactMap { $0["delta"]?["partial_json"]?.stringValue }.joined()
            #expect(json == #"{"city":"example"}"#)
            #expect(values.first { $0["type"] == "message_delta" }?["delta"]?["stop_reason"] == "tool_use")
        }
    }

    @Test func imagesCrossFormatsAsDataURLsAndBase64Sources() throws {
        let openai: JSONValue = ["model": "m", "messages": [["role": "user", "content": [
            ["type": "text", "text": "What is this?"],
            ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo="]]]]]]
        let request = try OpenAIChatFormat.request(from: openai)
        let anthropic = try AnthropicMessagesFormat.body(for: request, model: "claude")
        let source = try #require(anthropic["messages"]?[0]?["content"]?[1]?["source"])
        #expect(source == ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="])
        let back = OpenAIChatFormat.body(for: try AnthropicMessagesFormat.request(from: anthropic), model: "gpt", includeUsage: false)
        #expect(back["messages"]?[0]?["content"]?[1]?["image_url"]?["url"] == "data:image/png;base64,iVBORw0KGgo=")
    }

    @Test func aFeatureWithNoEquivalentIsRefusedByName() async throws {
        try await GatewayHarness.with { harness in
            var openai = GatewayHarness.chat("claude")
            openai["logprobs"] = true
            let refused = try await harness.post(json: openai)
            #expect(refused.status == 400)
            #expect(refused.json?["error"]?["param"] == "logprobs")
            var anthropic = GatewayHarness.message("cheap")
            anthropic["top_k"] = 5
            let refusedToo = try await harness.post("/v1/messages", json: anthropic)
            #expect(refusedToo.status == 400)
            #expect(refusedToo.json?["type"] == "error")
            #expect(refusedToo.json?["error"]?["message"]?.stringValue?.contains("'top_k'") == true)
            #expect(harness.fake.observations.requests.isEmpty)
        }
    }

    @Test func countTokensAsksAnAnthropicProviderAndCountsOtherModelsWithTheirTokenizer() async throws {
        try await GatewayHarness.with { harness in
            let body: JSONValue = ["model": "premium", "system": "Be brief.", "messages": [["role": "user", "content": "Count me, please."]]]
            let local = try await harness.post("/v1/messages/count_tokens", json: body)
            #expect(local.status == 200)
            let o200k = try await harness.gateway.encodings.encoding(.o200kBase)
            let expected = 3 + (3 + o200k.count("system") + o200k.count("Be brief.")) + (3 + o200k.count("user") + o200k.count("Count me, please."))
            #expect(local.json?["input_tokens"] == .int(Int64(expected)))
            var remote = body
            remote["model"] = "claude"
            let counted = try await harness.post("/v1/messages/count_tokens", json: remote)
            #expect(counted.status == 200)
            #expect(counted.json?["input_tokens"]?.intValue == FakeProvider.promptTokens(of: remote))
            #expect(harness.fake.observations.requests.last?["model"] == "claude-sonnet-4-5")
            #expect(local.headers["x-tollgate-count-source"].first == "tollgate")
            #expect(counted.headers["x-tollgate-count-source"].first == "provider")
        }
    }

    @Test func countTokensFallsBackToTollgatesOwnCountWhenTheProviderHasNoSuchEndpoint() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.setCountTokensAvailable(false)
            let body: JSONValue = ["model": "claude", "system": "Be brief.", "messages": [["role": "user", "content": "Count me, please."]]]
            let counted = try await harness.post("/v1/messages/count_tokens", json: body)
            #expect(counted.status == 200)
            #expect(counted.headers["x-tollgate-count-source"].first == "tollgate")
            // The claude model's tokenizer: the legacy Human/Assistant prompt.
            let claude = try await harness.gateway.encodings.encoding(.claudeLegacy)
            #expect(counted.json?["input_tokens"] == .int(Int64(claude.count("Be brief.\n\nHuman: Count me, please.\n\nAssistant:"))))
        }
    }

    @Test func modelsAreListedInAnthropicsFormatWhenTheRequestCarriesAnthropicVersion() async throws {
        try await GatewayHarness.with { harness in
            let anthropic = [("anthropic-version", "2023-06-01")]
            let all = try await harness.get("/v1/models", headers: anthropic)
            #expect(all.status == 200)
            #expect(all.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["cheap", "premium", "claude", "auto"])
            #expect(all.json?["data"]?[0]?["type"] == "model")
            #expect(all.json?["data"]?[0]?["display_name"] == "cheap")
            #expect(all.json?["has_more"] == false && all.json?["first_id"] == "cheap" && all.json?["last_id"] == "auto")
            // Anthropic's paging: two after "cheap", then the one before "auto".
            let page = try await harness.get("/v1/models?limit=2&after_id=cheap", headers: anthropic)
            #expect(page.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["premium", "claude"])
            #expect(page.json?["has_more"] == true)
            let before = try await harness.get("/v1/models?limit=1&before_id=auto", headers: anthropic)
            #expect(before.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["claude"])

            let openAI = try await harness.get("/v1/models")
            #expect(openAI.json?["object"] == "list" && openAI.json?["data"]?[0]?["object"] == "model")
            let one = try await harness.get("/v1/models/claude", headers: anthropic)
            #expect(one.json?["id"] == "claude" && one.json?["type"] == "model")
            #expect(try await harness.get("/v1/models/premium").json?["owned_by"] == "fake")
            let missing = try await harness.get("/v1/models/nope", headers: anthropic)
            #expect(missing.status == 404 && missing.json?["type"] == "error")
            let unauthorized = try await harness.get("/v1/models", token: "tg-nope", headers: anthropic)
            #expect(unauthorized.status == 401 && unauthorized.json?["error"]?["type"] == "authentication_error")
        }
    }

    @Test func messagesErrorsAreInAnthropicsFormat() async throws {
        try await GatewayHarness.with { harness in
            let badKey = try await harness.post("/v1/messages", json: GatewayHarness.message(), key: "tg-nope")
            #expect(badKey.status == 401)
            #expect(badKey.json?["type"] == "error")
            #expect(badKey.json?["error"]?["type"] == "authentication_error")
            var noMax = GatewayHarness.message()
            noMax["max_tokens"] = nil
            let missing = try await harness.post("/v1/messages", json: noMax)
            #expect(missing.status == 400)
            #expect(missing.json?["error"]?["type"] == "invalid_request_error")
            harness.fake.enqueue(.fail(status: 429))
            let limited = try await harness.post("/v1/messages", json: GatewayHarness.message())
            #expect(limited.status == 429)
            #expect(limited.json?["error"]?["type"] == "rate_limit_error")
            harness.fake.enqueue(.fail(status: 529))
            let overloaded = try await harness.post("/v1/messages", json: GatewayHarness.message())
            #expect(overloaded.status == 503)
            #expect(overloaded.json?["error"]?["type"] == "overloaded_error")
            harness.fake.enqueue(.cutStream(afterChunks: 2))
            let cut = try await harness.post("/v1/messages", json: GatewayHarness.message(stream: true))
            let last = try #require(Self.sseEvents(cut.body).last)
            #expect(last.event == "error")
            #expect((try? JSONValue(parsing: Array(last.data.utf8)))?["error"]?["type"] == "api_error")
            let unknown = try await harness.post("/v1/messages", json: GatewayHarness.message("nope"))
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?["type"] == "not_found_error")
        }
    }
}
