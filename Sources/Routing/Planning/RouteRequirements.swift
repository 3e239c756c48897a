import Pricing
import TollgateCore

/// What a request needs of the model that serves it: the constraints every candidate must meet
/// before any policy orders them.
public struct RouteRequirements: Sendable {
    /// Tools in the request need `tools`; images `vision`; a JSON response format `json`.
    public var capabilities: Set<Capability>
    /// The prompt's tokens by each candidate's tokenizer, by model name (a model without a count
    /// is not checked against its context window).
    public var promptTokens: [String: Int]
    /// The most output the request allows (`max_tokens`), when it says.
    public var maxOutputTokens: Int?
    /// Whether the answer is streamed: the `latency` policy then orders by time to first token.
    public var streamed: Bool
    /// Whether the key may use a model or route, by name.
    public var allows: @Sendable (String) -> Bool
    /// The provider regions the key and its organization may reach; `nil` when unrestricted.
    /// A provider with no region is outside every restriction.
    public var allowedRegions: Set<String>?
    /// The payer's currency: money is never converted implicitly, so only models priced in it serve.
    public var currency: Currency
    /// What the `auto` policy's classifier reads of the request; `nil` (cheapest first) when it has
    /// no chat form or the route is not `auto`.
    public var features: PromptFeatures?

    public init(capabilities: Set<Capability> = [], promptTokens: [String: Int] = [:], maxOutputTokens: Int? = nil,
                streamed: Bool = false, allows: @escaping @Sendable (String) -> Bool = { _ in true },
                allowedRegions: Set<String>? = nil, currency: Currency) {
        self.capabilities = capabilities
        self.promptTokens = promptTokens
        self.maxOutputTokens = maxOutputTokens
        self.streamed = streamed
        self.allows = allows
        self.allowedRegions = allowedRegions
        self.currency = currency
    }

    /// The regions both lists allow; `nil` (unrestricted) where neither restricts.
    public static func regions(_ first: [String]?, _ second: [String]?) -> Set<String>? {
        switch (first, second) {
        case (nil, nil): nil
        case (let only?, nil), (nil, let only?): Set(only)
        case (let first?, let second?): Set(first).intersection(second)
        }
    }
}

/// A model's list price per 1M tokens, as the planner compares models.
public struct ModelQuote: Sendable, Hashable {
    public var input: Money
    public var output: Money

    public init(input: Money, output: Money) {
        self.input = input
        self.output = output
    }

    /// 1M input plus 1M output tokens: what the `cost` policy orders by.
    public var blended: Int64 { input.nanos + output.nanos }
}
