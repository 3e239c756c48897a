import Ledger
import Logging
import SQLKit
import Storage
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Organizations, their keys and their prepaid credit, in the database.
///
/// Key lookups are on every request, so found keys are cached in memory. A revoke made through
/// this store (CLI or admin API in the same process) evicts at once; a revoke made by another
/// process against the same database is seen within `cacheLifetime`.
public final class AccountStore: Sendable {
    public let database: Database
    /// How long a looked-up key is trusted before the database is asked again.
    public let cacheLifetime: Duration
    /// Where credit, packages and usage are booked.
    public let ledger: SQLLedgerStore
    let chart: LedgerChart
    private let cache = Mutex<[String: (caller: Caller, expires: Duration)]>([:])
    /// What the key cache's lifetime is measured on and what rows and ledger entries are dated by.
    let clock: any TimeSource

    public init(database: Database, cacheLifetime: Duration = .seconds(2), clock: any TimeSource = SystemTimeSource()) {
        self.database = database
        self.clock = clock
        self.cacheLifetime = cacheLifetime
        self.ledger = SQLLedgerStore(database: database, now: { Timestamp.milliseconds(clock.date()) })
        self.chart = LedgerChart(store: ledger)
    }

    // MARK: Organizations

    /// - Parameters:
    ///   - markupBasisPoints: what it pays over the provider's price (2,000 = 20%).
    ///   - priceList: a configured price list that sets its prices instead.
    ///   - allowedRegions: the provider regions its keys may reach; `nil` for any.
    public func createOrganization(name: String, currency: Currency, markupBasisPoints: Int64 = 0,
                                   priceList: String? = nil, allowedRegions: [String]? = nil) async throws -> Organization {
        guard !name.isEmpty else { throw AccountStoreError(.invalid, "an organization needs a name") }
        guard markupBasisPoints >= -10_000 else { throw AccountStoreError(.invalid, "a markup below -100% would pay the customer") }
        if try await organization(named: name) != nil {
            throw AccountStoreError(.conflict, "an organization named '\(name)' already exists")
        }
        let organization = Organization(id: "org_" + TimeOrderedID().description, name: name, currency: currency,
                                        markupBasisPoints: markupBasisPoints, priceList: priceList, allowedRegions: allowedRegions)
        try await database.write { sql in try await sql.raw("""
            INSERT INTO organizations (id, name, currency, markup_bp, price_list, regions, created_at)
            VALUES (\(bind: organization.id), \(bind: name), \(bind: currency.code), \(bind: markupBasisPoints), \(bind: priceList),
                    \(bind: allowedRegions?.joined(separator: ",")), \(bind: Timestamp.milliseconds(clock.date())))
            """).run() }
        return organization
    }

    public func organizations() async throws -> [Organization] {
        try await database.sql.raw("SELECT id, name, currency, markup_bp, price_list, regions FROM organizations ORDER BY name").all()
            .map { try Self.organization(from: $0) }
    }

    public func organization(named nameOrID: String) async throws -> Organization? {
        try await database.sql.raw("""
            SELECT id, name, currency, markup_bp, price_list, regions FROM organizations WHERE name = \(bind: nameOrID) OR id = \(bind: nameOrID)
            """).first().map { try Self.organization(from: $0) }
    }

    static func organization(from row: any SQLRow, prefix: String = "") throws -> Organization {
        let code = try row.decode(column: "currency", as: String.self)
        guard let currency = Currency(knownCode: code) else { throw StorageError.corrupt("unknown currency \(code)") }
        return Organization(id: try row.decode(column: prefix.isEmpty ? "id" : "org_id", as: String.self),
                            name: try row.decode(column: prefix + "name", as: String.self), currency: currency,
                            markupBasisPoints: try row.decode(column: "markup_bp", as: Int64.self),
                            priceList: try row.decode(column: "price_list", as: String?.self),
                            allowedRegions: try regions(row, prefix + "regions"))
    }

    /// A comma-separated list column: `nil` when NULL.
    static func regions(_ row: any SQLRow, _ column: String) throws -> [String]? {
        try row.decode(column: column, as: String?.self).map { $0.split(separator: ",").map(String.init) }
    }

    // MARK: Keys

