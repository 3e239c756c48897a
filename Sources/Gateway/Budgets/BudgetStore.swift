import SQLKit
import Storage
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Budgets in the database, with each organization's list cached for the request path.
///
/// A change made through this store is seen at once in this process; one made by another process
/// within `cacheLifetime`. Budgets do not change in place: replacing one is deleting it and
/// creating another, so a period's allowance in the ledger always matches its budget.
public final class BudgetStore: Sendable {
    public let database: Database
    public let cacheLifetime: Duration
    private let cache = Mutex<[String: (budgets: [Budget], expires: Duration)]>([:])
    private let clock: any TimeSource

    public init(database: Database, cacheLifetime: Duration = .seconds(2), clock: any TimeSource = SystemTimeSource()) {
        self.clock = clock
        self.database = database
        self.cacheLifetime = cacheLifetime
    }

    public func create(_ budget: Budget) async throws {
        guard budget.amount.nanos > 0 else { throw AccountStoreError(.invalid, "a budget's amount must be positive") }
        guard !budget.subject.isEmpty else { throw AccountStoreError(.invalid, "a \(budget.scope.rawValue) budget needs a subject") }
        guard budget.thresholds.allSatisfy({ (1...1000).contains($0) }) else {
            throw AccountStoreError(.invalid, "thresholds are percentages from 1 to 1000")
        }
        try await database.write { sql in try await sql.raw("""
            INSERT INTO budgets (id, org_id, scope, subject, amount_nanos, currency, period, hard, thresholds, webhook_url, created_at)
            VALUES (\(bind: budget.id), \(bind: budget.organizationID), \(bind: budget.scope.rawValue), \(bind: budget.subject),
                    \(bind: budget.amount.nanos), \(bind: budget.amount.currency.code), \(bind: budget.period.rawValue),
                    \(bind: budget.hard ? 1 : 0), \(bind: budget.thresholds.map(String.init).joined(separator: ",")),
                    \(bind: budget.webhookURL), \(bind: Timestamp.milliseconds(budget.createdAt)))
            """).run() }
        cache.withLock { _ = $0.removeValue(forKey: budget.organizationID) }
    }

    /// Deletes a budget; returns whether a live one was deleted.
    @discardableResult
    public func delete(id: String) async throws -> Bool {
        let rows = try await database.write { sql in try await sql.raw("""
            UPDATE budgets SET deleted_at = \(bind: Timestamp.milliseconds(clock.date())) WHERE id = \(bind: id) AND deleted_at IS NULL
            RETURNING org_id
            """).all() }
        for row in rows {
            let organization = try row.decode(column: "org_id", as: String.self)
            cache.withLock { _ = $0.removeValue(forKey: organization) }
        }
        return !rows.isEmpty
    }

    /// The live budgets of an organization, oldest first.
    public func budgets(of organizationID: String) async throws -> [Budget] {
        let now = clock.now()
        if let cached = cache.withLock({ $0[organizationID] }), cached.expires > now { return cached.budgets }
        let budgets = try await database.sql.raw("""
            SELECT * FROM budgets WHERE org_id = \(bind: organizationID) AND deleted_at IS NULL ORDER BY created_at, id
            """).all().map(Self.budget(from:))
        cache.withLock { $0[organizationID] = (budgets, now + cacheLifetime) }
        return budgets
    }

    /// Every live budget of every organization.
    public func all() async throws -> [Budget] {
        try await database.sql.raw("SELECT * FROM budgets WHERE deleted_at IS NULL ORDER BY org_id, created_at, id").all()
            .map(Self.budget(from:))
    }

    public func budget(id: String) async throws -> Budget? {
        try await database.sql.raw("SELECT * FROM budgets WHERE id = \(bind: id) AND deleted_at IS NULL").first().map(Self.budget(from:))
    }

    static func budget(from row: any SQLRow) throws -> Budget {
        let code = try row.decode(column: "currency", as: String.self)
        guard let currency = Currency(knownCode: code) else { throw StorageError.corrupt("unknown currency \(code)") }
        let scope = try row.decode(column: "scope", as: String.self)
        let period = try row.decode(column: "period", as: String.self)
        guard let scope = Budget.Scope(rawValue: scope), let period = Budget.Period(rawValue: period) else {
            throw StorageError.corrupt("budget with scope \(scope), period \(period)")
        }
        return Budget(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "org_id", as: String.self),
            scope: scope, subject: try row.decode(column: "subject", as: String.self),
            amount: Money(nanos: try row.decode(column: "amount_nanos", as: Int64.self), currency: currency),
            period: period, hard: try row.decode(column: "hard", as: Int.self) != 0,
            thresholds: try row.decode(column: "thresholds", as: String.self).split(separator: ",").compactMap { Int($0) },
            webhookURL: try row.decode(column: "webhook_url", as: String?.self),
            createdAt: Timestamp.date(milliseconds: try row.decode(column: "created_at", as: Int64.self)))
    }
}
