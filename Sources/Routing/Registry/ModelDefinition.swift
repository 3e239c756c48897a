import Pricing
import Providers
import TollgateCore

/// A model clients may ask for, and how Tollgate serves it: one entry of the model registry.
public struct ModelDefinition: Hashable, Sendable {
    /// The name clients send as `model`.
    public var name: String
    /// The provider that serves it.
    public var provider: Provider
    /// The provider's own id for the model.
    public var upstream: String
    /// The tokenizer that counts its tokens, when known.
    public var tokenizer: String?
    /// The most tokens of prompt and output together, when known: a request whose counted prompt
    /// plus `max_tokens` exceeds it is not sent to this model.
    public var contextWindow: Int?
    /// The most output the model gives a request that sets no `max_tokens`, when known: what such
    /// a request is reserved for (under `metering.max_reserved_output_tokens`).
    public var maxOutputTokens: Int?
    /// What the model can do. A model that lists none is not checked (its capabilities are
    /// unknown); one that lists some is offered only requests that need no others.
    public var capabilities: Set<Capability>
    /// The model's entry in the configuration's price book (its own name when the configuration
    /// prices it, else the catalog's id for it).
    public var priceName: String
    /// Models to try, in order, when a request that names this model directly cannot be served
    /// by it (the provider fails, its breaker is open, or it cannot take the request).
    public var fallbacks: [String]
    /// What requests with a parameter this model cannot honour get: refused, or the parameter dropped.
    public var unsupportedParameters: UnsupportedParameters = .refuse
    /// Fields sent instead of the format's own reasoning parameter when reasoning is asked for,
    /// for providers that switch it on their own way (Qwen's `enable_thinking: true`, …).
    public var reasoningSwitch: JSONObject?

    public init(name: String, provider: Provider, upstream: String? = nil, tokenizer: String? = nil,
                contextWindow: Int? = nil, maxOutputTokens: Int? = nil, capabilities: Set<Capability> = [], priceName: String? = nil,
                fallbacks: [String] = []) {
        self.name = name
        self.provider = provider
        self.upstream = upstream ?? name
        self.tokenizer = tokenizer
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.capabilities = capabilities
        self.priceName = priceName ?? name
        self.fallbacks = fallbacks
    }

    /// The capabilities of `needed` this model is known to lack. Reasoning is not lacked by a
    /// model that drops unsupported parameters: it is dropped instead.
    /// Embeddings are never assumed: a model serves them only when its capabilities say so.
    public func lacks(_ needed: Set<Capability>) -> Set<Capability> {
        var lacking = capabilities.isEmpty ? [] : needed.subtracting(capabilities)
        if needed.contains(.embeddings) && !capabilities.contains(.embeddings) { lacking.insert(.embeddings) }
        if unsupportedParameters == .drop { lacking.remove(.reasoning) }
        return lacking
    }

    /// Whether the model takes reasoning requests (or is not known not to).
    public var takesReasoning: Bool { capabilities.isEmpty || capabilities.contains(.reasoning) }
}
