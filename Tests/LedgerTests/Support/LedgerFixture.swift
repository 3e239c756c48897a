import Foundation
import Ledger
import Logging
import PostgresNIO
import SQLKit
import Storage
import Synchronization
import Testing
import TollgateCore

/// The stores every conformance test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// The server `scripts/test` starts; unset when a developer runs `swift test` alone.
    static let postgresURL = ProcessInfo.processInfo.environment["TOLLGATE_TEST_POSTGRES"]
}

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
        let database = try await Database.open(url, logger: logger)
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
        let name = "tg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(String(name))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return (.sqlite(path: dir.appendingPathComponent("ledger.db").path), {
                try? FileManager.default.removeItem(at: dir)
            })
        case .postgres:
            guard let admin = Backend.postgresURL else {
                try Test.cancel("PostgreSQL tests skipped: TOLLGATE_TEST_POSTGRES is unset (scripts/test sets it)")
            }
            try await adminQuery(admin, "CREATE DATABASE \(name)")
            let url = admin.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(name)", options: .regularExpression)
            return (.postgres(url: url), {
                try? await adminQuery(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            })
        }
    }

    static func adminQuery(_ url: String, _ statement: String) async throws {
        guard let parsed = URLComponents(string: url), let host = parsed.host else { throw CancellationError() }
        let configuration = PostgresConnection.Configuration(
            host: host, port: parsed.port ?? 5432, username: parsed.user ?? "postgres", password: parsed.password,
            database: String(parsed.path.dropFirst()), tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
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
