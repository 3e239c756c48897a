import Foundation
@testable import Gateway
import Providers
import Routing
import SimulatedProviders
import Testing
import TollgateCore
import TollgateTesting

/// Prompt-cache affinity through real sockets, with two providers that each keep their own
/// prefix cache: a session stays where its prompt is cached, and moves on (and stays there) when
/// that provider fails.
@Suite struct AffinityTests {
    static let system = "You are a careful coding agent working in a large repository. " + String(repeating: "Follow the house rules exactly. ", count: 200)
    static let tools: JSONValue = [["type": "function", "function": ["name": "read_file", "description": "Reads a file of the repository.",
                                                                     "parameters": ["type": "object", "properties": ["path": ["type": "string"]],
                                                                                    "required": ["path"]]]]]

    /// Step `step` of an agent session: the fixed system prompt and tools, the task, and every
    /// earlier step's call and tool output.
    static func step(_ step: Int, route: String = "spread") -> JSONValue {
        var messages: [JSONValue] = [["role": "system", "content": .string(system)],
                                     ["role": "user", "content": "Find where the ledger verifies its hash chain."]]
        for earlier in 0..<step {
            messages.append(["role": "assistant", "content": nil, "tool_calls": [[
                "id": .string("call_\(earlier)"), "type": "function",
                "function": ["name": "read_file", "arguments": .string(#"{"path":"Sources/File\#(earlier).swift"}"#)]]]])
            messages.append(["role": "tool", "tool_call_id": .string("call_\(earlier)"),
                             "content": .string(String(repeating: "let value\(earlier) = compute()\n", count: 20))])
        }
        return ["model": .string(route), "max_tokens": 50, "messages": .array(messages), "tools": tools]
    }

    /// A gateway whose `spread` route draws between two equal models on two providers at random.
    static func with<R: Sendable>(affinity: Duration, _ body: @Sendable @escaping (GatewayHarness, FakeProvider) async throws -> R) async throws -> R {
        try await FakeProvider.withRunning(apiKey: "sk-upstream") { second in
            try await GatewayHarness.with(adjust: { configuration in
                let other = Provider(name: "fake-b", kind: .openai, baseURL: second.baseURL, apiKey: "sk-upstream")
                configuration.providers.append(other)
                let model = ModelDefinition(name: "cheap-b", provider: other, upstream: "fake-cheap-v1", tokenizer: "deepseek_v3")
                configuration.models.append(model)
                configuration.setPrice(GatewayHarness.cheapPrice.config, for: model)
                configuration.routes.append(RouteDefinition(name: "spread", policy: .weighted, candidates: ["cheap", "cheap-b"],
                                                            weights: ["cheap": 1, "cheap-b": 1]))
                configuration.routing.affinity = affinity
            }) { harness async throws in try await body(harness, second) }
        }
    }

    /// Runs a 30-step session; returns the share of its input billed at the cached rate and the
    /// models it went to, in order.
    static func session(_ harness: GatewayHarness, id: String, steps: Int = 30) async throws -> (cachedShare: Double, models: [String]) {
        var models: [String] = []
        for index in 0..<steps {
            let reply = try await harness.post(json: step(index), headers: [("x-tollgate-session", id)])
            #expect(reply.status == 200)
            models.append(reply.headers.first(name: "x-tollgate-model") ?? "")
        }
        let records = try await harness.records().filter { $0.sessionID == id }
        let cached = records.reduce(0) { $0 + $1.usage.cachedInput }
        let input = records.reduce(0) { $0 + $1.usage.totalInput }
        return (Double(cached) / Double(max(1, input)), models)
    }

    @Test func aSessionStaysOnTheModelThatAnsweredItSoItsPromptCacheHits() async throws {
        try await Self.with(affinity: .seconds(300)) { harness, _ in
            let (share, models) = try await Self.session(harness, id: "agent-1")
            #expect(Set(models).count == 1)
            // Every step after the first reads the previous steps from the provider's cache.
            #expect(share > 0.85)
            let records = try await harness.records()
            #expect(records.dropLast().allSatisfy { $0.route?.contains("affinity: session agent-1 stays on \(models[0])") == true })
        }
    }

    @Test func withoutAffinityASessionIsSpreadOverTheRoutesCandidates() async throws {
        try await Self.with(affinity: .zero) { harness, _ in
            let (_, models) = try await Self.session(harness, id: "agent-1")
            // Thirty fair draws land on one model with probability 2^-29.
            #expect(Set(models).count == 2)
            let records = try await harness.records()
            #expect(records.allSatisfy { $0.route?.contains("affinity") == false })
        }
    }

    @Test func whenTheRememberedProviderFailsTheSessionMovesOnAndStaysThere() async throws {
        try await Self.with(affinity: .seconds(300)) { harness, second in
            let first = try await harness.post(json: Self.step(0), headers: [("x-tollgate-session", "agent-2")])
            let sticky = try #require(first.headers.first(name: "x-tollgate-model"))
            let stuck = sticky == "cheap" ? harness.fake : second
            stuck.enqueue(.fail(status: 503))
            let moved = try await harness.post(json: Self.step(1), headers: [("x-tollgate-session", "agent-2")])
            #expect(moved.status == 200)
            let fallback = try #require(moved.headers.first(name: "x-tollgate-model"))
            #expect(fallback != sticky)
            #expect(moved.headers.first(name: "x-tollgate-route")?.contains("fell back past \(sticky)") == true)
            for step in 2..<5 {
                let next = try await harness.post(json: Self.step(step), headers: [("x-tollgate-session", "agent-2")])
                #expect(next.headers.first(name: "x-tollgate-model") == fallback)
            }
        }
    }

    @Test func requestsSharingALongSystemPromptStayTogetherWithoutASession() async throws {
        try await Self.with(affinity: .seconds(300)) { harness, _ in
            var models: Set<String> = []
            for index in 0..<12 {
                var body = Self.step(0)
                body["messages"] = [["role": "system", "content": .string(Self.system)],
                                    ["role": "user", "content": .string("Question number \(index)")]]
                models.insert(try await harness.post(json: body).headers.first(name: "x-tollgate-model") ?? "")
            }
            #expect(models.count == 1)
        }
    }

    @Test func affinityBillsMoreOfASessionsInputAtTheCachedRateThanSpreadingItDoes() async throws {
        let on = try await Self.with(affinity: .seconds(300)) { harness, _ in try await Self.session(harness, id: "trace").cachedShare }
        let off = try await Self.with(affinity: .zero) { harness, _ in try await Self.session(harness, id: "trace").cachedShare }
        // The figure for the notes: the same 30-step trace with affinity on and off.
        print("prompt-cache affinity: \(Int((on * 1000).rounded()) / 10)% of input billed at the cached rate on, "
              + "\(Int((off * 1000).rounded()) / 10)% off")
        #expect(on > off)
    }
}
