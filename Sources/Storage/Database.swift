import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import TollgateCore
import ServiceLifecycle
import Synchronization

/// Tollgate's database: one SQL interface (SQLKit) over SQLite or PostgreSQL.
///
/// Callers write SQL once against `sql`; `dialect` is there for the few statements that differ.
/// SQLite has a single connection for all statements (and a second one that only checkpoints the
/// WAL) and one writer at a time, so `transaction` serializes writers through an async lock rather
/// than letting two `BEGIN`s interleave on one connection.
public final class Database: Sendable {
    public enum Dialect: Sendable { case sqlite, postgres }

    public let url: DatabaseURL
    public let dialect: Dialect
    /// Runs a single statement. Multi-statement work goes through `transaction`.
    public let sql: any SQLDatabase
    private let closer: @Sendable () async throws -> Void
    private let writeLock = AsyncLock()
    /// The pool, on PostgreSQL: a transaction leases one of its connections.
    private let postgres: PostgresClient?
    /// Bounds the waits on `postgres`.
    private let watchdog: PostgresWatchdog
    /// The WAL index's guard, on a SQLite file: told when a transaction begins and ends.
    private let walIndex: WALIndexGuard?

    private init(url: DatabaseURL, dialect: Dialect, sql: any SQLDatabase, postgres: PostgresClient? = nil,
                 watchdog: PostgresWatchdog = PostgresWatchdog(), walIndex: WALIndexGuard? = nil,
                 closer: @escaping @Sendable () async throws -> Void) {
        self.url = url
        self.dialect = dialect
        self.sql = sql
        self.postgres = postgres
        self.watchdog = watchdog
        self.walIndex = walIndex
        self.closer = closer
    }

