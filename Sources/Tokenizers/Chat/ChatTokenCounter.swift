import TollgateCore

/// Counts the input tokens of a whole chat request as the provider bills them.
///
/// - o200k_base / cl100k_base models: OpenAI's published rule — 3 tokens per message plus its
///   role and content, 1 more for a `name`, 3 to prime the reply — with tool definitions by the
///   approximation in OpenAI's cookbook and tool calls as their name and arguments plus 3.
/// - qwen: the ChatML template (Qwen2.5/Qwen3 style, tools in a `<tools>` block) rendered and encoded.
/// - deepseek_v3: DeepSeek-V3's chat template rendered and encoded (tool definitions, which that
///   template does not show, are added to the system prompt as JSON: an approximation).
/// - claude_legacy: the legacy `\n\nHuman:` / `\n\nAssistant:` prompt. An approximation for
///   current Claude models, whose tokenizer is not published.
///
/// Rendered templates are encoded with special tokens allowed, as the serving stack encodes the
/// rendered prompt. Images are billed by ``ImageTokenRule`` or refused.
public struct ChatTokenCounter: Sendable {
    /// The model's encoding.
    public let encoding: Encoding
    /// How images are billed.
    public let imageRule: ImageTokenRule

    /// - Parameters:
    ///   - encoding: the model's encoding.
    ///   - model: the model name, which picks OpenAI's image constants (gpt-4o-mini, o-series…).
    public init(encoding: Encoding, model: String = "") {
        self.encoding = encoding
        switch encoding.name {
        case .o200kBase, .cl100kBase: imageRule = .openAI(model: model)
        case .claudeLegacy: imageRule = .anthropic
        case .qwen, .deepseekV3: imageRule = .unknown
        }
    }

    /// A counter with an explicit image rule (e.g. from the model configuration).
    public init(encoding: Encoding, imageRule: ImageTokenRule) {
        self.encoding = encoding
        self.imageRule = imageRule
    }

    /// The input tokens of `messages` with `tools` offered, including the reply's priming.
    public func count(_ messages: [ChatMessage], tools: [ToolDefinition] = []) throws(TokenizerError) -> Int {
        let messages = ChatTurn.turns(of: messages)
        var images = 0
        for message in messages {
            for image in message.images { images += try imageRule.tokens(for: image) }
        }
        switch encoding.name {
        case .o200kBase, .cl100kBase:
            return images + openAICount(messages, tools: tools)
        case .qwen:
            return images + encoding.count(ChatTemplate.qwen(messages, tools: tools), allowingSpecialTokens: true)
        case .deepseekV3:
            return images + encoding.count(ChatTemplate.deepSeek(messages, tools: tools), allowingSpecialTokens: true)
        case .claudeLegacy:
            return images + encoding.count(ChatTemplate.legacyClaude(messages, tools: tools))
        }
    }

    private func openAICount(_ messages: [ChatTurn], tools: [ToolDefinition]) -> Int {
        var total = 3  // every reply is primed with <|start|>assistant<|message|>
        for message in messages {
            total += 3 + encoding.count(message.role.rawValue)
            total += encoding.count(message.text)
            if let name = message.name { total += 1 + encoding.count(name) }
            for call in message.toolCalls { total += 3 + encoding.count(call.name) + encoding.count(call.arguments) }
        }
        if !tools.isEmpty {
            total += OpenAIToolTokens(encoding: encoding).count(tools)
        }
        return total
    }
}
