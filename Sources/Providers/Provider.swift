/// An upstream that serves models: where it is, how to speak to it and how to authenticate.
public struct Provider: Hashable, Sendable {
    /// The wire format the provider speaks.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// OpenAI Chat Completions, as DeepSeek, Qwen (DashScope compatible mode), Kimi, GLM,
        /// vLLM, llama.cpp and Ollama also speak it.
        case openai
        /// Anthropic Messages.
        case anthropic
        /// OpenAI's Responses API (OpenAI itself, OpenRouter, vLLM, Ollama…): Responses requests
        /// pass through as sent; other formats are translated to it.
        case openaiResponses = "openai_responses"

        /// The kinds a configured provider may have.
        public static let configurable: [Kind] = [.openai, .anthropic, .openaiResponses]
    }

    public var name: String
    public var kind: Kind
    /// The API root, e.g. `https://api.deepseek.com/v1`; paths such as `/chat/completions` follow it.
    public var baseURL: String
    public var apiKey: String?
    /// Where the provider processes data (`cn`, `us`, `eu`, …), for residency rules.
    public var region: String?

    public init(name: String, kind: Kind, baseURL: String, apiKey: String? = nil, region: String? = nil) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.region = region
    }

    /// The URL of an endpoint below the API root.
    public func url(_ path: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}
