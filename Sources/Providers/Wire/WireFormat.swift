import Pricing
import TollgateCore

/// One wire format — OpenAI Chat Completions, Anthropic Messages — and everything that depends on
/// it: checking and parsing a client's request into Tollgate's chat form and writing one back,
/// forwarding a request as sent, reading answers, stream events, usage and writing errors.
///
/// The gateway holds formats as values (`WireFormats`) and never switches on one: a client speaks
/// one, a provider another, and translation is the client format's parse followed by the
/// provider format's write. A new format is a new conformance and one registration.
public protocol WireFormat: Sendable {
    /// The provider kind that speaks it natively: a client and a provider of one kind need no
    /// translation.
    var kind: Provider.Kind { get }
    /// The endpoint below a provider's API root that takes it.
    var path: String { get }
    /// The endpoint that counts a request's input tokens, when providers of this kind offer one.
    var countTokensPath: String? { get }

    /// Checks every field the format defines, before anything is reserved or sent.
    /// - Returns: the model the request names.
    func validate(_ body: JSONValue) throws(RequestError) -> String
    /// The request in Tollgate's chat form; `strict` refuses what cannot be translated.
    func chatRequest(from body: JSONValue, strict: Bool) throws(TranslationError) -> ChatRequest
    /// The parameters of a request the chat form cannot carry to another format (refused by a
    /// strict parse, or dropped where a model or route says `unsupported_parameters: drop`).
    func untranslatable(_ body: JSONValue) -> [String]
    /// The request field that asks for reasoning (`reasoning_effort`, `thinking`).
    var reasoningParameter: String { get }
    /// A chat request written for a provider of this format (usage asked for in streams).
    func providerBody(for request: ChatRequest, model: String) throws(TranslationError) -> JSONValue
    /// A client's request of this format forwarded as sent: only the model changed, and usage
    /// asked for in streams.
    func forwarded(_ body: JSONValue, model: String) -> JSONValue
    /// Headers a provider of this format takes from the client (`anthropic-version`, …).
    func upstreamHeaders(_ clientHeader: (String) -> String?) -> [(String, String)]
    /// The output the request allows, when it says.
    func maxOutputTokens(of body: JSONValue) -> Int?
    /// How many answers it asks for (OpenAI's `n`).
    func choices(of body: JSONValue) -> Int
    /// Whether a streamed request asked for the final usage.
    func wantsStreamUsage(_ body: JSONValue) -> Bool
    /// What the request needs of its model beyond what its chat form shows (a JSON response
    /// format, reasoning).
    func neededCapabilities(_ body: JSONValue) -> Set<Capability>

