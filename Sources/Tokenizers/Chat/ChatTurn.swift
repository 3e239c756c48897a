import TollgateCore

/// One turn as chat templates see it, flattened from TollgateCore's chat form: text and images
/// in order, the assistant's tool calls beside its text, and each tool result a `tool` turn of its
/// own (however the wire format carried it).
struct ChatTurn: Sendable, Hashable {
    var role: ChatMessage.Role
    var text: String
    var images: [ImageInput]
    var name: String?
    var toolCalls: [ToolCall]
    /// For `tool` turns: the call this is the result of.
    var toolCallID: String?

    /// The turns of a conversation. Reasoning sent back (`thinking`) is not input: providers drop it.
    static func turns(of messages: [ChatMessage]) -> [ChatTurn] {
        var turns: [ChatTurn] = []
        for message in messages {
            var text = ""
            var images: [ImageInput] = []
            var calls: [ToolCall] = []
            var results: [ChatTurn] = []
            for part in message.content {
                switch part {
                case .text(let value): text += value
                case .image: images.append(ImageInput(width: nil, height: nil))
                case .toolCall(let call): calls.append(call)
                case .toolResult(let id, let content, _):
                    results.append(ChatTurn(role: .tool, text: content, images: [], toolCalls: [], toolCallID: id))
                case .thinking: break
                }
            }
            turns += results
            let empty = text.isEmpty && images.isEmpty && calls.isEmpty
            if message.role != .tool && (!empty || results.isEmpty) {
                turns.append(ChatTurn(role: message.role, text: text, images: images, name: message.name, toolCalls: calls))
            }
        }
        return turns
    }
}
