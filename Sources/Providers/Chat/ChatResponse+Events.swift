import TollgateCore

extension ChatResponse {
    /// The answer as the stream events that would have carried it: start, reasoning, text, each
    /// tool call, the finish, the end. What a cached answer is replayed to a streaming client as,
    /// through the client format's encoder.
    public var streamEvents: [ChatStreamEvent] {
        var events: [ChatStreamEvent] = [.start(id: id, model: model)]
        var calls = 0
        for part in content {
            switch part {
            case .thinking(let text, _): events.append(.thinking(text))
            case .text(let text): events.append(.text(text))
            case .toolCall(let call):
                events.append(.toolCallStart(index: calls, id: call.id, name: call.name))
                if !call.arguments.isEmpty { events.append(.toolCallArguments(index: calls, fragment: call.arguments)) }
                calls += 1
            case .image, .toolResult: break
            }
        }
        if let finishReason { events.append(.finish(finishReason)) }
        events.append(.end)
        return events
    }
}

/// Gathers a stream's events into the whole answer they carried: text and reasoning joined, tool
/// calls with their arguments, the finish reason. Usage is not kept: it is read apart.
public struct ChatResponseBuilder: Sendable {
    private var id = ""
    private var model = ""
    private var content: [ContentPart] = []
    private var calls: [Int: Int] = [:]
    private var finishReason: FinishReason?

    public init() {}

    public mutating func add(_ event: ChatStreamEvent) {
        switch event {
        case .start(let id, let model):
            self.id = id
            self.model = model
        case .text(let text):
            if case .text(let previous) = content.last { content[content.count - 1] = .text(previous + text) } else { content.append(.text(text)) }
        case .thinking(let text):
            if case .thinking(let previous, let signature) = content.last {
                content[content.count - 1] = .thinking(text: previous + text, signature: signature)
            } else {
                content.append(.thinking(text: text, signature: nil))
            }
        case .toolCallStart(let index, let id, let name):
            calls[index] = content.count
            content.append(.toolCall(ToolCall(id: id, name: name, arguments: "")))
        case .toolCallArguments(let index, let fragment):
            guard let position = calls[index], case .toolCall(var call) = content[position] else { return }
            call.arguments += fragment
            content[position] = .toolCall(call)
        case .finish(let reason):
            finishReason = reason
        case .usage, .end:
            break
        }
    }

    /// The answer gathered so far.
    public var response: ChatResponse {
        ChatResponse(id: id, model: model, content: content, finishReason: finishReason, usage: nil)
    }
}
