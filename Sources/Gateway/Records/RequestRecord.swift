import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What happened to one proxied request: who asked, what served it, what it used and cost.
public struct RequestRecord: Hashable, Sendable, Codable {
    /// Where the token counts came from.
    public enum UsageSource: String, Hashable, Sendable, Codable {
        /// The provider's usage object.
        case provider
        /// Tollgate's own count of what was sent and received.
        case counted
        /// Nothing to count: the request failed before the provider produced anything.
        case none
    }

    public var id: String
    public var keyID: String?
    public var organizationID: String?
    public var team: String?
    /// The agent session (`x-tollgate-session`) it belongs to.
    public var sessionID: String?
    /// The end user it was for (`x-tollgate-user`).
    public var endUser: String?
    /// Its tags (`x-tollgate-tags`, comma-separated).
    public var tags: [String]
    public var modelRequested: String?
    public var modelUsed: String?
    public var provider: String?
    /// The HTTP status the client got (200 for a stream that started, even if cut later).
    public var status: Int
    public var streamed: Bool
    public var usage: TokenUsage
    /// What the customer was charged in money, at its sell price (0 when a token package paid).
    public var cost: Money?
    /// What the provider is owed for it, at cost.
    public var providerCost: Money?
    /// The tokens a token package paid.
    public var packageTokens: Int64
    /// What was reserved for it before the call (nano-units, or tokens when a package paid).
    public var reserved: Int64
    /// How it was settled on the ledger (`Reservation.Outcome`); `nil` when metering is off.
    public var settlement: String?
    public var usageSource: UsageSource
    public var latencyMilliseconds: Int64
    public var timeToFirstTokenMilliseconds: Int64?
    public var error: String?
    public var createdAt: Date
    /// Why it went where it went (`x-tollgate-route`): the policy, candidates skipped, fallbacks.
    public var route: String?
    /// Every upstream call made for it, in order; the last one's model answered when it succeeded.
    public var attempts: [AttemptRecord]
    /// What the response cache did (`hit`, `miss`, `bypass`).
    public var cache: String?
    /// For a cache hit: the tokens the call it replaced used, and what it would have cost.
    public var savedTokens: Int64 = 0
    public var savedCost: Money?
    /// The digest of the request's canonical form, and of its stable prefix (system prompt and
    /// tools) when it has one: what the waste report finds repeats by.
    public var promptHash: String?
    public var prefixHash: String?
    /// Why the answer ended (`stop`, `length`, `tool_calls`, `content_filter`), when it did.
    public var finishReason: String?
    /// The prompt's size in bytes, and its system prompt's, tool definitions' and tool outputs' shares.
    public var promptSize = PromptSize()

    public init(id: String, keyID: String? = nil, organizationID: String? = nil, modelRequested: String? = nil,
                modelUsed: String? = nil, provider: String? = nil, status: Int, streamed: Bool = false,
                usage: TokenUsage = .zero, cost: Money? = nil, usageSource: UsageSource = .none,
                latencyMilliseconds: Int64 = 0, timeToFirstTokenMilliseconds: Int64? = nil,
                error: String? = nil, createdAt: Date = Date()) {
        self.id = id
        self.keyID = keyID
        self.organizationID = organizationID
        self.modelRequested = modelRequested
        self.modelUsed = modelUsed
        self.provider = provider
        self.status = status
        self.streamed = streamed
        self.usage = usage
        self.cost = cost
        self.usageSource = usageSource
        self.latencyMilliseconds = latencyMilliseconds
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.error = error
        self.createdAt = createdAt
        self.packageTokens = 0
        self.reserved = 0
        self.tags = []
        self.attempts = []
    }

    enum CodingKeys: String, CodingKey {
        case id, keyID = "key_id", organizationID = "org_id", team, sessionID = "session_id", endUser = "end_user", tags, modelRequested = "model_requested"
        case modelUsed = "model_used", provider, status, streamed, usage, cost, providerCost = "provider_cost"
        case packageTokens = "package_tokens", reserved, settlement, usageSource = "usage_source"
        case latencyMilliseconds = "latency_ms", timeToFirstTokenMilliseconds = "ttft_ms", error
        case createdAt = "created_at", route, attempts, cache, savedTokens = "saved_tokens", savedCost = "saved_cost"
        case promptHash = "prompt_hash", prefixHash = "prefix_hash", finishReason = "finish_reason", promptSize = "prompt_size"
    }
}

/// A prompt's size in bytes of text, whole and by part: what the waste report weighs its parts by.
public struct PromptSize: Hashable, Sendable, Codable {
    public var total: Int64 = 0
    /// System and developer instructions.
    public var system: Int64 = 0
    /// Tool definitions (their JSON).
    public var tools: Int64 = 0
    /// Tool results sent back to the model.
    public var toolOutput: Int64 = 0

    public init(total: Int64 = 0, system: Int64 = 0, tools: Int64 = 0, toolOutput: Int64 = 0) {
        self.total = total
        self.system = system
        self.tools = tools
        self.toolOutput = toolOutput
    }

    enum CodingKeys: String, CodingKey {
        case total, system, tools, toolOutput = "tool_output"
    }
}

/// One upstream call made for a request.
public struct AttemptRecord: Hashable, Sendable, Codable {
    public var model: String
    public var provider: String
    /// The provider's HTTP status; `nil` when none arrived (connect error, timeout).
    public var status: Int?
    public var latencyMilliseconds: Int64
    /// Why it failed, when it did.
    public var error: String?

    public init(model: String, provider: String, status: Int?, latencyMilliseconds: Int64, error: String? = nil) {
        self.model = model
        self.provider = provider
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case model, provider, status, latencyMilliseconds = "latency_ms", error
    }

    /// The attempts as the record's `attempts` column holds them: a JSON array.
    static func encode(_ attempts: [AttemptRecord]) -> String {
        let values: [JSONValue] = attempts.map { attempt in
            var object: JSONValue = ["model": .string(attempt.model), "provider": .string(attempt.provider),
                                     "latency_ms": .int(attempt.latencyMilliseconds)]
            if let status = attempt.status { object["status"] = .int(Int64(status)) }
            if let error = attempt.error { object["error"] = .string(error) }
            return object
        }
        return JSONValue.array(values).jsonText
    }

    static func decode(_ text: String) -> [AttemptRecord] {
        guard let values = (try? JSONValue(parsing: Array(text.utf8)))?.arrayValue else { return [] }
        return values.compactMap { value in
            guard let model = value["model"]?.stringValue, let provider = value["provider"]?.stringValue else { return nil }
            return AttemptRecord(model: model, provider: provider, status: value["status"]?.intValue,
                                 latencyMilliseconds: Int64(value["latency_ms"]?.intValue ?? 0), error: value["error"]?.stringValue)
        }
    }
}

extension Money: Codable {
    enum CodingKeys: String, CodingKey { case amount, nanos, currency }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(nanos: try container.decode(Int64.self, forKey: .nanos),
                  currency: try container.decode(Currency.self, forKey: .currency))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(decimalString, forKey: .amount)
        try container.encode(nanos, forKey: .nanos)
        try container.encode(currency, forKey: .currency)
    }
}
