import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import Providers
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An OpenAI-compatible provider on a real loopback port that speaks the real wire format —
/// JSON and Server-Sent Events, usage shaped as OpenAI or DeepSeek shape it — and misbehaves on
/// request, so the gateway can be tested against everything real providers do.
///
/// ```swift
/// try await FakeProvider.withRunning(style: .deepseek) { fake in
///     fake.enqueue(.fail(status: 429))
///     // point a gateway at fake.baseURL
/// }
/// ```
public final class FakeProvider: Sendable {
    /// What the fake has seen, for tests to assert on.
    public struct Observations: Sendable {
        /// Every request body received, in order.
        public var requests: [JSONValue] = []
        /// The `authorization` header of each request (`x-api-key` on the Messages endpoint).
        public var authorizations: [String?] = []
        /// The `anthropic-version` header of each Messages request.
        public var anthropicVersions: [String?] = []
        /// The `traceparent` header (W3C trace context) of each Chat Completions request.
        public var traceparents: [String?] = []
        /// Streams whose client went away before the fake finished sending.
        public var cancelledStreams = 0
        /// Streams the fake sent to the end.
        public var completedStreams = 0
    }

    /// Beyond this many remembered prompt prefixes the fake's prefix cache starts over (as a
    /// provider's evicts), so a long-running fake (`tollgate demo`) does not grow with traffic.
    static let seenPromptsCapacity = 10_000

    struct State {
        var script: [FakeBehavior] = []
        var defaultBehavior: FakeBehavior = .normal
        /// Every leading run of messages of every prompt seen: the provider's prefix cache.
        var seenPrompts: Set<JSONValue> = []
        /// Whether request bodies and headers are kept in `observations` (tests read them; a
        /// long-running fake such as `tollgate demo`'s must not, or it grows with every request).
        var keepsObservations = true
        /// Calls made under `.flaky`, to fail every other one.
        var flakyCalls = 0
        /// Whether `/v1/messages/count_tokens` exists (DeepSeek's and Kimi's Anthropic endpoints have none).
        var countTokensAvailable = true
        var observations = Observations()
    }

    public let style: FakeUsageStyle
    /// When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401.
    public let apiKey: String?
    let state = Mutex(State())
    private let port = Mutex<Int?>(nil)
    private let logger: Logger

    /// - Parameter keepsObservations: whether every request's body and headers are kept for
    ///   `observations` (the stream counters are kept either way). Off for a fake that runs
    ///   indefinitely, such as `tollgate demo`'s: kept, they grow with every request.
    public init(style: FakeUsageStyle = .openai, apiKey: String? = nil, keepsObservations: Bool = true,
                logger: Logger = Logger(label: "fake-provider")) {
        self.style = style
        self.apiKey = apiKey
        self.logger = logger
        state.withLock { $0.keepsObservations = keepsObservations }
    }

    /// The API root to configure as a provider's `base_url`, once the fake is listening.
    public var baseURL: String {
        guard let port = port.withLock({ $0 }) else { preconditionFailure("the fake provider is not running") }
        return "http://127.0.0.1:\(port)/v1"
    }

    /// The fake's token count of a request's prompt (what its usage and `count_tokens` report).
    public static func promptTokens(of request: JSONValue) -> Int { FakeCompletion.promptTokens(of: request) }

    /// The next requests get these behaviours, one each, before the default applies again.
    public func enqueue(_ behaviors: FakeBehavior...) {
        state.withLock { $0.script.append(contentsOf: behaviors) }
    }

    /// What every request gets when nothing is enqueued.
    public func setDefault(_ behavior: FakeBehavior) {
        state.withLock { $0.defaultBehavior = behavior }
    }

    public var observations: Observations { state.withLock { $0.observations } }

    /// Takes `count_tokens` away (404, as providers without it answer) or gives it back.
    public func setCountTokensAvailable(_ available: Bool) {
        state.withLock { $0.countTokensAvailable = available }
    }

