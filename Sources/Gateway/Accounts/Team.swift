/// A group of keys inside an organization: its budgets, rate limits and funds cover all of them.
public struct Team: Hashable, Sendable, Codable {
    public var organizationID: String
    public var name: String
    /// Rate limits across all the team's keys; `nil` for none.
    public var requestsPerMinute: Int64?
    public var tokensPerMinute: Int64?

    public init(organizationID: String, name: String, requestsPerMinute: Int64? = nil, tokensPerMinute: Int64? = nil) {
        self.organizationID = organizationID
        self.name = name
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    enum CodingKeys: String, CodingKey {
        case organizationID = "org_id", name, requestsPerMinute = "rpm", tokensPerMinute = "tpm"
    }
}

/// Who is calling: an authenticated key, its organization and its team.
public struct Caller: Hashable, Sendable {
    public var key: VirtualKey
    public var organization: Organization
    public var team: Team?
}
