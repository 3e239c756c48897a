import Foundation
@testable import Gateway
import Pricing
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

/// Reasoning asked in one format reaches a provider of the other in its terms; a model that
/// cannot reason refuses it, or drops it and says so when it is set to.
@Suite struct ReasoningTests {
    static func thinking(_ model: String, budget: Int, maxTokens: Int = 16_000) -> JSONValue {
        var body = GatewayHarness.message(model, "Think first.", maxTokens: maxTokens)
        body["thinking"] = ["type": "enabled", "budget_tokens": .int(Int64(budget))]
        return body
    }

    @Test func anAnthropicClientsThinkingReachesAnOpenAIProviderAsReasoningEffort() async throws {
        try await GatewayHarness.with { harness in
            for (budget, effort) in [(1024, "low"), (2048, "medium"), (8192, "medium"), (10_000, "high")] {
                let reply = try await harness.post("/v1/messages", json: Self.thinking("premium", budget: budget))
                #expect(reply.status == 200, "\(reply.body)")
                let sent = try #require(harness.fake.observations.requests.last)
                #expect(sent["reasoning_effort"] == .string(effort), "budget \(budget)")
                #expect(sent["thinking"] == nil)
            }
            // Thinking switched off asks for nothing.
            var off = GatewayHarness.message("premium")
            off["thinking"] = ["type": "disabled"]
            #expect(try await harness.post("/v1/messages", json: off).status == 200)
            #expect(harness.fake.observations.requests.last?["reasoning_effort"] == nil)
        }
    }

    @Test func anOpenAIClientsReasoningEffortReachesAnAnthropicProviderAsAThinkingBudget() async throws {
        try await GatewayHarness.with { harness in
            func chat(_ effort: String, maxTokens: Int?, temperature: Double? = nil) -> JSONValue {
                var body = GatewayHarness.chat("claude", maxTokens: maxTokens)
                body["reasoning_effort"] = .string(effort)
                if let temperature { body["temperature"] = .double(temperature) }
                return body
            }
            #expect(try await harness.post(json: chat("high", maxTokens: 30_000)).status == 200)
            var sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["thinking"] == ["type": "enabled", "budget_tokens": 24_576])
            #expect(sent["max_tokens"] == 30_000)
            // The client's max_tokens is what was reserved: the budget shrinks to fit under it.
            #expect(try await harness.post(json: chat("high", maxTokens: 2000)).status == 200)
            sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["thinking"]?["budget_tokens"] == 1999 && sent["max_tokens"] == 2000)
            // Without one the budget comes on top of the default answer length.
            #expect(try await harness.post(json: chat("low", maxTokens: nil)).status == 200)
            sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["thinking"]?["budget_tokens"] == 1024 && sent["max_tokens"] == .int(Int64(1024 + AnthropicMessagesFormat.defaultMaxTokens)))

            let requests = harness.fake.observations.requests.count
            let short = try await harness.post(json: chat("medium", maxTokens: 500))
            #expect(short.status == 400 && short.json?["error"]?["param"] == "max_tokens", "\(short.body)")
            let warm = try await harness.post(json: chat("medium", maxTokens: 9000, temperature: 0.2))
            #expect(warm.status == 400 && warm.json?["error"]?["param"] == "temperature", "\(warm.body)")
            #expect(harness.fake.observations.requests.count == requests, "nothing refused was sent")
        }
    }

    @Test func aModelThatCannotReasonRefusesThinkingUnlessItDropsUnsupportedParameters() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            for index in configuration.models.indices { configuration.models[index].capabilities = [.tools] }
        }) { harness in
            let refused = try await harness.post("/v1/messages", json: Self.thinking("cheap", budget: 2048))
            #expect(refused.status == 400 && refused.json?["error"]?["type"] == "invalid_request_error", "\(refused.body)")
            #expect(refused.body.contains("reasoning"))
            #expect(refused.headers["x-tollgate-dropped"].isEmpty)
        }
        try await GatewayHarness.with(adjust: { configuration in
            for index in configuration.models.indices {
                configuration.models[index].capabilities = [.tools]
                configuration.models[index].unsupportedParameters = .drop
            }
        }) { harness in
            let dropped = try await harness.post("/v1/messages", json: Self.thinking("cheap", budget: 2048))
            #expect(dropped.status == 200, "\(dropped.body)")
            #expect(dropped.headers["x-tollgate-dropped"].first == "thinking")
            #expect(harness.fake.observations.requests.last?["reasoning_effort"] == nil)
            // Parameters Anthropic has no equivalent for are dropped and named the same way.
            var chat = GatewayHarness.chat("claude", maxTokens: 50)
            chat["seed"] = 7
            chat["logprobs"] = true
            let translated = try await harness.post(json: chat)
            #expect(translated.status == 200, "\(translated.body)")
            #expect(translated.headers["x-tollgate-dropped"].first == "logprobs, seed")
            // A server tool is part of the task, not a parameter: still refused.
            var search = GatewayHarness.message("premium")
            search["tools"] = [["type": "web_search_20250305", "name": "web_search"]]
            let tool = try await harness.post("/v1/messages", json: search)
            #expect(tool.status == 400 && tool.json?["error"]?["message"]?.stringValue?.contains("tools[0]") == true, "\(tool.body)")
            // Same format: the field is taken out of the forwarded body.
            var effort = GatewayHarness.chat("premium", maxTokens: 50)
            effort["reasoning_effort"] = "high"
            let forwarded = try await harness.post(json: effort)
            #expect(forwarded.status == 200 && forwarded.headers["x-tollgate-dropped"].first == "reasoning_effort")
            #expect(harness.fake.observations.requests.last?["reasoning_effort"] == nil)
        }
    }

    @Test func aRouteThatDropsUnsupportedParametersLetsItsNonReasoningCandidatesServeThinking() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            for index in configuration.models.indices { configuration.models[index].capabilities = [.tools] }
            configuration.routes = [RouteDefinition(name: "auto", policy: .cost, candidates: ["premium", "cheap"], unsupportedParameters: .drop)]
        }) { harness in
            let reply = try await harness.post("/v1/messages", json: Self.thinking("auto", budget: 4096))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["x-tollgate-dropped"].first == "thinking")
            #expect(reply.headers["x-tollgate-model"].first == "cheap")
            // Named directly, the same model still refuses.
            #expect(try await harness.post("/v1/messages", json: Self.thinking("cheap", budget: 4096)).status == 400)
        }
    }

    @Test func aModelWithAReasoningSwitchGetsItInsteadOfTheFormatsParameter() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            let index = try! #require(configuration.models.firstIndex { $0.name == "cheap" })
            configuration.models[index].capabilities = [.reasoning, .tools]
            configuration.models[index].reasoningSwitch = ["enable_thinking": true]
        }) { harness in
            var body = GatewayHarness.chat("cheap", maxTokens: 50)
            body["reasoning_effort"] = "low"
            #expect(try await harness.post(json: body).status == 200)
            let sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["enable_thinking"] == true && sent["reasoning_effort"] == nil)
            #expect(try await harness.post("/v1/messages", json: Self.thinking("cheap", budget: 2048)).status == 200)
            #expect(harness.fake.observations.requests.last?["enable_thinking"] == true)
            // No reasoning asked, no switch.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 50)).status == 200)
            #expect(harness.fake.observations.requests.last?["enable_thinking"] == nil)
        }
    }
}
