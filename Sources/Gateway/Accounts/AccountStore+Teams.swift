import SQLKit
import Storage

extension AccountStore {
    /// Makes the team if it does not exist yet.
    func ensureTeam(_ name: String, of organization: Organization) async throws {
        guard !name.isEmpty, !name.contains("/") else { throw AccountStoreError(.invalid, "a team name is non-empty and has no '/'") }
        try await database.write { sql in try await sql.raw("""
            INSERT INTO teams (org_id, name, created_at) VALUES (\(bind: organization.id), \(bind: name), \(bind: Timestamp.milliseconds(clock.date())))
            ON CONFLICT (org_id, name) DO NOTHING
            """).run() }
    }

    /// Creates the team or changes its rate limits (`nil` removes a limit).
    @discardableResult
    public func setTeam(_ name: String, of organization: Organization, requestsPerMinute: Int64?,
                        tokensPerMinute: Int64?) async throws -> Team {
        try await ensureTeam(name, of: organization)
        try await database.write { sql in try await sql.raw("""
            UPDATE teams SET rpm = \(bind: requestsPerMinute), tpm = \(bind: tokensPerMinute)
            WHERE org_id = \(bind: organization.id) AND name = \(bind: name)
            """).run() }
        forgetCachedKeys()
        return Team(organizationID: organization.id, name: name, requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute)
    }

    public func teams(of organization: Organization) async throws -> [Team] {
        try await database.sql.raw("""
            SELECT org_id, name, rpm, tpm FROM teams WHERE org_id = \(bind: organization.id) ORDER BY name
            """).all().map { row in
                Team(organizationID: try row.decode(column: "org_id", as: String.self), name: try row.decode(column: "name", as: String.self),
                     requestsPerMinute: try row.decode(column: "rpm", as: Int64?.self),
                     tokensPerMinute: try row.decode(column: "tpm", as: Int64?.self))
            }
    }
}