    /// Opens the database and brings its schema up to date.
    /// - Parameter migrations: the schema: the migrations of every table the caller uses
    ///   (`GatewaySchema.migrations`, `[LedgerSchema.migration]`).
    public static func open(_ url: DatabaseURL, migrations: [Migration], logger: Logger) async throws -> Database {
        switch url {
        case .sqlite(let path):
            let storage: SQLiteConnection.Storage = path == ":memory:" ? .memory : .file(path: path)
            let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
            let raw = connection.sql(queryLogLevel: .trace)
            // Set once the checkpointer runs (file databases); closed before the main connection.
            let checkpointer = CheckpointerBox()
            let database: Database
            do {
                // First, so that another process opening the same file waits instead of failing.
                try await raw.raw("PRAGMA busy_timeout=5000").run()
                var sql = raw
                var walIndex: WALIndexGuard?
                if path != ":memory:" {
                    // WAL lets readers proceed while one writer commits; NORMAL sync is durable in
                    // WAL except for the last transactions on power loss, never corrupting.
                    try await raw.raw("PRAGMA journal_mode=WAL").run()
                    try await raw.raw("PRAGMA synchronous=NORMAL").run()
                    // 64 MiB of page cache instead of SQLite's 2 MiB: the ledger's indexes outgrow the
                    // default within a few hundred thousand transfers, and every write then reads pages back.
                    try await raw.raw("PRAGMA cache_size=-65536").run()
                    // The WAL is copied back by the checkpointer's own connection (below), not by
                    // whichever commit crosses 1,000 pages: that commit used to stall for the copy
                    // (a 10 ms p99 of metered requests became 25 ms with a larger threshold).
                    // SQLite starts the WAL over only when a write begins after a checkpoint that
                    // copied every frame; under unbroken group commits one always lands during the
                    // background checkpoint, so then this threshold is what resets the WAL (a cheap
                    // checkpoint by then: the frames are already copied). The file stays under
                    // about 64 MiB.
                    try await raw.raw("PRAGMA wal_autocheckpoint=16384").run()
                    // Statement journals (a multi-row statement's undo, inside a transaction) in memory
                    // rather than in temporary files.
                    try await raw.raw("PRAGMA temp_store=MEMORY").run()
                    // A read maps the WAL index, which the guard then watches (when the file system
                    // has no shared memory, SQLite stays in its rollback journal: no index to guard).
                    try await raw.raw("SELECT count(*) FROM sqlite_master").run()
                    let mode = try await raw.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
                    if mode?.lowercased() == "wal" {
                        let guarded = try WALIndexGuard(databasePath: path, logger: logger)
                        walIndex = guarded
                        sql = GuardedSQLiteDatabase(base: raw, walIndex: guarded)
                    }
                }
                try await sql.raw("PRAGMA foreign_keys=ON").run()
                let index = walIndex
                database = Database(url: url, dialect: .sqlite, sql: sql, walIndex: walIndex) {
                    // The main connection closes even if the checkpointer's close fails.
                    var failure: (any Error)?
                    do { try await checkpointer.stop() } catch { failure = error }
                    // Closing checkpoints through the index: never with pages of it missing.
                    try index?.restoredCount()
                    try await connection.close()
                    if let failure { throw failure }
                }
                try await Migrations.run(migrations, on: database, logger: logger)
                if let walIndex { try await checkpointer.start(storage: storage, walIndex: walIndex, logger: logger) }
            } catch {
                try? await checkpointer.stop()
                try? await connection.close()
                throw error
            }
            return database
        case .postgres(let text):
            let client = try PostgresPoolDatabase.makeClient(url: text, logger: logger)
            // The pool runs until `close` cancels it; every lease waits for it to be running.
            let runner = Task { await client.run() }
            let watchdog = PostgresWatchdog()
            watchdog.start()
            let database = Database(url: url, dialect: .postgres, sql: PostgresPoolDatabase(client: client, watchdog: watchdog, logger: logger),
                                    postgres: client, watchdog: watchdog) {
                watchdog.stop()
                runner.cancel()
                // The pool waits for its connections to close; one stuck on a dropped server can
                // keep it from ever finishing, and the process must still exit.
                if await !Self.finishes(runner, within: .seconds(5)) {
                    logger.warning("the PostgreSQL pool did not close within 5 seconds; leaving it")
                }
            }
            do {
                try await Migrations.run(migrations, on: database, logger: logger)
            } catch {
                try? await database.close()
                throw error
            }
            return database
        }
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    ///
    /// On PostgreSQL the body runs on one pooled connection, so many transactions proceed at once;
    /// the body takes whatever row locks its invariants need. On SQLite transactions run one at a time.
    /// - Parameter bounded: whether the work is bounded by the watchdog's deadline on PostgreSQL
    ///   (false for work that takes as long as it takes: migrations).
    public func transaction<R: Sendable>(bounded: Bool = true, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if let postgres {
            return try await watchdog.run(on: postgres, workTimeout: bounded ? PostgresWatchdog.workTimeout : nil) { connection in
                try await Self.inTransaction(connection.sql(queryLogLevel: .trace), begin: "BEGIN", body)
            }
        }
        return try await sqliteTransaction(body)
    }

    /// A transaction on SQLite's one connection, one at a time; a ROLLBACK owed from a failed one
    /// goes first.
    private func sqliteTransaction<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await writeLock.withLock {
            if walIndex?.takeOwedRollback() == true { try? await sql.raw("ROLLBACK").run() }
            return try await Self.inTransaction(sql, begin: "BEGIN", walIndex: walIndex, body)
        }
    }

    /// Runs `body` between `begin` and COMMIT on one session, rolling back if it throws.
    private static func inTransaction<R: Sendable>(_ sql: any SQLDatabase, begin: String, walIndex: WALIndexGuard? = nil,
                                                   _ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // A cut made before the transaction is restored first; counted from there, a restoration
        // any time after (even while BEGIN runs, by another task's statement) counts against it.
        let restorations = try walIndex?.restoredCount()
        do {
            // Inside: a BEGIN that ran but was failed after (the index cut under it) is rolled back.
            try await sql.raw(SQLQueryString(begin)).run()
            if let restorations { walIndex?.transactionBegan(restorations: restorations) }
            let result = try await body(sql)
            try await sql.execute(sql: CommitStatement()) { _ in }
            walIndex?.transactionEnded()
            return result
        } catch {
            walIndex?.transactionEnded()
            do {
                try await sql.raw("ROLLBACK").run()
            } catch where walIndex != nil {
                // The one SQLite connection must not stay inside a transaction: the next BEGIN
                // sends the rollback first.
                walIndex?.rollbackOwed()
            } catch {}
            throw error
        }
    }

