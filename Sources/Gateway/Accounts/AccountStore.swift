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
    private let cache = Mutex<[String: (key: VirtualKey, organization: Organization, expires: ContinuousClock.Instant)]>([:])

    public init(database: Database, cacheLifetime: Duration = .seconds(2)) {
        self.database = database
        self.cacheLifetime = cacheLifetime
    }

    // MARK: Organizations

    public func createOrganization(name: String, currency: Currency) async throws -> Organization {
        guard !name.isEmpty else { throw AccountStoreError(.invalid, "an organization needs a name") }
        if try await organization(named: name) != nil {
            throw AccountStoreError(.conflict, "an organization named '\(name)' already exists")
        }
        let organization = Organization(id: "org_" + TimeOrderedID().description, name: name, currency: currency)
        try await database.write { sql in try await sql.raw("""
            INSERT INTO organizations (id, name, currency, created_at)
            VALUES (\(bind: organization.id), \(bind: name), \(bind: currency.code), \(bind: Timestamp.millisecondsNow()))
            """).run() }
        return organization
    }

    public func organizations() async throws -> [Organization] {
        try await database.sql.raw("SELECT id, name, currency FROM organizations ORDER BY name").all().map(Self.organization(from:))
    }

    public func organization(named nameOrID: String) async throws -> Organization? {
        try await database.sql.raw("""
            SELECT id, name, currency FROM organizations WHERE name = \(bind: nameOrID) OR id = \(bind: nameOrID)
            """).first().map(Self.organization(from:))
    }

    static func organization(from row: any SQLRow) throws -> Organization {
        let code = try row.decode(column: "currency", as: String.self)
        guard let currency = Currency(knownCode: code) else { throw StorageError.corrupt("unknown currency \(code)") }
        return Organization(id: try row.decode(column: "id", as: String.self),
                            name: try row.decode(column: "name", as: String.self), currency: currency)
    }

    // MARK: Keys

    /// Makes a key and returns it with its secret, which is not stored and cannot be shown again.
    public func createKey(for organization: Organization, name: String? = nil, team: String? = nil,
                          allowedModels: [String]? = nil) async throws -> (key: VirtualKey, secret: String) {
        let secret = KeySecret.generate()
        let key = VirtualKey(id: "key_" + TimeOrderedID().description, organizationID: organization.id, name: name,
                             team: team, hint: KeySecret.hint(secret), allowedModels: allowedModels,
                             createdAt: Date(), revokedAt: nil)
        try await database.write { sql in try await sql.raw("""
            INSERT INTO api_keys (id, org_id, name, team, key_hash, key_hint, allowed_models, created_at)
            VALUES (\(bind: key.id), \(bind: organization.id), \(bind: name), \(bind: team), \(bind: KeySecret.hash(secret)),
                    \(bind: key.hint), \(bind: allowedModels?.joined(separator: ",")), \(bind: Timestamp.milliseconds(key.createdAt)))
            """).run() }
        return (key, secret)
    }

    /// The live key for a secret and its organization, or `nil` if unknown or revoked.
    public func authenticate(secret: String) async throws -> (key: VirtualKey, organization: Organization)? {
        let hash = KeySecret.hash(secret)
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[hash] }), cached.expires > now {
            return (cached.key, cached.organization)
        }
        let row = try await database.sql.raw("""
            SELECT k.id, k.org_id, k.name, k.team, k.key_hint, k.allowed_models, k.created_at, k.revoked_at,
                   o.name AS org_name, o.currency
            FROM api_keys k JOIN organizations o ON o.id = k.org_id
            WHERE k.key_hash = \(bind: hash)
            """).first()
        guard let row else {
            cache.withLock { _ = $0.removeValue(forKey: hash) }
            return nil
        }
        let key = try Self.key(from: row)
        guard !key.isRevoked else {
            cache.withLock { _ = $0.removeValue(forKey: hash) }
            return nil
        }
        let code = try row.decode(column: "currency", as: String.self)
        guard let currency = Currency(knownCode: code) else { throw StorageError.corrupt("unknown currency \(code)") }
        let organization = Organization(id: key.organizationID, name: try row.decode(column: "org_name", as: String.self),
                                        currency: currency)
        cache.withLock { $0[hash] = (key, organization, now + cacheLifetime) }
        return (key, organization)
    }

    public func keys(of organization: Organization) async throws -> [VirtualKey] {
        try await database.sql.raw("""
            SELECT id, org_id, name, team, key_hint, allowed_models, created_at, revoked_at
            FROM api_keys WHERE org_id = \(bind: organization.id) ORDER BY created_at
            """).all().map(Self.key(from:))
    }

    /// Revokes a key by id; requests with it are refused from now on.
    /// - Returns: whether a live key was revoked.
    @discardableResult
    public func revokeKey(id: String) async throws -> Bool {
        let revoked = try await database.write { sql in try await sql.raw("""
            UPDATE api_keys SET revoked_at = \(bind: Timestamp.millisecondsNow())
            WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
            """).all() }
        cache.withLock { cache in cache = cache.filter { $0.value.key.id != id } }
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
            createdAt: Timestamp.date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: revoked.map(Timestamp.date(milliseconds:)))
    }

    // MARK: Credit

    /// Adds prepaid credit in the organization's currency.
    public func addCredit(_ amount: Money, to organization: Organization, note: String? = nil) async throws {
        guard amount.currency == organization.currency else {
            throw AccountStoreError(.invalid, "\(organization.name) is billed in \(organization.currency), not \(amount.currency)")
        }
        guard amount.nanos > 0 else { throw AccountStoreError(.invalid, "a credit must be positive") }
        try await database.write { sql in try await sql.raw("""
            INSERT INTO credit_grants (id, org_id, amount_nanos, currency, note, created_at)
            VALUES (\(bind: "cr_" + TimeOrderedID().description), \(bind: organization.id), \(bind: amount.nanos),
                    \(bind: amount.currency.code), \(bind: note), \(bind: Timestamp.millisecondsNow()))
            """).run() }
    }

    /// Credit granted less the cost of recorded requests. (PostgreSQL's SUM of BIGINT is NUMERIC:
    /// the casts keep one integer type on both databases.)
    public func balance(of organization: Organization) async throws -> Money {
        let row = try await database.sql.raw("""
            SELECT (SELECT CAST(COALESCE(SUM(amount_nanos), 0) AS BIGINT) FROM credit_grants
                    WHERE org_id = \(bind: organization.id) AND currency = \(bind: organization.currency.code))
                 - (SELECT CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT) FROM request_records
                    WHERE org_id = \(bind: organization.id) AND currency = \(bind: organization.currency.code)) AS balance
            """).first()
        return Money(nanos: try row?.decode(column: "balance", as: Int64.self) ?? 0, currency: organization.currency)
    }
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