    /// Runs the fake on `127.0.0.1:port` (0 picks a free port) until the task is cancelled.
    /// `onListening` is called with the port once it accepts connections.
    public func run(port requestedPort: Int = 0, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in try await self.chatCompletions(request) }
        router.post("/v1/messages") { request, _ in try await self.messages(request) }
        router.post("/v1/messages/count_tokens") { request, _ in try await self.countTokens(request) }
        router.post("/v1/embeddings") { request, _ in try await self.embeddings(request) }
        router.post("/v1/responses") { request, _ in try await self.responses(request) }
        // Test control from outside the process (the compatibility suite drives `tollgate demo`):
        // {"enqueue": [{"fail": 429}, "omit_usage", ...]}.
        router.post("/v1/_fake/enqueue") { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let body = try? JSONValue(parsing: bytes.readableBytesView)
            let behaviors = (body?["enqueue"]?.arrayValue ?? []).compactMap(FakeBehavior.init(json:))
            guard !behaviors.isEmpty, behaviors.count == body?["enqueue"]?.arrayValue?.count else {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "unknown behaviour")))
            }
            self.state.withLock { $0.script.append(contentsOf: behaviors) }
            return Response(status: .noContent)
        }
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(data: (["object": "list", "data": []] as JSONValue).encoded())))
        }
        // The fake is stopped by cancellation, which the server logs as an error: keep it quiet.
        var quietLogger = logger
        quietLogger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: requestedPort), serverName: "fake-provider"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                self.port.withLock { $0 = bound }
                await onListening(bound)
            },
            logger: quietLogger
        )
        try await app.run()
    }

    /// Starts a fake, runs `body` with it listening, then stops it.
    public static func withRunning<R: Sendable>(
        style: FakeUsageStyle = .openai, apiKey: String? = nil,
        _ body: @Sendable (FakeProvider) async throws -> R
    ) async throws -> R {
        let fake = FakeProvider(style: style, apiKey: apiKey)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let (listening, continuation) = AsyncStream<Int>.makeStream()
            group.addTask { try await fake.run { continuation.yield($0); continuation.finish() } }
            for await _ in listening { break }
            defer { group.cancelAll() }
            return try await body(fake)
        }
    }

    func nextBehavior() -> FakeBehavior {
        state.withLock { state in
            let behavior = state.script.isEmpty ? state.defaultBehavior : state.script.removeFirst()
            guard case .flaky(let status) = behavior else { return behavior }
            state.flakyCalls += 1
            return state.flakyCalls % 2 == 1 ? .fail(status: status) : .normal
        }
    }

    private func chatCompletions(_ request: Request) async throws -> Response {
        let authorization = request.headers[.authorization]
        let bytes = try await request.body.collect(upTo: 64 << 20)
        guard let body = try? JSONValue(parsing: bytes.readableBytesView), body["model"]?.stringValue != nil else {
            return errorResponse(status: 400, message: "Invalid request body", type: "invalid_request_error")
        }
        let behavior = FakeBehavior(requestedBy: body) ?? nextBehavior()
        let messages = body["messages"]?.arrayValue ?? []
        let traceparent = HTTPField.Name("traceparent").flatMap { request.headers[$0] }
        let cachedRun = state.withLock { state -> Int in
            if state.keepsObservations {
                state.observations.requests.append(body)
                state.observations.traceparents.append(traceparent)
                state.observations.authorizations.append(authorization)
            }
            // The longest leading run of messages seen before is cached; every run of this one is now.
            var longest = 0
            for count in stride(from: messages.count, through: 1, by: -1) where state.seenPrompts.contains(.array(Array(messages[..<count]))) {
                longest = count
                break
            }
            if state.seenPrompts.count >= Self.seenPromptsCapacity { state.seenPrompts.removeAll() }
            for count in 1...max(1, messages.count) where count <= messages.count {
                state.seenPrompts.insert(.array(Array(messages[..<count])))
            }
            return longest
        }
        if let apiKey, authorization != "Bearer \(apiKey)" {
            return errorResponse(status: 401, message: "Incorrect API key provided.", type: "invalid_request_error",
                                 code: "invalid_api_key")
        }
        if case .delayFirstByte(let delay) = behavior { try await Task.sleep(for: delay) }
        if case .fail(let status) = behavior { return failure(status: status) }
        var prefix = body
        prefix["messages"] = .array(Array(messages[..<cachedRun]))
        let completion = FakeCompletion(request: body, style: style,
                                        cachedPrefix: cachedRun == 0 ? 0 : FakeCompletion.promptTokens(of: prefix))
        let includeUsage = behavior != .omitUsage
        if body["stream"]?.boolValue == true {
            let askedForUsage = body["stream_options"]?["include_usage"]?.boolValue == true
            return streamed(completion, behavior: behavior, includeUsage: includeUsage && askedForUsage)
        }
        if case .stall = behavior { try await Task.sleep(for: .seconds(3600)) }
        if behavior == .malformedJSON {
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"id\": \"\(completion.id)\", \"choices\": [")))
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: completion.response(includeUsage: includeUsage).encoded())))
    }

    /// OpenAI's embeddings: a deterministic unit vector of 8 dimensions per input, and usage
    /// counted as the fake counts prompts (about 4 characters a token, one token per number of a
    /// token array).
    private func embeddings(_ request: Request) async throws -> Response {
        let authorization = request.headers[.authorization]
        let bytes = try await request.body.collect(upTo: 64 << 20)
        guard let body = try? JSONValue(parsing: bytes.readableBytesView), let model = body["model"]?.stringValue else {
            return errorResponse(status: 400, message: "Invalid request body", type: "invalid_request_error")
        }
        let behavior = nextBehavior()
        state.withLock { state in
            guard state.keepsObservations else { return }
            state.observations.requests.append(body)
            state.observations.authorizations.append(authorization)
        }
        if let apiKey, authorization != "Bearer \(apiKey)" {
            return errorResponse(status: 401, message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key")
        }
        if case .fail(let status) = behavior { return failure(status: status) }
        let inputs: [JSONValue] = body["input"]?.stringValue != nil ? [body["input"]!]
            : (body["input"]?.arrayValue?.first?.intValue != nil ? [body["input"]!] : body["input"]?.arrayValue ?? [])
        var tokens = 0
        var data: [JSONValue] = []
        for (index, input) in inputs.enumerated() {
            let text = input.stringValue ?? input.jsonText
            tokens += input.stringValue.map { max(1, ($0.utf8.count + 3) / 4) } ?? (input.arrayValue?.count ?? 1)
            // A vector that depends only on the text: its bytes folded into 8 dimensions, normalized.
            var vector = [Double](repeating: 1, count: 8)
            for (offset, byte) in text.utf8.enumerated() { vector[offset % 8] += Double(byte) }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            data.append(["object": "embedding", "index": .int(Int64(index)), "embedding": .array(vector.map { .double($0 / norm) })])
        }
        var answer: JSONValue = ["object": "list", "data": .array(data), "model": .string(model)]
        if behavior != .omitUsage { answer["usage"] = ["prompt_tokens": .int(Int64(tokens)), "total_tokens": .int(Int64(tokens))] }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: answer.encoded())))
    }

    private func streamed(_ completion: FakeCompletion, behavior: FakeBehavior, includeUsage: Bool) -> Response {
        let usageField = includeUsage
        return observedStream { writer in
            func send(_ value: JSONValue) async throws {
                let event = ServerSentEvent(data: String(decoding: value.encoded(), as: UTF8.self))
                try await writer.write(event.encoded(), bytewise: behavior == .bytewise)
            }
            try await send(completion.chunk(delta: ["role": "assistant", "content": "", "refusal": nil], usageField: usageField))
            for (index, piece) in completion.pieces.enumerated() {
                try await behavior.beforeChunk(index, of: completion.pieces.count, writer: &writer,
                                               malformed: "data: {\"id\": \"\(completion.id)\", \"choices\": [{\n\n")
                try await send(completion.chunk(delta: ["content": .string(piece)], usageField: usageField))
            }
            if let call = completion.toolCall {
                try await send(completion.chunk(delta: ["tool_calls": [["index": 0, "id": .string(call.id), "type": "function",
                                                                        "function": ["name": .string(call.name), "arguments": ""]]]],
                                                usageField: usageField))
                try await send(completion.chunk(delta: ["tool_calls": [["index": 0, "function": ["arguments": .string(call.arguments)]]]],
                                                usageField: usageField))
            }
            if case .stall(let after) = behavior, after >= completion.pieces.count { try await Task.sleep(for: .seconds(3600)) }
            if case .cutStream(let after) = behavior, after >= completion.pieces.count { throw await FakeStreamCut.afterDelivery() }
            try await send(completion.chunk(delta: [:], finishReason: completion.finishReason, usageField: usageField))
            if includeUsage { try await send(completion.usageChunk()) }
            try await writer.write("data: [DONE]\n\n", bytewise: behavior == .bytewise)
        }
    }

    /// A streamed response whose end the fake observes: sent to the end, or cancelled by the
    /// client (a cut the fake makes itself counts as neither).
    func observedStream(_ write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        let body = ResponseBody { writer in
            do {
                try await write(&writer)
                try await writer.finish(nil)
                self.state.withLock { $0.observations.completedStreams += 1 }
            } catch is FakeStreamCut {
                throw FakeStreamCut()
            } catch {
                self.state.withLock { $0.observations.cancelledStreams += 1 }
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    private func failure(status: Int) -> Response {
        switch status {
        case 429:
            var response = errorResponse(status: 429, message: "Rate limit reached for requests. Please try again in 1s.",
                                         type: "requests", code: "rate_limit_exceeded")
            response.headers[.retryAfter] = "1"
            return response
        case 400:
            return errorResponse(status: 400, message: "Invalid request", type: "invalid_request_error")
        case 401:
            return errorResponse(status: 401, message: "Incorrect API key provided.", type: "invalid_request_error",
                                 code: "invalid_api_key")
        case 503:
            return errorResponse(status: 503, message: "The engine is currently overloaded, please try again later.",
                                 type: "server_error")
        default:
            return errorResponse(status: status, message: "The server had an error while processing your request.",
                                 type: "server_error")
        }
    }

    private func errorResponse(status: Int, message: String, type: String, code: String? = nil) -> Response {
        let body: JSONValue = ["error": ["message": .string(message), "type": .string(type), "param": nil,
                                         "code": code.map { .string($0) } ?? nil]]
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: body.encoded())))
    }
}