    /// Runs a write that is not a transaction of its own (one statement).
    ///
    /// SQLite has one connection, so a statement sent while another task's transaction is open
    /// would join that transaction — and vanish with its rollback. `write` waits for it instead.
    /// On PostgreSQL each statement has a pooled connection of its own.
    public func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if postgres != nil { return try await body(sql) }
        return try await writeLock.withLock { try await body(sql) }
    }

    /// Runs `body` against one consistent snapshot of the database, for reads that must agree
    /// with each other while writers go on (`tollgate ledger verify`). On PostgreSQL a read-only
    /// REPEATABLE READ transaction on one connection; on SQLite a transaction (writers wait).
    public func snapshot<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // A whole ledger's verification (its one use) takes as long as it takes: not watched.
        guard let postgres else { return try await sqliteTransaction(body) }
        return try await postgres.withConnection { connection in
            try await Self.inTransaction(connection.sql(queryLogLevel: .trace), begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
        }
    }

    /// Whether `task` finishes within `timeout` (if not, it is left running).
    private static func finishes(_ task: Task<Void, Never>, within timeout: Duration) async -> Bool {
        final class FirstAnswer: Sendable {
            let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
            func give(_ answer: Bool) { continuation.withLock { $0.take() }?.resume(returning: answer) }
        }
        let first = FirstAnswer()
        return await withCheckedContinuation { continuation in
            first.continuation.withLock { $0 = continuation }
            Task {
                await task.value
                first.give(true)
            }
            Task {
                try? await Task.sleep(for: timeout)
                first.give(false)
            }
        }
    }

    public func close() async throws {
        try await writeLock.withLock { try await closer() }
    }

    /// How often an open SQLite database's WAL index was found cut short (nil on PostgreSQL, or
    /// when SQLite is not in WAL mode).
    public var walIndexFaults: WALIndexFaults? { walIndex?.faults }
}

/// Keeps the database open while the service group runs and closes it last, after every
/// service started after it (the HTTP server, the record writer) has finished.
public struct DatabaseService: Service {
    public let database: Database

    public init(database: Database) { self.database = database }

    public func run() async throws {
        try? await gracefulShutdown()
        try await database.close()
    }
}

/// Checkpoints a SQLite WAL from a second connection every quarter second, so that copying the
/// WAL back into the database file happens beside the writers instead of inside one of their
/// commits. `PASSIVE` never waits for readers or writers; pages still in use stay for next time.
/// Each quarter second also batches the copies: a page the ledger rewrites in every group commit
/// (an account's counters) is copied once per checkpoint, not once per commit.
final class CheckpointerBox: Sendable {
    private struct Running {
        let connection: SQLiteConnection
        let task: Task<Void, Never>
    }
    private let running = Mutex<Running?>(nil)

    func start(storage: SQLiteConnection.Storage, walIndex: WALIndexGuard, logger: Logger) async throws {
        let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        let sql = connection.sql(queryLogLevel: .trace)
        do {
            try await sql.raw("PRAGMA busy_timeout=5000").run()
        } catch {
            try? await connection.close()
            throw error
        }
        let task = Task {
            var failing = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if Task.isCancelled { break }
                do {
                    let restorations = try walIndex.restoredCount()
                    try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").run()
                    try walIndex.afterStatement(since: restorations)
                    if failing { logger.info("WAL checkpoints work again") }
                    failing = false
                } catch {
                    // Once per run of failures, not four times a second.
                    if !failing { logger.warning("WAL checkpoint failed", metadata: ["error": "\(String(reflecting: error))"]) }
                    failing = true
                }
            }
        }
        running.withLock { $0 = Running(connection: connection, task: task) }
    }

    func stop() async throws {
        guard let current = running.withLock({ value -> Running? in
            defer { value = nil }
            return value
        }) else { return }
        current.task.cancel()
        await current.task.value
        try await current.connection.close()
    }
}
