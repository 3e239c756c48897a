import TollgateCore

/// A complete (non-streamed) answer in Tollgate's own terms.
public struct ChatResponse: Hashable, Sendable {
    public var id: String
    public var model: String
    public var content: [ContentPart]
    public var finishReason: FinishReason?
    public var usage: UsageReport?

    public init(id: String, model: String, content: [ContentPart], finishReason: FinishReason?, usage: UsageReport?) {
        self.id = id
        self.model = model
        self.content = content
        self.finishReason = finishReason
        self.usage = usage
    }

    /// The answer's text, its reasoning and its tool calls, each in order: what every format writes.
    public var parts: (text: String, reasoning: String, toolCalls: [ToolCall]) {
        var parts = (text: "", reasoning: "", toolCalls: [ToolCall]())
        for part in content {
            switch part {
            case .text(let text): parts.text += text
            case .thinking(let text, _): parts.reasoning += text
            case .toolCall(let call): parts.toolCalls.append(call)
            case .image, .toolResult: break
            }
        }
        return parts
    }
}

/// One step of a streamed answer in Tollgate's own terms; each wire format's stream is decoded
/// into these and encoded from them.
public enum ChatStreamEvent: Hashable, Sendable {
    /// The answer begins.
    case start(id: String, model: String)
    case text(String)
    case thinking(String)
    /// A tool call begins: `index` numbers the calls of this answer from 0.
    case toolCallStart(index: Int, id: String, name: String)
    case toolCallArguments(index: Int, fragment: String)
    case finish(FinishReason)
    /// The provider reported usage (Anthropic: at the start, then running totals).
    case usage(UsageReport)
    /// The answer is complete.
    case end
}

/// A request feature that has no equivalent in the format it must be translated to.
public struct TranslationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The parameter, as the client named it.
    public let parameter: String
    public let detail: String

    public init(parameter: String, detail: String) {
        self.parameter = parameter
        self.detail = detail
    }

    public var description: String { "'\(parameter)' \(detail)" }
}

/// Why generation stopped, in Tollgate's terms.
public enum FinishReason: String, Hashable, Sendable {
    case stop, length, toolCalls, contentFilter
}
