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
        return try counter.count(request.messages, tools: request.tools)
    }

    /// The input tokens of an embeddings request: its texts encoded, its token arrays as long as they are.
    func input(of inputs: [EmbeddingInput], model: ModelDefinition) async -> Int? {
        guard let counter = await counter(for: model) else { return nil }
        return inputs.reduce(0) { total, input in
            switch input {
            case .text(let text): total + counter.encoding.count(text)
            case .tokens(let count): total + count
            }
        }
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
}
