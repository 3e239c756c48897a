import Pricing
import TollgateCore

/// OpenAI embeddings (`POST /v1/embeddings`), as OpenAI, Qwen, vLLM and Ollama speak it: relayed to
/// providers of the same kind as sent, billed on the input tokens the provider reports. There is
/// no chat form of an embeddings request: a provider of another kind cannot take one.
struct OpenAIEmbeddingsWire: WireFormat {
    var kind: Provider.Kind { .openai }
    var path: String { "/embeddings" }
    var countTokensPath: String? { nil }
    var reasoningParameter: String { "reasoning_effort" }

    func validate(_ body: JSONValue) throws(RequestError) -> String {
        try RequestValidation(body: body).embeddings()
        return body["model"]?.stringValue ?? ""
    }

    func chatRequest(from body: JSONValue, strict: Bool) throws(TranslationError) -> ChatRequest {
        throw TranslationError(parameter: "model", detail: "is not served by an OpenAI-style provider, the only kind with embeddings")
    }

    func untranslatable(_ body: JSONValue) -> [String] { [] }

    func embeddingInputs(of body: JSONValue) -> [EmbeddingInput]? {
        if let text = body["input"]?.stringValue { return [.text(text)] }
        let items = body["input"]?.arrayValue ?? []
        if items.first?.intValue != nil { return [.tokens(items.count)] }
        return items.map { item in item.stringValue.map(EmbeddingInput.text) ?? .tokens(item.arrayValue?.count ?? 0) }
    }

    func providerBody(for request: ChatRequest, model: String) throws(TranslationError) -> JSONValue {
        throw TranslationError(parameter: "model", detail: "is an embeddings model; chat requests cannot be sent to it")
    }

    func forwarded(_ body: JSONValue, model: String) -> JSONValue {
        var body = body
        body["model"] = .string(model)
        return body
    }

    func upstreamHeaders(_ clientHeader: (String) -> String?) -> [(String, String)] { [] }

    /// Embeddings generate nothing: only the input is reserved and billed.
    func maxOutputTokens(of body: JSONValue) -> Int? { 0 }

    func choices(of body: JSONValue) -> Int { 1 }

    func wantsStreamUsage(_ body: JSONValue) -> Bool { false }

    func neededCapabilities(_ body: JSONValue) -> Set<Capability> { [.embeddings] }

    /// No text comes back, only vectors: the chat form of the answer is its usage.
    func response(from answer: JSONValue) -> ChatResponse {
        ChatResponse(id: "", model: answer["model"]?.stringValue ?? "", content: [], finishReason: .stop, usage: usage(of: answer))
    }

    /// Never translated: the provider's answer is the client's.
    func clientBody(for response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue {
        ["object": "list", "data": [], "model": .string(response.model),
         "usage": usage.map { ["prompt_tokens": .int(Int64($0.totalInput)), "total_tokens": .int(Int64($0.totalInput))] } ?? .null]
    }

    func usage(of answer: JSONValue) -> UsageReport? {
        guard let usage = answer["usage"], case .object = usage else { return nil }
        // Embeddings usage has no completion side; the OpenAI family's reader wants one.
        var object = usage
        if object["completion_tokens"] == nil { object["completion_tokens"] = 0 }
        return UsageReport(shape: .openai, object: object)
    }

    func modelObject(_ model: ListedModel) -> JSONValue { WireFormats.openAIChat.modelObject(model) }

    func modelList(_ models: [ListedModel], query: (String) -> String?) -> JSONValue { WireFormats.openAIChat.modelList(models, query: query) }

    func errorBody(_ error: WireError) -> JSONValue { WireFormats.openAIChat.errorBody(error) }

    func makeStreamDecoder() -> any StreamDecoding { WireFormats.openAIChat.makeStreamDecoder() }

    func makeStreamEncoder(includeUsage: Bool, context: AnswerContext) -> any StreamEncoding {
        WireFormats.openAIChat.makeStreamEncoder(includeUsage: includeUsage, context: context)
    }

    func relayed(_ event: ServerSentEvent, value: JSONValue?, clientWantsUsage: Bool,
                 usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent] { [event] }

    func streamError(_ body: JSONValue) -> ServerSentEvent { WireFormats.openAIChat.streamError(body) }
}
