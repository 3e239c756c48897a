import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Providers
import TollgateCore

/// The fake's Anthropic Messages endpoint: the same answers and misbehaviours as its OpenAI one,
/// in Anthropic's wire format — content blocks, `x-api-key`, the event stream with
/// message_start … message_stop and pings, usage with cache reads and writes.
extension FakeProvider {
    func messages(_ request: Request) async throws -> Response {
        let apiKeyHeader = request.headers[HTTPField.Name("x-api-key")!]
        let bytes = try await request.body.collect(upTo: 64 << 20)
        guard let body = try? JSONValue(parsing: bytes.readableBytesView), body["model"]?.stringValue != nil,
              body["max_tokens"]?.intValue != nil
        else { return anthropicError(400, "invalid_request_error", "max_tokens: Field required") }
        let behavior = FakeBehavior(requestedBy: body) ?? nextBehavior()
        let seenBefore = state.withLock { state -> Bool in
            if state.keepsObservations {
                state.observations.requests.append(body)
                state.observations.authorizations.append(apiKeyHeader)
                state.observations.anthropicVersions.append(request.headers[HTTPField.Name("anthropic-version")!])
            }
            if state.seenPrompts.count >= Self.seenPromptsCapacity { state.seenPrompts.removeAll() }
            return !state.seenPrompts.insert(body["messages"] ?? nil).inserted
        }
        if let apiKey, apiKeyHeader != apiKey { return anthropicError(401, "authentication_error", "invalid x-api-key") }
        if case .delayFirstByte(let delay) = behavior { try await Task.sleep(for: delay) }
        if case .fail(let status) = behavior {
            switch status {
            case 429:
                var response = anthropicError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
                response.headers[.retryAfter] = "1"
                return response
            case 529, 503: return anthropicError(status, "overloaded_error", "Overloaded")
            case 400: return anthropicError(400, "invalid_request_error", "Invalid request")
            case 401: return anthropicError(401, "authentication_error", "invalid x-api-key")
            default: return anthropicError(status, "api_error", "Internal server error")
            }
        }
        let answer = FakeAnthropicAnswer(request: body, seenBefore: seenBefore, includeUsage: behavior != .omitUsage)
        if body["stream"]?.boolValue == true { return anthropicStream(answer, behavior: behavior) }
        if case .stall = behavior { try await Task.sleep(for: .seconds(3600)) }
        if behavior == .malformedJSON {
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"id\": \"msg_x\", \"content\": [")))
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.message(complete: true).encodedBytes())))
    }

    /// Anthropic's `count_tokens`: the prompt's tokens as the fake counts them.
    func countTokens(_ request: Request) async throws -> Response {
        let bytes = try await request.body.collect(upTo: 64 << 20)
        if !state.withLock({ $0.countTokensAvailable }) { return anthropicError(404, "not_found_error", "Not Found") }
        guard let body = try? JSONValue(parsing: bytes.readableBytesView), body["model"]?.stringValue != nil else {
            return anthropicError(400, "invalid_request_error", "model: Field required")
        }
        state.withLock { state in if state.keepsObservations { state.observations.requests.append(body) } }
        if let apiKey, request.headers[HTTPField.Name("x-api-key")!] != apiKey {
            return anthropicError(401, "authentication_error", "invalid x-api-key")
        }
        let reply: JSONValue = ["input_tokens": .int(Int64(FakeCompletion.promptTokens(of: body)))]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: reply.encodedBytes())))
    }

    private func anthropicStream(_ answer: FakeAnthropicAnswer, behavior: FakeBehavior) -> Response {
        observedStream { writer in
            func send(_ name: String, _ value: JSONValue) async throws {
                try await writer.write(ServerSentEvent(event: name, data: value.jsonText).encoded(), bytewise: behavior == .bytewise)
            }
            var start = answer.message(complete: false)
            if !answer.includeUsage { start = start.removingKey("usage") }
            try await send("message_start", ["type": "message_start", "message": start])
            if let call = answer.completion.toolCall {
                try await send("content_block_start", ["type": "content_block_start", "index": 0,
                                                       "content_block": ["type": "tool_use", "id": .string(call.id),
                                                                         "name": .string(call.name), "input": [:]]])
                try await send("content_block_delta", ["type": "content_block_delta", "index": 0,
                                                       "delta": ["type": "input_json_delta", "partial_json": .string(call.arguments)]])
            } else {
                try await send("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]])
            }
            try await send("ping", ["type": "ping"])
            for (index, piece) in answer.completion.pieces.enumerated() {
                try await behavior.beforeChunk(index, of: answer.completion.pieces.count, writer: &writer,
                                               malformed: "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \n\n")
                try await send("content_block_delta", ["type": "content_block_delta", "index": 0,
                                                       "delta": ["type": "text_delta", "text": .string(piece)]])
            }
            if case .cutStream = behavior { throw await FakeStreamCut.afterDelivery() }
            try await send("content_block_stop", ["type": "content_block_stop", "index": 0])
            var delta: JSONValue = ["type": "message_delta",
                                    "delta": ["stop_reason": .string(answer.stopReason), "stop_sequence": nil]]
            if answer.includeUsage { delta["usage"] = ["output_tokens": .int(Int64(answer.completion.completionTokens))] }
            try await send("message_delta", delta)
            try await send("message_stop", ["type": "message_stop"])
        }
    }

    func anthropicError(_ status: Int, _ type: String, _ message: String) -> Response {
        let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body.encodedBytes())))
    }
}

