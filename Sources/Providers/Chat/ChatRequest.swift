/// A chat request in Tollgate's own terms, between the wire formats: a client's request is read
/// into it, and a provider's request is written from it, when the two speak differently.
public struct ChatRequest: Hashable, Sendable {
    public var model: String
    /// The system prompt, as text parts.
    public var system: [String]
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

    public init(model: String, system: [String] = [], messages: [ChatMessage], tools: [ToolDefinition] = [],
                toolChoice: ToolChoice? = nil, maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil,
                stopSequences: [String] = [], stream: Bool = false, user: String? = nil) {
        self.model = model
        self.system = system
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
}

/// One turn of the conversation.
public struct ChatMessage: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable { case user, assistant }

    public var role: Role
    public var content: [ContentPart]

    public init(role: Role, content: [ContentPart]) {
        self.role = role
        self.content = content
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

/// Why generation stopped, in Tollgate's terms.
public enum FinishReason: String, Hashable, Sendable {
    case stop, length, toolCalls, contentFilter
}