    /// Makes a key and returns it with its secret, which is not stored and cannot be shown again.
    /// - Parameters:
    ///   - team: the team it belongs to (made if new), whose budgets, limits and funds apply to it.
    ///   - requestsPerMinute, tokensPerMinute: the key's own rate limits.
    public func createKey(for organization: Organization, name: String? = nil, team: String? = nil,
                          allowedModels: [String]? = nil, requestsPerMinute: Int64? = nil,
                          tokensPerMinute: Int64? = nil, allowedRegions: [String]? = nil,
                          cacheTTLSeconds: Int64? = nil, maxConcurrent: Int64? = nil) async throws -> (key: VirtualKey, secret: String) {
        let secret = KeySecret.generate()
        let key = VirtualKey(id: "key_" + TimeOrderedID().description, organizationID: organization.id, name: name,
                             team: team, hint: KeySecret.hint(secret), allowedModels: allowedModels,
                             requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute,
                             createdAt: clock.date(), revokedAt: nil, allowedRegions: allowedRegions, cacheTTLSeconds: cacheTTLSeconds,
                             maxConcurrent: maxConcurrent)
        if let team { try await ensureTeam(team, of: organization) }
        try await database.write { sql in try await sql.raw("""
            INSERT INTO api_keys (id, org_id, name, team, key_hash, key_hint, allowed_models, rpm, tpm, regions, cache_ttl_seconds,
                                  max_concurrent, created_at)
            VALUES (\(bind: key.id), \(bind: organization.id), \(bind: name), \(bind: team), \(bind: KeySecret.hash(secret)),
                    \(bind: key.hint), \(bind: allowedModels?.joined(separator: ",")), \(bind: requestsPerMinute), \(bind: tokensPerMinute),
                    \(bind: allowedRegions?.joined(separator: ",")), \(bind: cacheTTLSeconds), \(bind: maxConcurrent),
                    \(bind: Timestamp.milliseconds(key.createdAt)))
            """).run() }
        return (key, secret)
    }

    /// The columns `authenticate` reads: the key, its organization and its team.
    private static let callerColumns: SQLQueryString = """
        k.id, k.org_id, k.name, k.team, k.key_hint, k.allowed_models, k.rpm, k.tpm, k.created_at, k.revoked_at, k.regions,
        k.cache_ttl_seconds, k.max_concurrent,
        o.name AS org_name, o.currency, o.markup_bp, o.price_list, o.regions AS org_regions, t.rpm AS team_rpm, t.tpm AS team_tpm
        """

    /// The live key for a secret — its current one, or the one before a rotation while its grace
    /// lasts — with its organization and team, or `nil` if unknown, expired or revoked.
    public func authenticate(secret: String) async throws -> Caller? {
        let hash = KeySecret.hash(secret)
        let now = clock.now()
        if let cached = cache.withLock({ $0[hash] }), cached.expires > now {
            return cached.caller
        }
        var lifetime = cacheLifetime
        var row = try await database.sql.raw("""
            SELECT \(Self.callerColumns)
            FROM api_keys k JOIN organizations o ON o.id = k.org_id
            LEFT JOIN teams t ON t.org_id = k.org_id AND t.name = k.team
            WHERE k.key_hash = \(bind: hash)
            """).first()
        if row == nil {
            // A secret rotated away, still in its grace period.
            let time = Timestamp.milliseconds(clock.date())
            row = try await database.sql.raw("""
                SELECT \(Self.callerColumns), p.expires_at AS previous_expires
                FROM api_key_previous p JOIN api_keys k ON k.id = p.key_id JOIN organizations o ON o.id = k.org_id
                LEFT JOIN teams t ON t.org_id = k.org_id AND t.name = k.team
                WHERE p.key_hash = \(bind: hash) AND p.expires_at > \(bind: time)
                """).first()
            if let row { lifetime = min(lifetime, .milliseconds(try row.decode(column: "previous_expires", as: Int64.self) - time)) }
        }
        guard let row else {
            cache.withLock { _ = $0.removeValue(forKey: hash) }
            return nil
        }
        let key = try Self.key(from: row)
        guard !key.isRevoked else {
            cache.withLock { _ = $0.removeValue(forKey: hash) }
            return nil
        }
        let organization = try Self.organization(from: row, prefix: "org_")
        let team = try key.team.map { name in
            Team(organizationID: organization.id, name: name, requestsPerMinute: try row.decode(column: "team_rpm", as: Int64?.self),
                 tokensPerMinute: try row.decode(column: "team_tpm", as: Int64?.self))
        }
        let caller = Caller(key: key, organization: organization, team: team)
        cache.withLock { $0[hash] = (caller, now + lifetime) }
        return caller
    }

