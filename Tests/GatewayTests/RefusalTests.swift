import Foundation
import Gateway
import Pricing
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

@Suite struct RefusalTests {
    /// Each way a provider fails, and the status and OpenAI error the client gets for it.
    static let upstreamFailures: [(FakeBehavior, Int, String)] = [
        (.fail(status: 429), 429, "upstream_rate_limited"),
        (.fail(status: 500), 502, "upstream_status_500"),
        (.fail(status: 503), 503, "upstream_unavailable"),
        (.fail(status: 400), 400, "upstream_rejected_request"),
        (.fail(status: 401), 502, "upstream_status_401"),
        (.malformedJSON, 502, "upstream_malformed"),
        (.stall(afterChunks: 0), 504, "upstream_timeout"),
        (.delayFirstByte(.seconds(5)), 504, "upstream_timeout"),
    ]

    @Test(arguments: 0..<upstreamFailures.count)
    func eachProviderFailureMapsToItsDocumentedError(_ index: Int) async throws {
        let (behavior, status, code) = Self.upstreamFailures[index]
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(behavior)
            let reply = try await harness.post(json: GatewayHarness.chat("premium"))
            #expect(reply.status == status, "\(behavior)")
            #expect(reply.json?["error"]?["code"]?.stringValue == code, "\(behavior)")
            #expect(reply.json?["error"]?["message"]?.stringValue?.isEmpty == false)
            if status == 429 { #expect(reply.headers.first(name: "retry-after") == "1") }
            #expect(reply.headers.first(name: "x-tollgate-cost") == nil)
            let record = try #require(try await harness.records().first)
            #expect(record.status == status)
            #expect(record.cost == nil)
            #expect(record.error != nil)
        }
    }

    @Test func aProviderThatOmitsUsageIsBilledByTollgatesOwnCount() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.omitUsage)
            let reply = try await harness.post(json: GatewayHarness.chat("premium", "Count me, please."))
            #expect(reply.status == 200)
            let text = try #require(reply.json?["choices"]?[0]?["message"]?["content"]?.stringValue)
            let o200k = try await harness.gateway.encodings.encoding(.o200kBase)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .counted)
            #expect(record.usage.output == o200k.count(text))
            // OpenAI's rule: 3 to prime the reply, 3 per message, the role and the content.
            #expect(record.usage.input == 3 + 3 + o200k.count("user") + o200k.count("Count me, please."))
            #expect(reply.headers.first(name: "x-tollgate-cost") == GatewayHarness.premiumPrice.cost(of: record.usage).description)
        }
    }

    @Test func theProvidersOwnErrorTextReachesTheRecordButNotTheClient() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.fail(status: 401))
            let reply = try await harness.post(json: GatewayHarness.chat("premium"))
            #expect(reply.status == 502)
            #expect(!reply.body.contains("Incorrect API key"))
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("Provider 'fake'") == true)
            let record = try #require(try await harness.records().first)
            #expect(record.error?.contains("Incorrect API key") == true)
            harness.fake.enqueue(.fail(status: 400))
            let clientsFault = try await harness.post(json: GatewayHarness.chat("premium"))
            #expect(clientsFault.json?["error"]?["message"]?.stringValue?.contains("Invalid request") == true)
        }
    }

    @Test func aModelPricedInAnotherCurrencyIsRefusedNotConverted() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            let model = ModelDefinition(name: "yuan", provider: configuration.providers[0], tokenizer: "qwen")
            configuration.models.append(model)
            configuration.setPrice(try! ConfigPrice(currency: .cny, input: "2", output: "8"), for: model)
            configuration.routes = [RouteDefinition(name: "auto", policy: .cost, candidates: ["yuan", "premium"])]
        }) { harness in
            let refused = try await harness.post(json: GatewayHarness.chat("yuan"))
            #expect(refused.status == 403)
            #expect(refused.json?["error"]?["code"] == "currency_mismatch")
            // The cost policy passes over it too, though it is the cheapest by number.
            let routed = try await harness.post(json: GatewayHarness.chat("auto"))
            #expect(routed.headers.first(name: "x-tollgate-model") == "premium")
            #expect(harness.fake.observations.requests.count == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anUnknownOrRevokedKeyGets401(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend) { harness in
            let unknown = try await harness.post(json: GatewayHarness.chat(), key: "tg-not-a-real-key")
            #expect(unknown.status == 401)
            #expect(unknown.json?["error"]?["code"] == "invalid_api_key")
            #expect(try await harness.post(json: GatewayHarness.chat()).status == 200)
            let key = try #require(try await harness.gateway.accounts.keys(of: harness.organization).first)
            try await harness.gateway.accounts.revokeKey(id: key.id)
            // The key was cached by the request above; the revoke evicts it at once.
            #expect(try await harness.post(json: GatewayHarness.chat()).status == 401)
            #expect(harness.fake.observations.requests.count == 1)
        }
    }

    @Test func anUnknownModelGets404AndAForbiddenOne403() async throws {
        try await GatewayHarness.with { harness in
            let unknown = try await harness.post(json: GatewayHarness.chat("no-such-model"))
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?["code"] == "model_not_found")
            let (_, narrow) = try await harness.gateway.accounts.createKey(for: harness.organization, allowedModels: ["cheap"])
            let forbidden = try await harness.post(json: GatewayHarness.chat("premium"), key: narrow)
            #expect(forbidden.status == 403)
            #expect(forbidden.json?["error"]?["code"] == "model_not_allowed")
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: narrow).status == 200)
            #expect(harness.fake.observations.requests.count == 1)
        }
    }

    @Test(arguments: [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (#"{"messages": [{"role": "user", "content": "hi"}]}"#, "'model' is required"),
        (#"{"model": "cheap", "messages": []}"#, "'messages' must be a non-empty array"),
        (#"{"model": 42, "messages": [{"role": "user", "content": "hi"}]}"#, "'model' is required"),
    ])
    func malformedRequestsGet400NamingTheProblem(_ body: String, _ message: String) async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.post("/v1/chat/completions", body: Array(body.utf8))
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?["type"] == "invalid_request_error")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains(message) == true)
            #expect(harness.fake.observations.requests.isEmpty)
        }
    }

    @Test func aBodyOverTheLimitGets413BeforeItIsReadWhole() async throws {
        try await GatewayHarness.with(adjust: { $0.maxRequestBodyBytes = 4096 }) { harness in
            let big = GatewayHarness.chat("cheap", String(repeating: "x", count: 10_000))
            let reply = try await harness.post(json: big)
            #expect(reply.status == 413)
            #expect(reply.json?["error"]?["code"] == "request_too_large")
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "small")).status == 200)
            #expect(harness.fake.observations.requests.count == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anOrganizationWithoutCreditGets402(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, credit: 0) { harness in
            let reply = try await harness.post(json: GatewayHarness.chat())
            #expect(reply.status == 402)
            #expect(reply.json?["error"]?["code"] == "insufficient_funds")
            #expect(harness.fake.observations.requests.isEmpty)
        }
    }
}
