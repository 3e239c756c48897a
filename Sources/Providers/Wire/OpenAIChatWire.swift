import Pricing
import TollgateCore

/// OpenAI Chat Completions (`POST /v1/chat/completions`), as OpenAI, DeepSeek, Qwen, Kimi, GLM,
/// vLLM and Ollama speak it.
struct OpenAIChatWire: WireFormat {
    var kind: Provider.Kind { .openai }
    var path: String { "/chat/completions" }
    var countTokensPath: String? { nil }

    func validate(_ body: JSONValue) throws(RequestError) -> String {
        let (model, messages) = try RequestValidation.common(body)
        try RequestValidation(body: body).openAI(messages)
        return model
    }

    func chatRequest(from body: JSONValue, strict: Bool) throws(TranslationError) -> ChatRequest {
        try OpenAIChatFormat.request(from: body, strict: strict)
    }

    func untranslatable(_ body: JSONValue) -> [String] { OpenAIChatFormat.untranslatable(body) }

    var reasoningParameter: String { "reasoning_effort" }

    func providerBody(for request: ChatRequest, model: String) throws(TranslationError) -> JSONValue {
        withStreamUsage(OpenAIChatFormat.body(for: request, model: model, includeUsage: true))
    }

    func forwarded(_ body: JSONValue, model: String) -> JSONValue {
        var body = body
        body["model"] = .string(model)
        return withStreamUsage(body)
    }

    /// Usage is what a request is billed by: a stream asks for it whether or not the client did.
    private func withStreamUsage(_ body: JSONValue) -> JSONValue {
        guard body["stream"]?.boolValue == true else { return body }
        var body = body
        var options = body["stream_options"]?.objectValue ?? [:]
        options["include_usage"] = true
        body["stream_options"] = .object(options)
        return body
    }

    func upstreamHeaders(_ clientHeader: (String) -> String?) -> [(String, String)] { [] }

    func maxOutputTokens(of body: JSONValue) -> Int? {
        body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue
    }

    func choices(of body: JSONValue) -> Int { max(1, body["n"]?.intValue ?? 1) }

    func wantsStreamUsage(_ body: JSONValue) -> Bool { body["stream_options"]?["include_usage"]?.boolValue == true }

    func neededCapabilities(_ body: JSONValue) -> Set<Capability> {
        var needed: Set<Capability> = []
        if let type = body["response_format"]?["type"]?.stringValue, type == "json_object" || type == "json_schema" { needed.insert(.json) }
        if body["reasoning_effort"]?.stringValue != nil { needed.insert(.reasoning) }
        return needed
    }

    func response(from answer: JSONValue) -> ChatResponse { OpenAIChatFormat.response(from: answer) }

    func clientBody(for response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue {
        OpenAIChatFormat.body(for: response, usage: usage, created: context.created)
    }

    func usage(of answer: JSONValue) -> UsageReport? { UsageReport.find(in: answer, shape: .openai) }

    func modelObject(_ model: ListedModel) -> JSONValue {
        ["id": .string(model.id), "object": "model", "created": 0, "owned_by": .string(model.ownedBy)]
    }

    func modelList(_ models: [ListedModel], query: (String) -> String?) -> JSONValue {
        ["object": "list", "data": .array(models.map(modelObject))]
    }

    func errorBody(_ error: WireError) -> JSONValue {
        ["error": ["message": .string(error.message), "type": .string(error.type),
                   "param": error.param.map { .string($0) } ?? nil, "code": error.code.map { .string($0) } ?? nil]]
    }

    func makeStreamDecoder() -> any StreamDecoding { Decoder() }

    func makeStreamEncoder(includeUsage: Bool, context: AnswerContext) -> any StreamEncoding {
        Encoder(inner: OpenAIStreamEncoder(includeUsage: includeUsage, created: context.created))
    }

    func relayed(_ event: ServerSentEvent, value: JSONValue?, clientWantsUsage: Bool,
                 usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] {
        guard var value, value["usage"] != nil else { return [event] }
        if clientWantsUsage {
            if value["usage"] != .null, let usageFields = usageFields() {
                for (key, field) in usageFields { value["usage"]?[key] = field }
            }
        } else {
            // The usage-only chunk exists because Tollgate asked for it: leave it out.
            if value["choices"]?.arrayValue?.isEmpty ?? true { return [] }
            if case .object(var object) = value {
                object.removeValue(forKey: "usage")
                value = .object(object)
            }
        }
        return [ServerSentEvent(event: event.event, data: value.jsonText)]
    }

    func streamError(_ body: JSONValue) -> ServerSentEvent { ServerSentEvent(data: body.jsonText) }

    struct Decoder: StreamDecoding {
        var inner = OpenAIStreamDecoder()

        mutating func decode(_ value: JSONValue, provider: String) throws -> [ChatStreamEvent] {
            // OpenAI-compatible providers report a failure mid-stream as an `error` object.
            if let error = value["error"], !error.isNull { throw UpstreamError(.status(502), provider: provider, detail: error.jsonText) }
            return inner.decode(value)
        }
    }

    struct Encoder: StreamEncoding {
        var inner: OpenAIStreamEncoder

        mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?, usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] {
            inner.encode(event, usage: usage, extraUsage: { _ in usageFields() ?? [:] }).map { ServerSentEvent(data: $0) }
        }
    }
}
