/// One message of a chat request, independent of any wire format (the gateway converts OpenAI
/// and Anthropic requests into this).
public struct ChatMessage: Sendable, Hashable {
    /// Who speaks.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case system, developer, user, assistant, tool
    }

    /// A piece of content.
    public enum Part: Sendable, Hashable {
        case text(String)
        case image(ImageInput)
    }

    /// A function call the assistant made.
    public struct ToolCall: Sendable, Hashable {
        /// The call id the tool result refers to.
        public var id: String
        /// The function called.
        public var name: String
        /// The arguments as the model wrote them: JSON text.
        public var arguments: String

        /// A call of `name` with JSON `arguments`.
        public init(id: String = "", name: String, arguments: String) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    /// Who speaks.
    public var role: Role
    /// Text and images, in order.
    public var content: [Part]
    /// OpenAI's optional participant name.
    public var name: String?
    /// Function calls an assistant message made.
    public var toolCalls: [ToolCall]
    /// For `tool` messages: the call this is the result of.
    public var toolCallID: String?

    /// A message with any content.
    public init(role: Role, content: [Part], name: String? = nil, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    /// A message with text content only.
    public init(role: Role, text: String, name: String? = nil) {
        self.init(role: role, content: [.text(text)], name: name)
    }

    /// The text parts joined, as chat templates render them.
    var text: String {
        content.compactMap { part in
            if case .text(let text) = part { return text }
            return nil
        }.joined()
    }

    var images: [ImageInput] {
        content.compactMap { part in
            if case .image(let image) = part { return image }
            return nil
        }
    }
}
