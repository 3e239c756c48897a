import Foundation
import Ledger
import Logging
import PostgresNIO
import SQLKit
import Storage
import Synchronization
import Testing
import TollgateCore
import TollgateTesting

/// The stores every conformance test runs against.
typealias Backend = TestBackend

/// A clock the test moves by hand, so expiry needs no sleeping.
final class ManualClock: Sendable {
    private let millis: Mutex<Int64>
    init(_ start: Int64 = 1_800_000_000_000) { millis = Mutex(start) }
    func now() -> Int64 { millis.withLock { $0 } }
    func advance(milliseconds: Int64) { millis.withLock { $0 += milliseconds } }
}

/// A fresh, isolated ledger: a new SQLite file, or a new PostgreSQL database on the test server.
struct LedgerFixture: Sendable {
    let backend: Backend
    let url: DatabaseURL
    let database: Database
    let clock: ManualClock
    let store: SQLLedgerStore
    private let cleanup: @Sendable () async -> Void

    static let logger: Logger = {
        var logger = Logger(label: "ledger-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` against a fresh ledger and removes it afterwards. On PostgreSQL without
    /// `TOLLGATE_TEST_POSTGRES` the test is cancelled (reported as skipped), never silently passed.
    static func with<R: Sendable>(_ backend: Backend, clock: ManualClock = ManualClock(),
                                  _ body: (LedgerFixture) async throws -> R) async throws -> R {
        let (url, cleanup) = try await makeDatabase(backend)
        let database = try await Database.open(url, migrations: [LedgerSchema.migration], logger: logger)
        let fixture = LedgerFixture(backend: backend, url: url, database: database, clock: clock,
                                    store: SQLLedgerStore(database: database, now: clock.now), cleanup: cleanup)
        do {
            let result = try await body(fixture)
            try await database.close()
            await cleanup()
            return result
        } catch {
            try? await database.close()
            await cleanup()
            throw error
        }
    }

    /// A new empty database and how to remove it.
    static func makeDatabase(_ backend: Backend) async throws -> (DatabaseURL, @Sendable () async -> Void) {
        try await TestDatabase.make(backend, logger: logger)
    }

    static func adminQuery(_ url: String, _ statement: String) async throws {
        try await TestDatabase.adminQuery(url, statement, logger: logger)
    }

    // MARK: Shorthands for the tests

    static let usd = "USD"

    /// A customer's prepaid USD credit (a liability that may not go negative) and the platform's
    /// funding and revenue accounts.
    @discardableResult
    func standardAccounts(prepaid: Int64 = 0) async throws -> (customer: String, funding: String, revenue: String) {
        try await store.createAccounts([
            Account(id: "org:acme:usd", unit: "USD", owner: AccountOwner(.organization, "acme"), kind: .liability,
                    flags: .debitsMustNotExceedCredits, priority: PrepaidFunds.paidCreditPriority),
            Account(id: "platform:cash:usd", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .asset),
            Account(id: "platform:revenue:usd", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .revenue),
        ])
        if prepaid > 0 {
            try await store.submit(.single(debit: "platform:cash:usd", credit: "org:acme:usd", amount: prepaid, code: .topUp))
        }
        return ("org:acme:usd", "platform:cash:usd", "platform:revenue:usd")
    }

    func account(_ id: String) async throws -> Account {
        try #require(try await store.account(id: id))
    }

    /// Runs raw SQL against the fixture's database (to tamper with it in verify tests).
    func execute(_ statement: String) async throws {
        try await database.sql.raw(SQLQueryString(statement)).run()
    }
}
