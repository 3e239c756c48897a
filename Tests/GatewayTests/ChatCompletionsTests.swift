import Foundation
import Gateway
import Providers
import Testing
import TollgateCore
import TollgateTesting

@Suite struct ChatCompletionsTests {
    @Test func aPlainCompletionCarriesTheCostOfTheProvidersUsageInItsHeader() async throws {
        try await GatewayHarness.with(style: .deepseek) { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("cheap", "Hello there"))
            #expect(reply.status == 200)
            let usage = try #require(reply.json?["usage"])
            let prompt = try #require(usage["prompt_tokens"]?.intValue)
            let completion = try #require(usage["completion_tokens"]?.intValue)
            // 0.28 USD per 1M input, 0.42 per 1M output, no cache hit on a first request.
            let expected = Int64(prompt) * 280 + Int64(completion) * 420
            #expect(reply.headers.first(name: "x-tollgate-cost") == Money(nanos: expected, currency: .usd).description)
            #expect(usage["cost_currency"]?.stringValue == "USD")
            #expect(reply.headers.first(name: "x-tollgate-model") == "cheap")
            #expect(reply.headers.first(name: "x-tollgate-provider") == "fake")
            #expect(reply.headers.first(name: "x-tollgate-route") == "direct")
            #expect(reply.headers.first(name: "x-tollgate-request-id")?.hasPrefix("req_") == true)
            // The provider saw its own model id and its own API key, not the client's.
            #expect(harness.fake.observations.requests.last?["model"] == "fake-cheap-v1")
            #expect(harness.fake.observations.authorizations.last == "Bearer sk-upstream")
        }
    }

    @Test func aRelayedRequestKeepsEveryFieldInItsOrderSoProviderCachesHit() async throws {
        try await GatewayHarness.with { harness in
            let text = #"{"model":"premium","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"number"},"mid":{"type":"boolean"}},"required":["zeta"]}}}],"tool_choice":"none","x_vendor_field":{"keep":"me"}}"#
            _ = try await harness.post("/v1/chat/completions", body: Array(text.utf8))
            let sent = try #require(harness.fake.observations.requests.last)
            #expect(sent.jsonText == text)
        }
    }

    @Test func cachedPromptTokensArePricedAtTheCachedRateAndNotCountedTwice() async throws {
        try await GatewayHarness.with(style: .openai) { harness in
            let longPrompt = String(repeating: "a long shared system prompt ", count: 300)
            _ = try await harness.post(json: GatewayHarness.chat("premium", longPrompt, maxTokens: 10))
            let reply = try await harness.post(json: GatewayHarness.chat("premium", longPrompt, maxTokens: 10))
            let usage = try #require(reply.json?["usage"])
            let prompt = try #require(usage["prompt_tokens"]?.intValue)
            let cached = try #require(usage["prompt_tokens_details"]?["cached_tokens"]?.intValue)
            #expect(cached > 0 && cached <= prompt)
            // 2.50 per 1M uncached input, 1.25 per 1M cached, 10.00 per 1M output.
            let expected = Int64(prompt - cached) * 2_500 + Int64(cached) * 1_250 + 10 * 10_000
            #expect(reply.headers.first(name: "x-tollgate-cost") == Money(nanos: expected, currency: .usd).description)
            let record = try #require(try await harness.records().first { $0.id == reply.headers.first(name: "x-tollgate-request-id") })
            #expect(record.usage == TokenUsage(input: prompt - cached, cachedInput: cached, output: 10))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func everyRequestLeavesARecordWithWhoWhatAndHowMuch(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend) { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("auto", "Route me", maxTokens: 7))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "cheap")
            #expect(reply.headers.first(name: "x-tollgate-route") == "auto: cost")
            let records = try await harness.records()
            let record = try #require(records.first)
            #expect(records.count == 1)
            #expect(record.organizationID == harness.organization.id)
            #expect(record.keyID?.hasPrefix("key_") == true)
            #expect(record.modelRequested == "auto")
            #expect(record.modelUsed == "cheap")
            #expect(record.provider == "fake")
            #expect(record.status == 200)
            #expect(record.streamed == false)
            #expect(record.usage.output == 7)
            #expect(record.usageSource == .provider)
            #expect(record.cost?.description == reply.headers.first(name: "x-tollgate-cost"))
            #expect(record.timeToFirstTokenMilliseconds != nil)
        }
    }

    @Test func modelsListsWhatTheKeyMayUse() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.get("/v1/models")
            #expect(reply.status == 200)
            let ids = reply.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(ids == ["cheap", "premium", "claude", "auto"])
            let (_, restricted) = try await harness.gateway.accounts.createKey(for: harness.organization, allowedModels: ["cheap"])
            let narrow = try await harness.get("/v1/models", token: restricted)
            #expect(narrow.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["cheap"])
            #expect(try await harness.get("/v1/models", token: "tg-unknown").status == 401)
        }
    }

    @Test func healthAnswersWithoutAKey() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.get("/health", token: "")
            #expect(reply.status == 200)
            #expect(reply.json?["status"] == "ok")
        }
    }
}
