import Foundation
@testable import Gateway
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

/// `POST /v1/responses` end to end: translated to the providers' formats, metered like every
/// other request.
@Suite struct ResponsesTests {
    static func request(_ model: String, _ input: JSONValue = "Hello there", stream: Bool = false, maxOutput: Int = 20) -> JSONValue {
        var body: JSONValue = ["model": .string(model), "input": input, "max_output_tokens": .int(Int64(maxOutput))]
        if stream { body["stream"] = true }
        return body
    }

    @Test func aResponsesRequestIsSettledAtItsUsageThroughEitherKindOfProvider() async throws {
        try await GatewayHarness.with { harness in
            for (model, price) in [("premium", GatewayHarness.premiumPrice), ("claude", GatewayHarness.claudePrice)] {
                let reply = try await harness.post("/v1/responses", json: Self.request(model))
                #expect(reply.status == 200, "\(reply.body)")
                let body = try #require(reply.json)
                #expect(body["object"] == "response" && body["status"] == "incomplete")
                let input = try #require(body["usage"]?["input_tokens"]?.intValue)
                let output = try #require(body["usage"]?["output_tokens"]?.intValue)
                #expect(output == 20)
                let record = try #require(try await harness.records().first { $0.modelUsed == model })
                #expect(record.usage.totalInput == input && record.usage.totalOutput == output)
                #expect(record.cost == price.cost(of: record.usage))
                #expect(reply.headers["x-tollgate-cost"].first == record.cost?.description)
                #expect(body["id"]?.stringValue == ResponsesFormat.responseID(for: record.id))
            }
            // What reached the providers: Chat Completions and Messages.
            let sent = harness.fake.observations.requests
            #expect(sent.contains { $0["messages"]?[0]?["role"] == "user" && $0["max_tokens"] == 20 && $0["input"] == nil })
        }
    }

