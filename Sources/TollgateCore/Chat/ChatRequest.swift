/// A chat request in Tollgate's own terms: what every wire format reads a request into and writes
/// a provider's request from, and what the tokenizers count. It keeps what the client sent —
/// system and developer messages where they stood, tool results as their own turns, participant
/// names — so counting is exact and each writer adapts it to its format (Anthropic's hoists the
/// system prompt and merges consecutive turns of one side).
public struct ChatRequest: Hashable, Sendable {
    public var model: String
    public var messages: [ChatMessage]
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var stopSequences: [String]
    public var stream: Bool
    /// An end-user id for the provider's abuse monitoring.
    public var user: String?
    /// Reasoning asked for; `nil` for none (or the provider's default).
    public var reasoning: ReasoningRequest?
    /// A structured answer asked for, as OpenAI's `response_format` object (`json_object`, or
    /// `json_schema` with its schema); `nil` for text.
    public var responseFormat: JSONValue?

    public init(model: String, messages: [ChatMessage], tools: [ToolDefinition] = [],
                toolChoice: ToolChoice? = nil, maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil,
                stopSequences: [String] = [], stream: Bool = false, user: String? = nil) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stopSequences = stopSequences
        self.stream = stream
        self.user = user
    }

    /// The text of every system and developer message, in order: the system prompt of formats that
    /// keep it apart from the conversation.
    public var system: [String] {
        messages.filter(\.role.isInstruction).map(\.text)
    }
}

/// One turn of the conversation.
public struct ChatMessage: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable, CaseIterable {
        case system, developer, user, assistant
        /// Results of tool calls (`toolResult` parts), sent back by the caller's side.
        case tool

        /// System and developer messages: instructions rather than conversation.
        public var isInstruction: Bool { self == .system || self == .developer }
    }

    public var role: Role
    public var content: [ContentPart]
    /// OpenAI's optional participant name.
    public var name: String?

    public init(role: Role, content: [ContentPart], name: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
    }

    /// A message of text only.
    public init(role: Role, text: String, name: String? = nil) {
        self.init(role: role, content: text.isEmpty ? [] : [.text(text)], name: name)
    }

    /// The text parts joined.
    public var text: String {
        content.compactMap { part in
            if case .text(let text) = part { return text }
            return nil
        }.joined()
    }

    /// The tool calls the message makes.
    public var toolCalls: [ToolCall] {
        content.compactMap { part in
            if case .toolCall(let call) = part { return call }
            return nil
        }
    }
}

/// A piece of a message.
public enum ContentPart: Hashable, Sendable {
    case text(String)
    /// An image by URL (`https:` or a `data:` URL with base64 content).
    case image(url: String)
    /// The assistant calling a tool; `arguments` is the JSON object as text.
    case toolCall(ToolCall)
    /// The result of a tool call, sent back by the user side.
    case toolResult(id: String, content: String, isError: Bool)
    /// The model's visible reasoning, with the provider's signature when it has one.
    case thinking(text: String, signature: String?)
}

public struct ToolCall: Hashable, Sendable {
    public var id: String
    public var name: String
    /// The arguments as a JSON object in text form, as OpenAI carries them.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

public struct ToolDefinition: Hashable, Sendable {
    public var name: String
    public var description: String?
    /// The JSON Schema of the arguments.
    public var parameters: JSONValue

    public init(name: String, description: String? = nil, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

public enum ToolChoice: Hashable, Sendable {
    case auto, required
    /// No tool may be called (`"none"`).
    case disabled
    case tool(String)
}
