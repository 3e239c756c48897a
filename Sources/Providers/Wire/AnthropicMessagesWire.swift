import Pricing
import TollgateCore

/// Anthropic Messages (`POST /v1/messages`).
struct AnthropicMessagesWire: WireFormat {
    var kind: Provider.Kind { .anthropic }
    var path: String { "/messages" }
    var countTokensPath: String? { "/messages/count_tokens" }

    func validate(_ body: JSONValue) throws(RequestError) -> String {
        let (model, messages) = try RequestValidation.common(body)
        try RequestValidation(body: body).anthropic(messages)
        return model
    }

    func chatRequest(from body: JSONValue, strict: Bool) throws(TranslationError) -> ChatRequest {
        try AnthropicMessagesFormat.request(from: body, strict: strict)
    }

    func untranslatable(_ body: JSONValue) -> [String] { AnthropicMessagesFormat.untranslatable(body) }

    var reasoningParameter: String { "thinking" }

    func providerBody(for request: ChatRequest, model: String) throws(TranslationError) -> JSONValue {
        try AnthropicMessagesFormat.body(for: request, model: model)
    }

    func forwarded(_ body: JSONValue, model: String) -> JSONValue {
        var body = body
        body["model"] = .string(model)
        return body
    }

    func upstreamHeaders(_ clientHeader: (String) -> String?) -> [(String, String)] {
        var headers = [("anthropic-version", clientHeader("anthropic-version") ?? "2023-06-01")]
        if let beta = clientHeader("anthropic-beta") { headers.append(("anthropic-beta", beta)) }
        return headers
    }

    func maxOutputTokens(of body: JSONValue) -> Int? { body["max_tokens"]?.intValue }

    func choices(of body: JSONValue) -> Int { 1 }

    /// Anthropic streams always carry usage.
    func wantsStreamUsage(_ body: JSONValue) -> Bool { true }

    func neededCapabilities(_ body: JSONValue) -> Set<Capability> {
        body["thinking"]?["type"]?.stringValue == "enabled" ? [.reasoning] : []
    }

    func response(from answer: JSONValue) -> ChatResponse { AnthropicMessagesFormat.response(from: answer) }

    func clientBody(for response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue {
        AnthropicMessagesFormat.body(for: response, usage: usage)
    }

    func usage(of answer: JSONValue) -> UsageReport? { UsageReport.find(in: answer, shape: .anthropic) }

    func modelObject(_ model: ListedModel) -> JSONValue {
        // Tollgate knows no release dates; the epoch says so rather than inventing one.
        ["type": "model", "id": .string(model.id), "display_name": .string(model.id), "created_at": "1970-01-01T00:00:00Z"]
    }

    /// Anthropic's page: `limit` (1–1000, default 20) entries after `after_id` or before
    /// `before_id`, with `has_more`, `first_id` and `last_id`.
    func modelList(_ models: [ListedModel], query: (String) -> String?) -> JSONValue {
        let limit = query("limit").flatMap(Int.init).map { min(max($0, 1), 1000) } ?? 20
        var page = models[...]
        var hasMore = false
        if let before = query("before_id"), let index = models.firstIndex(where: { $0.id == before }) {
            page = models[..<index]
            hasMore = page.count > limit
            page = page.suffix(limit)
        } else {
            if let after = query("after_id"), let index = models.firstIndex(where: { $0.id == after }) {
                page = models[(index + 1)...]
            }
            hasMore = page.count > limit
            page = page.prefix(limit)
        }
        return ["data": .array(page.map(modelObject)), "has_more": .bool(hasMore),
                "first_id": page.first.map { .string($0.id) } ?? .null, "last_id": page.last.map { .string($0.id) } ?? .null]
    }

    func errorBody(_ error: WireError) -> JSONValue {
        ["type": "error", "error": ["type": .string(Self.errorType(error.status)), "message": .string(error.message)]]
    }

    /// Anthropic's error `type` for a status.
    static func errorType(_ status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        default: "api_error"
        }
    }

    func makeStreamDecoder() -> any StreamDecoding { Decoder() }

    func makeStreamEncoder(includeUsage: Bool, context: AnswerContext) -> any StreamEncoding { Encoder() }

    func relayed(_ event: ServerSentEvent, value: JSONValue?, clientWantsUsage: Bool,
                 usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] {
        guard var value, value["type"] == "message_delta", let usageFields = usageFields() else { return [event] }
        for (key, field) in usageFields { value["usage"]?[key] = field }
        return [ServerSentEvent(event: event.event, data: value.jsonText)]
    }

    func streamError(_ body: JSONValue) -> ServerSentEvent { ServerSentEvent(event: "error", data: body.jsonText) }

    struct Decoder: StreamDecoding {
        var inner = AnthropicStreamDecoder()

        mutating func decode(_ value: JSONValue, provider: String) throws -> [ChatStreamEvent] {
            try inner.decode(value, provider: provider)
        }
    }

    struct Encoder: StreamEncoding {
        var inner = AnthropicStreamEncoder()

        mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?, usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] {
            var out = inner.encode(event, usage: usage)
            // The cost goes into the usage of `message_delta`, the event that carries the totals.
            if usage != nil, let index = out.firstIndex(where: { $0.event == "message_delta" }), let usageFields = usageFields(),
               var delta = try? JSONValue(parsing: out[index].data.utf8) {
                for (key, field) in usageFields { delta["usage"]?[key] = field }
                out[index].data = delta.jsonText
            }
            return out
        }
    }
}