    @Test func aResponsesStreamCutByTheProviderEndsWithAnErrorEventAndIsBilledByCount() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.cutStream(afterChunks: 3))
            let reply = try await harness.post("/v1/responses", json: Self.request("premium", stream: true, maxOutput: 10))
            #expect(reply.status == 200)
            let events = GatewayHarness.events(reply.body).compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            #expect(events.first?["type"] == "response.created")
            #expect(events.last?["type"] == "error")
            #expect(!events.contains { $0["type"] == "response.completed" })
            let sent = events.compactMap { $0["type"] == "response.output_text.delta" ? $0["delta"]?.stringValue : nil }.joined()
            #expect(!sent.isEmpty)
            let record = try #require(try await harness.records().first)
            let o200k = try await harness.gateway.encodings.encoding(.o200kBase)
            #expect(record.usageSource == .counted)
            #expect(record.usage.output == o200k.count(sent))
            #expect(record.cost == GatewayHarness.premiumPrice.cost(of: record.usage))
        }
    }

    @Test func errorsOnTheResponsesRouteAreInOpenAIsFormat() async throws {
        try await GatewayHarness.with { harness in
            let badKey = try await harness.post("/v1/responses", json: Self.request("cheap"), key: "tg-nope")
            #expect(badKey.status == 401 && badKey.json?["error"]?["code"] == "invalid_api_key", "\(badKey.body)")
            let noInput = try await harness.post("/v1/responses", json: ["model": "cheap"])
            #expect(noInput.status == 400 && noInput.json?["error"]?["param"] == "input")
            let hosted = try await harness.post("/v1/responses", json: ["model": "claude", "input": "hi", "tools": [["type": "web_search"]]])
            #expect(hosted.status == 400 && hosted.json?["error"]?["param"] == "tools[0]", "\(hosted.body)")
            #expect(harness.fake.observations.requests.isEmpty, "nothing refused reached a provider")
        }
    }

    @Test func aStoredResponseContinuesItsOwnOrganizationsConversationUntilItExpires() async throws {
        let clock = ManualTimeSource()
        try await GatewayHarness.with(clock: clock, adjust: { $0.responseRetention = .seconds(3600) }) { harness in
            let first = try await harness.post("/v1/responses", json: ["model": "premium", "input": "My name is Ana.", "max_output_tokens": 10])
            let id = try #require(first.json?["id"]?.stringValue)
            let answer = try #require(first.json?["output"]?[0]?["content"]?[0]?["text"]?.stringValue)
            let next = try await harness.post("/v1/responses", json: ["model": "premium", "input": "What is my name?",
                                                                      "previous_response_id": .string(id), "max_output_tokens": 10])
            #expect(next.status == 200, "\(next.body)")
            // The provider got the whole conversation, and the turn was billed for it.
            let sent = try #require(harness.fake.observations.requests.last?["messages"]?.arrayValue)
            #expect(sent.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
            #expect(sent[1]["content"]?.stringValue == answer)
            let records = try await harness.records()
            let (firstInput, nextInput) = (records.last?.usage.totalInput ?? 0, records.first?.usage.totalInput ?? 0)
            #expect(nextInput > firstInput)

            // Another organization does not see it.
            let other = try await harness.gateway.accounts.createOrganization(name: "other", currency: .usd)
            try await harness.gateway.accounts.addCredit(Money(nanos: 1_000_000_000, currency: .usd), to: other)
            let (_, otherKey) = try await harness.gateway.accounts.createKey(for: other)
            #expect(try await harness.get("/v1/responses/\(id)", token: otherKey).status == 404)
            let stolen = try await harness.post("/v1/responses", json: ["model": "premium", "input": "hi", "previous_response_id": .string(id)],
                                                key: otherKey)
            #expect(stolen.status == 404 && stolen.json?["error"]?["code"] == "previous_response_not_found")
            #expect(try await harness.get("/v1/responses/\(id)").json?["id"] == .string(id))

            // Past its retention it is gone, and the sweep deletes it.
            clock.advance(by: .seconds(3601))
            #expect(try await harness.get("/v1/responses/\(id)").status == 404)
            #expect(try await harness.gateway.responses.sweep() == 2)
        }
    }

    static func withResponsesProvider(_ body: @Sendable (GatewayHarness) async throws -> Void) async throws {
        try await GatewayHarness.with(adjust: { configuration in
            let provider = Provider(name: "fake-responses", kind: .openaiResponses, baseURL: configuration.providers[0].baseURL,
                                    apiKey: "sk-upstream")
            configuration.providers.append(provider)
            let model = ModelDefinition(name: "gpt-5", provider: provider, upstream: "gpt-5-2025-08-07", tokenizer: "o200k_base")
            configuration.models.append(model)
            configuration.setPrice(GatewayHarness.premiumPrice.config, for: model)
        }, body)
    }

    @Test func aProviderThatSpeaksResponsesGetsResponsesRequestsAsSentAndTheConversationWhole() async throws {
        try await Self.withResponsesProvider { harness in
            let first = try await harness.post("/v1/responses", json: ["model": "gpt-5", "input": "My name is Ana.", "metadata": ["k": "v"]])
            #expect(first.status == 200, "\(first.body)")
            let sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["model"] == "gpt-5-2025-08-07" && sent["input"] == "My name is Ana." && sent["metadata"] == ["k": "v"])
            let id = try #require(first.json?["id"]?.stringValue)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .provider && record.usage.output > 0)
            #expect(first.json?["usage"]?["cost"]?.doubleValue == record.cost?.approximateUnits)
            // The next turn carries the conversation; the provider never hears of Tollgate's ids.
            let next = try await harness.post("/v1/responses", json: ["model": "gpt-5", "input": "Who am I?", "stream": true,
                                                                      "previous_response_id": .string(id)])
            #expect(next.status == 200)
            let again = try #require(harness.fake.observations.requests.last)
            #expect(again["previous_response_id"] == nil)
            #expect(again["input"]?.arrayValue?.compactMap { $0["role"]?.stringValue } == ["user", "assistant", "user"])
            let events = GatewayHarness.events(next.body).compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            let completed = try #require(events.last { $0["type"] == "response.completed" })
            #expect(completed["response"]?["usage"]?["cost"] != nil)
            // Kept as the client got it.
            let nextID = try #require(completed["response"]?["id"]?.stringValue)
            #expect(try await harness.get("/v1/responses/\(nextID)").json?["usage"] == completed["response"]?["usage"])
        }
    }

    @Test func chatAndMessagesClientsAreTranslatedForAProviderThatSpeaksResponses() async throws {
        try await Self.withResponsesProvider { harness in
            var tools = GatewayHarness.chat("gpt-5", "Weather in Paris?")
            tools["tools"] = [["type": "function", "function": ["name": "weather", "parameters": ["type": "object", "required": ["city"],
                                                                                                "properties": ["city": ["type": "string"]]]]]]
            let chat = try await harness.post(json: tools)
            #expect(chat.status == 200, "\(chat.body)")
            let sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["input"]?[0]?["role"] == "user" && sent["tools"]?[0]?["name"] == "weather" && sent["messages"] == nil)
            let call = try #require(chat.json?["choices"]?[0]?["message"]?["tool_calls"]?[0])
            #expect(call["function"]?["arguments"] == #"{"city":"example"}"#)
            #expect(chat.json?["choices"]?[0]?["finish_reason"] == "tool_calls")

            // Streamed to an Anthropic client: the call's arguments arrive whole, however split.
            var message = GatewayHarness.message("gpt-5", "Weather in Paris?", stream: true)
            message["tools"] = [["name": "weather", "input_schema": ["type": "object", "required": ["city"], "properties": ["city": ["type": "string"]]]]]
            let streamed = try await harness.post("/v1/messages", json: message)
            #expect(streamed.status == 200)
            let events = GatewayHarness.events(streamed.body).compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            let json = events.compactMap { $0["delta"]?["partial_json"]?.stringValue }.joined()
            #expect(json == #"{"city":"example"}"#)
            #expect(events.last?["type"] == "message_stop")
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .provider && record.usage.input > 0)
        }
    }
}
