import Hummingbird
import NIOCore
import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fake's Responses API (`POST /v1/responses`), as OpenAI serves it: the same made-up answer
/// as its Chat Completions, as a response object or the Responses event sequence, with usage.
extension FakeProvider {
    func responses(_ request: Request) async throws -> Response {
        let authorization = request.headers[.authorization]
        let bytes = try await request.body.collect(upTo: 64 << 20)
        guard let body = try? JSONValue(parsing: bytes.readableBytesView), body["model"]?.stringValue != nil,
              let chat = try? ResponsesFormat.request(from: body, strict: true) else {
            return openAIError(400, "Invalid request body", type: "invalid_request_error")
        }
        let behavior = FakeBehavior(requestedBy: body) ?? nextBehavior()
        state.withLock { state in
            guard state.keepsObservations else { return }
            state.observations.requests.append(body)
            state.observations.authorizations.append(authorization)
        }
        if let apiKey, authorization != "Bearer \(apiKey)" {
            return openAIError(401, "Incorrect API key provided.", type: "invalid_request_error")
        }
        if case .fail(let status) = behavior { return openAIError(status, "The fake failed as asked.", type: "server_error") }
        // The answer the fake's Chat Completions would give the same conversation.
        let chatBody = OpenAIChatFormat.body(for: chat, model: chat.model, includeUsage: false)
        let completion = FakeCompletion(request: chatBody, style: .openai, cachedPrefix: 0)
        let answer = OpenAIChatFormat.response(from: completion.response(includeUsage: false))
        let usage = TokenUsage(input: completion.promptTokens, output: completion.completionTokens)
        let context = AnswerContext(created: completion.created, request: body,
                                    requestID: "req_" + String(UInt64.random(in: 1...UInt64.max), radix: 36))
        guard body["stream"]?.boolValue == true else {
            var response = ResponsesFormat.body(for: answer, usage: behavior == .omitUsage ? nil : usage, context: context)
            if behavior == .omitUsage { response["usage"] = nil as JSONValue }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: response.encoded())))
        }
        var events: [ChatStreamEvent] = [.start(id: "", model: answer.model)]
        for part in answer.content {
            switch part {
            case .text:
                events += completion.pieces.map(ChatStreamEvent.text)
            case .toolCall(let call):
                events.append(.toolCallStart(index: 0, id: call.id, name: call.name))
                // The arguments in small pieces, as a model writes them.
                var rest = Substring(call.arguments)
                while !rest.isEmpty {
                    events.append(.toolCallArguments(index: 0, fragment: String(rest.prefix(4))))
                    rest = rest.dropFirst(4)
                }
            default: break
            }
        }
        events += [.finish(answer.finishReason ?? .stop), .end]
        var encoder = ResponsesStreamEncoder(context: context)
        let sent = events.flatMap { encoder.encode($0, usage: usage) }
        return observedStream { writer in
            for event in sent { try await writer.write(ByteBuffer(string: event.encoded())) }
        }
    }

    func openAIError(_ status: Int, _ message: String, type: String) -> Response {
        let body: JSONValue = ["error": ["message": .string(message), "type": .string(type), "param": nil, "code": nil]]
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: body.encoded())))
    }
}
