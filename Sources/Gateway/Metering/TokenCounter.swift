import Providers
import Routing
import Tokenizers
import TollgateCore

/// Tollgate's own count of a request's tokens, with each model's tokenizer: what bills a stream
/// that was cut or a provider that reported no usage, and what answers `count_tokens`.
struct TokenCounter: Sendable {
    let store: EncodingStore

    /// The chat counter for a model: its configured tokenizer, else the registry's by its name,
    /// else by the provider's id for it; `nil` when none is known.
    func counter(for model: ModelDefinition) async -> ChatTokenCounter? {
        if let name = model.tokenizer.flatMap(EncodingName.init(rawValue:)), let encoding = try? await store.encoding(name) {
            return ChatTokenCounter(encoding: encoding, model: model.upstream)
        }
        for candidate in [model.name, model.upstream] {
            if let counter = try? await store.chatCounter(forModel: candidate) { return counter }
        }
        return nil
    }

    /// The input tokens of a request as the model's provider bills them.
    func input(of request: ChatRequest, model: ModelDefinition) async throws -> Int? {
        guard let counter = await counter(for: model) else { return nil }
        return try counter.count(Self.messages(of: request), tools: request.tools.map {
            Tokenizers.ToolDefinition(name: $0.name, description: $0.description, parameters: $0.parameters.jsonText)
        })
    }

    /// The tokens of generated text.
    func output(_ text: String, model: ModelDefinition) async -> Int? {
        guard let counter = await counter(for: model) else { return nil }
        return counter.encoding.count(text)
    }

    /// The usage of a request whose provider reported none: its input counted from the client's
    /// request, its output from the text that came back; `nil` when the model has no tokenizer.
    /// - Parameter input: the request's input as counted at admission for this model.
    func usage(input: Int?, output: String, model: ModelDefinition) async -> TokenUsage? {
        guard let input, let output = await self.output(output, model: model) else { return nil }
        return TokenUsage(input: input, output: output)
    }

    /// The request's conversation in the tokenizers' terms.
    static func messages(of request: ChatRequest) -> [Tokenizers.ChatMessage] {
        var messages: [Tokenizers.ChatMessage] = []
        if !request.system.isEmpty { messages.append(.init(role: .system, text: request.system.joined(separator: "\n\n"))) }
        for message in request.messages {
            var parts: [Tokenizers.ChatMessage.Part] = []
            var calls: [Tokenizers.ChatMessage.ToolCall] = []
            for part in message.content {
                switch part {
                case .text(let text): parts.append(.text(text))
                case .image: parts.append(.image(ImageInput(width: nil, height: nil)))
                case .toolCall(let call): calls.append(.init(id: call.id, name: call.name, arguments: call.arguments))
                case .toolResult(let id, let content, _):
                    messages.append(.init(role: .tool, content: [.text(content)], toolCallID: id))
                case .thinking: break
                }
            }
            if !parts.isEmpty || !calls.isEmpty {
                messages.append(.init(role: message.role == .user ? .user : .assistant, content: parts, toolCalls: calls))
            }
        }
        return messages
    }
}
