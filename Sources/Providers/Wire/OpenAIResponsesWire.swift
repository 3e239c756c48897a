import Pricing
import TollgateCore

/// OpenAI's Responses API (`POST /v1/responses`), as Codex CLI and the OpenAI Agents SDK speak it.
/// Served by translation to the other formats' providers; the provider side (a provider that
/// speaks Responses itself) reads and writes the same shapes.
struct OpenAIResponsesWire: WireFormat {
    var kind: Provider.Kind { .openaiResponses }
    var path: String { "/responses" }
    var countTokensPath: String? { nil }
    var reasoningParameter: String { "reasoning" }

    func validate(_ body: JSONValue) throws(RequestError) -> String {
        try RequestValidation(body: body).responses()
        return body["model"]?.stringValue ?? ""
    }

    func chatRequest(from body: JSONValue, strict: Bool) throws(TranslationError) -> ChatRequest {
        try ResponsesFormat.request(from: body, strict: strict)
    }

    func untranslatable(_ body: JSONValue) -> [String] { ResponsesFormat.untranslatable(body) }

    func providerBody(for request: ChatRequest, model: String) throws(TranslationError) -> JSONValue {
        ResponsesFormat.body(for: request, model: model)
    }

    /// As sent, but for the model and `previous_response_id`: Tollgate keeps the conversation, and
    /// the request already carries it whole.
    func forwarded(_ body: JSONValue, model: String) -> JSONValue {
        var body = body
        body["model"] = .string(model)
        if case .object(var object) = body {
            object.removeValue(forKey: "previous_response_id")
            body = .object(object)
        }
        return body
    }

    func finalAnswer(inRelayed value: JSONValue) -> JSONValue? {
        value["type"] == "response.completed" || value["type"] == "response.incomplete" ? value["response"] : nil
    }

    func upstreamHeaders(_ clientHeader: (String) -> String?) -> [(String, String)] { [] }

    func maxOutputTokens(of body: JSONValue) -> Int? { body["max_output_tokens"]?.intValue }

    func choices(of body: JSONValue) -> Int { 1 }

    /// A Responses stream always ends with the response and its usage.
    func wantsStreamUsage(_ body: JSONValue) -> Bool { true }

    func neededCapabilities(_ body: JSONValue) -> Set<Capability> {
        var needed: Set<Capability> = []
        if let type = body["text"]?["format"]?["type"]?.stringValue, type == "json_object" || type == "json_schema" { needed.insert(.json) }
        if let effort = body["reasoning"]?["effort"]?.stringValue, effort != "none" { needed.insert(.reasoning) }
        return needed
    }

    func response(from answer: JSONValue) -> ChatResponse { ResponsesFormat.response(from: answer) }

    func clientBody(for response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue {
        ResponsesFormat.body(for: response, usage: usage, context: context)
    }

    func usage(of answer: JSONValue) -> UsageReport? { ResponsesFormat.usage(of: answer) }

    func modelObject(_ model: ListedModel) -> JSONValue { WireFormats.openAIChat.modelObject(model) }

    func modelList(_ models: [ListedModel], query: (String) -> String?) -> JSONValue {
        WireFormats.openAIChat.modelList(models, query: query)
    }

    func errorBody(_ error: WireError) -> JSONValue { WireFormats.openAIChat.errorBody(error) }

    func makeStreamDecoder() -> any StreamDecoding { Decoder() }

    func makeStreamEncoder(includeUsage: Bool, context: AnswerContext) -> any StreamEncoding {
        Encoder(inner: ResponsesStreamEncoder(context: context))
    }

    /// The cost goes into the usage of the final response.
    func relayed(_ event: ServerSentEvent, value: JSONValue?, clientWantsUsage: Bool,
                 usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] {
        guard var value, value["type"] == "response.completed" || value["type"] == "response.incomplete",
              value["response"]?["usage"] != nil, let usageFields = usageFields() else { return [event] }
        for (key, field) in usageFields { value["response"]?["usage"]?[key] = field }
        return [ServerSentEvent(event: event.event, data: value.jsonText)]
    }

    /// Responses streams report a failure as an `error` event.
    func streamError(_ body: JSONValue) -> ServerSentEvent {
        let error = body["error"] ?? [:]
        let value: JSONValue = ["type": "error", "code": error["code"] ?? error["type"] ?? nil, "message": error["message"] ?? "",
                                "param": error["param"] ?? nil]
        return ServerSentEvent(event: "error", data: value.jsonText)
    }

    func previousResponseID(of body: JSONValue) -> String? { body["previous_response_id"]?.stringValue }

    func continuing(_ body: JSONValue, history: [JSONValue]) -> JSONValue {
        var body = body
        body["input"] = .array(history + inputItems(of: body))
        return body
    }

    /// Kept unless `store: false`, as OpenAI does.
    func keepsAnswer(_ body: JSONValue) -> Bool { body["store"]?.boolValue ?? true }

    func inputItems(of body: JSONValue) -> [JSONValue] {
        if let text = body["input"]?.stringValue { return [["type": "message", "role": "user", "content": .string(text)]] }
        return body["input"]?.arrayValue ?? []
    }

    struct Decoder: StreamDecoding {
        var inner = ResponsesStreamDecoder()

        mutating func decode(_ value: JSONValue, provider: String) throws -> [ChatStreamEvent] {
            try inner.decode(value, provider: provider)
        }
    }

    struct Encoder: StreamEncoding {
        var inner: ResponsesStreamEncoder

        mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?, usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] {
            inner.encode(event, usage: usage, usageFields: usageFields)
        }

        var finalAnswer: JSONValue? { inner.finalResponse }
    }
}