extension FakeBehavior {
    /// What the behaviour does before a stream's chunk `index` of `count`: go silent, drop the
    /// connection, send `malformed` (halfway), or pause as a model between tokens.
    func beforeChunk(_ index: Int, of count: Int, writer: inout any ResponseBodyWriter, malformed: String) async throws {
        switch self {
        case .stall(let after) where index == after: try await Task.sleep(for: .seconds(3600))
        case .cutStream(let after) where index == after: throw await FakeStreamCut.afterDelivery()
        case .malformedJSON where index == count / 2: try await writer.write(ByteBuffer(string: malformed))
        case .paced(let interval): try await Task.sleep(for: interval)
        default: break
        }
    }
}

/// Thrown inside a stream to drop the connection as a provider that dies mid-answer does.
struct FakeStreamCut: Error {
    /// A cut made a moment after the last write, as a provider dies between tokens: what it sent
    /// has reached the gateway, rather than racing the connection's close.
    static func afterDelivery() async -> FakeStreamCut {
        try? await Task.sleep(for: .milliseconds(100))
        return FakeStreamCut()
    }
}

extension ResponseBodyWriter {
    /// Writes `text` whole, or one byte per write (each a chunk of its own on the wire).
    mutating func write(_ text: String, bytewise: Bool) async throws {
        guard bytewise else { return try await write(ByteBuffer(string: text)) }
        for byte in text.utf8 {
            try await write(ByteBuffer(bytes: [byte]))
            await Task.yield()
        }
    }
}
