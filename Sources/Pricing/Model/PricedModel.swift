import Foundation

/// A model in the price book: what it is called, what it can do, and its price versions.
public struct PricedModel: Hashable, Sendable, Codable {
    /// The name clients and configs use, such as `deepseek-chat`.
    public var id: String
    /// The provider or platform that sells it (`deepseek`, `dashscope`, `openai`, …).
    public var provider: String
    /// Other names that resolve to this model (dated snapshots, platform prefixes).
    public var aliases: [String]
    /// The most tokens a request's input and output may hold together, when known.
    public var contextWindow: Int?
    /// The most output tokens per request, when known.
    public var maxOutputTokens: Int?
    public var capabilities: Set<Capability>
    /// Price versions by ascending `effectiveFrom`.
    public private(set) var versions: [ModelPrice]

    public init(id: String, provider: String, aliases: [String] = [], contextWindow: Int? = nil,
                maxOutputTokens: Int? = nil, capabilities: Set<Capability> = [], versions: [ModelPrice]) {
        self.id = id
        self.provider = provider
        self.aliases = aliases
        self.contextWindow = contextWindow
        self.maxOutputTokens = maxOutputTokens
        self.capabilities = capabilities
        self.versions = versions.sorted { $0.effectiveFrom < $1.effectiveFrom }
    }

    /// The version in force at `date`: the latest whose `effectiveFrom` is not after it.
    public func price(at date: Date) -> ModelPrice? {
        versions.last { $0.effectiveFrom <= date }
    }

    /// Adds a version; one with the same `effectiveFrom` is replaced, so a correction of a
    /// version is possible but a new price never changes an earlier version's figures.
    public mutating func addVersion(_ price: ModelPrice) {
        versions.removeAll { $0.effectiveFrom == price.effectiveFrom }
        versions.append(price)
        versions.sort { $0.effectiveFrom < $1.effectiveFrom }
    }

    enum CodingKeys: String, CodingKey {
        case id, provider, aliases, contextWindow = "context_window", maxOutputTokens = "max_output_tokens"
        case capabilities, versions = "prices"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id),
                  provider: try c.decode(String.self, forKey: .provider),
                  aliases: try c.decodeIfPresent([String].self, forKey: .aliases) ?? [],
                  contextWindow: try c.decodeIfPresent(Int.self, forKey: .contextWindow),
                  maxOutputTokens: try c.decodeIfPresent(Int.self, forKey: .maxOutputTokens),
                  capabilities: try c.decodeIfPresent(Set<Capability>.self, forKey: .capabilities) ?? [],
                  versions: try c.decode([ModelPrice].self, forKey: .versions))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(provider, forKey: .provider)
        if !aliases.isEmpty { try c.encode(aliases, forKey: .aliases) }
        try c.encodeIfPresent(contextWindow, forKey: .contextWindow)
        try c.encodeIfPresent(maxOutputTokens, forKey: .maxOutputTokens)
        try c.encode(capabilities.map(\.rawValue).sorted(), forKey: .capabilities)
        try c.encode(versions, forKey: .versions)
    }
}

/// What a model can do, as routing needs to know.
public enum Capability: String, Hashable, Sendable, Codable, CaseIterable {
    case tools, json, vision, reasoning
    /// The provider discounts repeated prompt prefixes (cache reads).
    case caching
    /// The model turns text into vectors (`/v1/embeddings`).
    case embeddings
}