    /// A provider's complete answer in Tollgate's chat form.
    func response(from answer: JSONValue) -> ChatResponse
    /// A chat answer written for a client of this format.
    func clientBody(for response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue
    /// The usage report in a provider's complete answer.
    func usage(of answer: JSONValue) -> UsageReport?
    /// An error body in this format.
    func errorBody(_ error: WireError) -> JSONValue
    /// One entry of `GET /v1/models` in this format.
    func modelObject(_ model: ListedModel) -> JSONValue
    /// The `GET /v1/models` list in this format; `query` reads the request's query parameters
    /// (Anthropic's `limit`, `after_id`, `before_id`).
    func modelList(_ models: [ListedModel], query: (String) -> String?) -> JSONValue

    /// Reads a provider's stream events.
    func makeStreamDecoder() -> any StreamDecoding
    /// Writes chat stream events for a client.
    func makeStreamEncoder(includeUsage: Bool, context: AnswerContext) -> any StreamEncoding
    /// A provider's event relayed to a client of the same format: `usageFields` (the cost, asked
    /// for only when an event carries usage) added to its usage, and a usage-only chunk the client
    /// did not ask for left out.
    func relayed(_ event: ServerSentEvent, value: JSONValue?, clientWantsUsage: Bool,
                 usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent]
    /// The event that tells a client its stream was cut, with an error body of this format.
    func streamError(_ body: JSONValue) -> ServerSentEvent

    // Conversation state (the Responses API's `store` and `previous_response_id`); formats
    // without it keep the defaults.

    /// The stored response the request continues.
    func previousResponseID(of body: JSONValue) -> String?
    /// The request with `history` — the earlier turns' input and output items — before its own input.
    func continuing(_ body: JSONValue, history: [JSONValue]) -> JSONValue
    /// Whether the answer to the request is kept for later turns and retrieval.
    func keepsAnswer(_ body: JSONValue) -> Bool
    /// The request's input as items: what a kept answer keeps as what it answered.
    func inputItems(of body: JSONValue) -> [JSONValue]
    /// The whole answer a relayed stream event of this format carries, if it is the last one.
    func finalAnswer(inRelayed value: JSONValue) -> JSONValue?

    /// The texts (and token arrays, by length) an embeddings request embeds: what it is counted
    /// and billed by; `nil` for formats that are not embeddings.
    func embeddingInputs(of body: JSONValue) -> [EmbeddingInput]?
}

/// One input of an embeddings request.
public enum EmbeddingInput: Hashable, Sendable {
    case text(String)
    /// Already tokens: this many.
    case tokens(Int)
}

extension WireFormat {
    public func previousResponseID(of body: JSONValue) -> String? { nil }
    public func continuing(_ body: JSONValue, history: [JSONValue]) -> JSONValue { body }
    public func keepsAnswer(_ body: JSONValue) -> Bool { false }
    public func inputItems(of body: JSONValue) -> [JSONValue] { [] }
    public func finalAnswer(inRelayed value: JSONValue) -> JSONValue? { nil }
    public func embeddingInputs(of body: JSONValue) -> [EmbeddingInput]? { nil }
}

/// Reads one provider's stream events, keeping what it needs between them.
public protocol StreamDecoding: Sendable {
    /// The chat events one provider event (its parsed `data:`) stands for.
    /// - Throws: `UpstreamError` when the event reports an error.
    mutating func decode(_ value: JSONValue, provider: String) throws -> [ChatStreamEvent]
}

/// Writes chat stream events for one client, keeping what it needs between them.
public protocol StreamEncoding: Sendable {
    /// The client's events for one chat event; `usageFields` (the cost, asked for only when it
    /// writes usage) go into the usage it writes.
    mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?, usageFields: () -> [String: JSONValue]?) -> [ServerSentEvent]
    /// The whole answer once the final event is written, for formats whose last event carries it.
    var finalAnswer: JSONValue? { get }
}

extension StreamEncoding {
    public var finalAnswer: JSONValue? { nil }
}

/// An error as a client sees it, whatever its format writes it as.
public struct WireError: Sendable, Hashable {
    public var status: Int
    /// OpenAI's error `type`.
    public var type: String
    public var code: String?
    public var message: String
    public var param: String?

    public init(status: Int, type: String, code: String? = nil, message: String, param: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
    }
}

/// A request that breaks its format's rules: a 400 naming the parameter.
public struct RequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public let param: String?

    public init(_ message: String, param: String? = nil) {
        self.message = message
        self.param = param
    }

    public var description: String { message }
}

/// What a client format may need to write an answer: when, to which request, under which id.
public struct AnswerContext: Sendable {
    /// Unix seconds.
    public var created: Int64
    /// The client's request as sent.
    public var request: JSONValue
    /// The gateway's id of the request (`req_…`): formats that name their answers derive the name
    /// from it (the Responses API's `resp_…`).
    public var requestID: String

    public init(created: Int64, request: JSONValue = [:], requestID: String = "") {
        self.created = created
        self.request = request
        self.requestID = requestID
    }
}

/// A model or route as `GET /v1/models` lists it.
public struct ListedModel: Hashable, Sendable {
    public var id: String
    /// The provider that serves it, or `tollgate` for a route.
    public var ownedBy: String

    public init(id: String, ownedBy: String) {
        self.id = id
        self.ownedBy = ownedBy
    }
}

/// The formats, by name and by provider kind: the one place that maps a kind to its format.
public enum WireFormats {
    public static let openAIChat: any WireFormat = OpenAIChatWire()
    public static let anthropicMessages: any WireFormat = AnthropicMessagesWire()
    public static let openAIResponses: any WireFormat = OpenAIResponsesWire()
    /// Embeddings: spoken natively by OpenAI-style providers, never translated.
    public static let openAIEmbeddings: any WireFormat = OpenAIEmbeddingsWire()

    /// The format a provider of `kind` speaks.
    public static func of(_ kind: Provider.Kind) -> any WireFormat {
        switch kind {
        case .openai: openAIChat
        case .anthropic: anthropicMessages
        case .openaiResponses: openAIResponses
        }
    }
}
