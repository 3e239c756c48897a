import Foundation
import Gateway
import Providers
import Testing
import TollgateCore
import TollgateTesting

/// Admission checks every field the client's format defines, before anything is reserved or sent.
@Suite struct AdmissionTests {
    /// OpenAI requests each wrong in one field, and the parameter the 400 must name.
    static let openAIRefusals: [(String, JSONValue, String)] = {
        func with(_ key: String, _ value: JSONValue) -> JSONValue {
            var body = GatewayHarness.chat("premium")
            body[key] = value
            return body
        }
        func messages(_ value: JSONValue) -> JSONValue { with("messages", value) }
        return [
            ("a message that is not an object", messages([1]), "messages[0]"),
            ("an unknown role", messages([["role": "bogus", "content": "hi"]]), "messages[0].role"),
            ("content that is a number", messages([["role": "user", "content": 123]]), "messages[0].content"),
            ("a user message without content", messages([["role": "user"]]), "messages[0].content"),
            ("a content part without a type", messages([["role": "user", "content": [["text": "hi"]]]]), "messages[0].content"),
            ("a tool message without its call id", messages([["role": "tool", "content": "42"]]), "messages[0].tool_call_id"),
            ("max_tokens 0", with("max_tokens", 0), "max_tokens"),
            ("max_tokens -1", with("max_tokens", -1), "max_tokens"),
            ("max_tokens as a string", with("max_tokens", "10"), "max_tokens"),
            ("max_tokens true", with("max_tokens", true), "max_tokens"),
            ("max_tokens 1.5", with("max_tokens", 1.5), "max_tokens"),
            ("max_tokens 2^64+1", with("max_tokens", .double(18_446_744_073_709_551_617.0)), "max_tokens"),
            ("max_tokens 2^62", with("max_tokens", .int(1 << 62)), "max_tokens"),
            ("max_completion_tokens 0", with("max_completion_tokens", 0), "max_completion_tokens"),
            ("n 0", with("n", 0), "n"),
            ("n 1000", with("n", 1000), "n"),
            ("temperature 3", with("temperature", 3), "temperature"),
            ("temperature as a string", with("temperature", "0.5"), "temperature"),
            ("top_p 1.5", with("top_p", 1.5), "top_p"),
            ("stream as a string", with("stream", "yes"), "stream"),
            ("stream_options not an object", with("stream_options", true), "stream_options"),
            ("stop of five strings", with("stop", ["a", "b", "c", "d", "e"]), "stop"),
            ("tools without a function name", with("tools", [["type": "function", "function": ["description": "x"]]]), "tools"),
            ("an unknown tool_choice", with("tool_choice", "sometimes"), "tool_choice"),
            ("an unknown response_format", with("response_format", ["type": "yaml"]), "response_format"),
            ("user as a number", with("user", 7), "user"),
            ("metadata as a list", with("metadata", [1]), "metadata"),
        ]
    }()

    static let anthropicRefusals: [(String, JSONValue, String)] = {
        func with(_ key: String, _ value: JSONValue?) -> JSONValue {
            var body = GatewayHarness.message()
            body[key] = value
            if value == nil, case .object(var object) = body { object.removeValue(forKey: key); body = .object(object) }
            return body
        }
        return [
            ("no max_tokens", with("max_tokens", nil), "max_tokens"),
            ("max_tokens 0", with("max_tokens", 0), "max_tokens"),
            ("max_tokens as a string", with("max_tokens", "10"), "max_tokens"),
            ("max_tokens 1.5", with("max_tokens", 1.5), "max_tokens"),
            ("max_tokens 2^62", with("max_tokens", .int(1 << 62)), "max_tokens"),
            ("a system role", with("messages", [["role": "system", "content": "hi"]]), "messages"),
            ("content that is a number", with("messages", [["role": "user", "content": 5]]), "messages.0.content"),
            ("a block without a type", with("messages", [["role": "user", "content": [["text": "hi"]]]]), "messages.0.content"),
            ("system as a number", with("system", 1), "system"),
            ("temperature 1.5", with("temperature", 1.5), "temperature"),
            ("top_k -1", with("top_k", -1), "top_k"),
            ("stop_sequences of numbers", with("stop_sequences", [1, 2]), "stop_sequences"),
            ("tools without names", with("tools", [["description": "x"]]), "tools"),
            ("thinking with a small budget", with("thinking", ["type": "enabled", "budget_tokens": 10]), "thinking.budget_tokens"),
        ]
    }()