    /// Gives a live key a new secret. The old one keeps working for `grace` — its requests are the
    /// key's, with its budgets, limits and funds — then stops; revoking the key stops both at once.
    /// - Returns: the key with its new hint, the new secret (not stored, shown once) and when the
    ///   old secret stops working; `nil` when no live key has this id.
    public func rotateKey(id: String, grace: Duration) async throws -> (key: VirtualKey, secret: String, previousValidUntil: Date)? {
        let secret = KeySecret.generate()
        let now = clock.date()
        let until = now.addingTimeInterval(Double(grace.components.seconds))
        let (time, expires) = (Timestamp.milliseconds(now), Timestamp.milliseconds(until))
        let rotated = try await database.transaction { sql -> VirtualKey? in
            guard let row = try await sql.raw("SELECT key_hash FROM api_keys WHERE id = \(bind: id) AND revoked_at IS NULL").first() else {
                return nil
            }
            let previous = try row.decode(column: "key_hash", as: String.self)
            try await sql.raw("DELETE FROM api_key_previous WHERE expires_at <= \(bind: time)").run()
            if expires > time {
                try await sql.raw("""
                    INSERT INTO api_key_previous (key_hash, key_id, expires_at) VALUES (\(bind: previous), \(bind: id), \(bind: expires))
                    """).run()
            }
            try await sql.raw("""
                UPDATE api_keys SET key_hash = \(bind: KeySecret.hash(secret)), key_hint = \(bind: KeySecret.hint(secret)) WHERE id = \(bind: id)
                """).run()
            return try await sql.raw("""
                SELECT id, org_id, name, team, key_hint, allowed_models, rpm, tpm, created_at, revoked_at, regions, cache_ttl_seconds, max_concurrent
                FROM api_keys WHERE id = \(bind: id)
                """).first().map(Self.key(from:))
        }
        guard let rotated else { return nil }
        cache.withLock { cache in cache = cache.filter { $0.value.caller.key.id != id } }
        return (rotated, secret, until)
    }

    public func keys(of organization: Organization) async throws -> [VirtualKey] {
        try await database.sql.raw("""
            SELECT id, org_id, name, team, key_hint, allowed_models, rpm, tpm, created_at, revoked_at, regions, cache_ttl_seconds, max_concurrent
            FROM api_keys WHERE org_id = \(bind: organization.id) ORDER BY created_at
            """).all().map(Self.key(from:))
    }

    /// Revokes a key by id; requests with it are refused from now on.
    /// - Returns: whether a live key was revoked.
    @discardableResult
    public func revokeKey(id: String) async throws -> Bool {
        let revoked = try await database.write { sql in try await sql.raw("""
            UPDATE api_keys SET revoked_at = \(bind: Timestamp.milliseconds(clock.date()))
            WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
            """).all() }
        cache.withLock { cache in cache = cache.filter { $0.value.caller.key.id != id } }
        return !revoked.isEmpty
    }

    static func key(from row: any SQLRow) throws -> VirtualKey {
        let models = try row.decodeNil(column: "allowed_models") ? nil
            : try row.decode(column: "allowed_models", as: String.self).split(separator: ",").map(String.init)
        let revoked = try row.decodeNil(column: "revoked_at") ? nil : try row.decode(column: "revoked_at", as: Int64.self)
        return VirtualKey(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "org_id", as: String.self),
            name: try row.decode(column: "name", as: String?.self),
            team: try row.decode(column: "team", as: String?.self),
            hint: try row.decode(column: "key_hint", as: String.self),
            allowedModels: models,
            requestsPerMinute: try row.decode(column: "rpm", as: Int64?.self),
            tokensPerMinute: try row.decode(column: "tpm", as: Int64?.self),
            createdAt: Timestamp.date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: revoked.map(Timestamp.date(milliseconds:)), allowedRegions: try regions(row, "regions"),
            cacheTTLSeconds: try row.decode(column: "cache_ttl_seconds", as: Int64?.self),
            maxConcurrent: try row.decode(column: "max_concurrent", as: Int64?.self))
    }

    /// Forgets every cached key, so the next request reads keys and teams afresh.
    func forgetCachedKeys() { cache.withLock { $0.removeAll() } }
}

/// A refused change to organizations, keys or credit.
public struct AccountStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable { case invalid, conflict, notFound }
    let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    public static func notFound(_ what: String) -> AccountStoreError { AccountStoreError(.notFound, what) }
}