/// An Anthropic answer made from the fake's completion: its text or tool call, and usage with
/// prompt caching as Anthropic reports it (cache writes when `cache_control` marks a prompt of
/// 1,024 tokens or more, cache reads when the same prompt comes again).
struct FakeAnthropicAnswer {
    let completion: FakeCompletion
    let includeUsage: Bool
    let input: Int
    let cacheRead: Int
    let cacheWrite: Int
    let stopReason: String

    init(request: JSONValue, seenBefore: Bool, includeUsage: Bool) {
        completion = FakeCompletion(request: request, style: .openai, cachedPrefix: 0)
        self.includeUsage = includeUsage
        let prompt = completion.promptTokens
        let marked = request.jsonText.contains("\"cache_control\"")
        let cacheable = marked && prompt >= 1024 ? prompt - 10 : 0
        cacheRead = seenBefore ? cacheable : 0
        cacheWrite = seenBefore ? 0 : cacheable
        input = prompt - cacheable
        stopReason = switch completion.finishReason {
        case "tool_calls": "tool_use"
        case "length": "max_tokens"
        default: "end_turn"
        }
    }

    func message(complete: Bool) -> JSONValue {
        var content: [JSONValue] = []
        if complete {
            if let call = completion.toolCall {
                content = [["type": "tool_use", "id": .string(call.id), "name": .string(call.name),
                            "input": (try? JSONValue(parsing: Array(call.arguments.utf8))) ?? [:]]]
            } else {
                content = [["type": "text", "text": .string(completion.text)]]
            }
        }
        var message: JSONValue = [
            "id": .string("msg_" + completion.id.dropFirst("chatcmpl-".count)), "type": "message", "role": "assistant",
            "model": .string(completion.model), "content": .array(content),
            "stop_reason": complete ? .string(stopReason) : nil, "stop_sequence": nil,
        ]
        if includeUsage {
            message["usage"] = ["input_tokens": .int(Int64(input)), "cache_creation_input_tokens": .int(Int64(cacheWrite)),
                                "cache_read_input_tokens": .int(Int64(cacheRead)),
                                "output_tokens": .int(Int64(complete ? completion.completionTokens : 1))]
        }
        return message
    }
}

extension JSONValue {
    func removingKey(_ key: String) -> JSONValue {
        guard case .object(var object) = self else { return self }
        object.removeValue(forKey: key)
        return .object(object)
    }
}
