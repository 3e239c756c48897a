import Providers

/// A model clients may ask for, and how Tollgate serves it.
public struct ModelDefinition: Hashable, Sendable {
    /// The name clients send as `model`.
    public var name: String
    /// The provider that serves it.
    public var provider: Provider
    /// The provider's own id for the model.
    public var upstream: String
    /// The tokenizer that counts its tokens, when known.
    public var tokenizer: String?
    public var contextWindow: Int?
    /// The most output the model gives a request that sets no `max_tokens`, when known: what such
    /// a request is reserved for (under `metering.max_reserved_output_tokens`).
    public var maxOutputTokens: Int?
    public var capabilities: [String]
    /// The model's entry in the configuration's price book (its own name when the configuration
    /// prices it, else the catalog's id for it).
    public var priceName: String

    public init(name: String, provider: Provider, upstream: String? = nil, tokenizer: String? = nil,
                contextWindow: Int? = nil, maxOutputTokens: Int? = nil, capabilities: [String] = [], priceName: String? = nil) {
        self.name = name
        self.provider = provider
        self.upstream = upstream ?? name
        self.tokenizer = tokenizer
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.capabilities = capabilities
        self.priceName = priceName ?? name
    }
}