    @Test(arguments: 0..<openAIRefusals.count)
    func anOpenAIRequestWrongInOneFieldIsRefusedNamingItWithNothingReservedOrSent(_ index: Int) async throws {
        let (what, body, param) = Self.openAIRefusals[index]
        try await GatewayHarness.with { harness in
            let reply = try await harness.post(json: body)
            #expect(reply.status == 400, "\(what)")
            #expect(reply.json?["error"]?["type"] == "invalid_request_error", "\(what)")
            #expect(reply.json?["error"]?["param"]?.stringValue == param, "\(what): \(reply.body)")
            #expect(harness.fake.observations.requests.isEmpty, "\(what) reached the provider")
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await harness.records().allSatisfy { $0.reserved == 0 && $0.status == 400 })
        }
    }

    @Test(arguments: 0..<anthropicRefusals.count)
    func anAnthropicRequestWrongInOneFieldIsRefusedNamingItWithNothingReservedOrSent(_ index: Int) async throws {
        let (what, body, param) = Self.anthropicRefusals[index]
        try await GatewayHarness.with { harness in
            let reply = try await harness.post("/v1/messages", json: body)
            #expect(reply.status == 400, "\(what)")
            #expect(reply.json?["type"] == "error", "\(what)")
            #expect(reply.json?["error"]?["type"] == "invalid_request_error", "\(what)")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains(param) == true, "\(what): \(reply.body)")
            #expect(harness.fake.observations.requests.isEmpty, "\(what) reached the provider")
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test func validRequestsWithEveryCheckedFieldPass() async throws {
        try await GatewayHarness.with { harness in
            var body = GatewayHarness.chat("premium", maxTokens: 50)
            body["temperature"] = 0.5
            body["top_p"] = 1
            body["n"] = 1
            body["stop"] = ["\n\n"]
            body["user"] = "someone"
            body["metadata"] = ["purpose": "test"]
            body["stream_options"] = nil
            body["response_format"] = ["type": "json_object"]
            let chat = try await harness.post(json: body)
            #expect(chat.status == 200, "\(chat.body)")
            var message = GatewayHarness.message(maxTokens: 50)
            message["system"] = [["type": "text", "text": "Be brief."]]
            message["temperature"] = 0.2
            message["top_k"] = 5
            message["stop_sequences"] = ["END"]
            let messages = try await harness.post("/v1/messages", json: message)
            #expect(messages.status == 200, "\(messages.body)")
        }
    }

    @Test func sixtyFourClientsWithBadMaxTokensSpendNothingAgainstAHardBudget() async throws {
        try await GatewayHarness.with { harness in
            let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        var body = GatewayHarness.chat("premium", "Request \(index)")
                        body["max_tokens"] = index.isMultiple(of: 2) ? 0 : -1
                        return try await harness.post(json: body).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0 == 400 })
            #expect(harness.fake.observations.requests.isEmpty)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 10 * Money.nanosPerUnit)
        }
    }

    @Test func anUnknownRouteAndAWrongMethodAnswerAJSONError() async throws {
        try await GatewayHarness.with { harness in
            let unknown = try await harness.post("/v1/nothing-here", json: ["a": 1])
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?["code"] == "not_found")
            let wrongMethod = try await harness.get("/v1/chat/completions")
            #expect([404, 405].contains(wrongMethod.status))
            #expect(wrongMethod.json?["error"]?["message"]?.stringValue != nil)
        }
    }
}
