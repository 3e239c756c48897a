import Logging
import SQLKit

/// A numbered schema change. Migrations run in order, each once, each in its own transaction.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Runs a schema's numbered migrations. Each module keeps the migrations of the tables it owns
/// (`LedgerSchema`, `GatewaySchema`) and opens its database with them.
///
/// The SQL is written to mean the same on SQLite and PostgreSQL: `BIGINT` for counts and nano-units,
/// `TEXT` for ids, timestamps as `BIGINT` milliseconds since the Unix epoch.
public enum Migrations {

    /// PostgreSQL advisory-lock key that serializes replicas migrating one database at start-up.
    static let migrationLock: Int64 = 0x746F_6C6C_6761_7465 // "tollgate"

    /// Applies every migration the database has not seen yet.
    ///
    /// Several replicas may start at once on one PostgreSQL database: each step takes a
    /// transaction-scoped advisory lock and rechecks what is applied, so each migration runs once.
    ///
    /// - Throws: `StorageError` when the database was migrated by a newer Tollgate.
    public static func run(_ all: [Migration], on database: Database, logger: Logger) async throws {
        let locked = database.dialect == .postgres
        try await database.transaction(bounded: false) { sql in
            if locked { try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: migrationLock))").run() }
            try await sql.raw("""
                CREATE TABLE IF NOT EXISTS tollgate_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        let applied = try await appliedVersions(database.sql)
        let newest = all.map(\.version).max() ?? 0
        if let unknown = applied.first(where: { $0 > newest }) {
            throw StorageError(.migration, detail: "the database has migration \(unknown), newer than this Tollgate knows (\(newest))")
        }
        for migration in all where !applied.contains(migration.version) {
            try await database.transaction(bounded: false) { sql in
                if locked {
                    try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: migrationLock))").run()
                    // Another replica may have applied it while this one waited for the lock.
                    if try await appliedVersions(sql).contains(migration.version) { return }
                }
                logger.info("migrating database", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in migration.statements {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.raw("""
                    INSERT INTO tollgate_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Timestamp.millisecondsNow()))
                    """).run()
            }
        }
    }

    private static func appliedVersions(_ sql: any SQLDatabase) async throws -> [Int] {
        try await sql.raw("SELECT version FROM tollgate_migrations").all().map { try $0.decode(column: "version", as: Int.self) }
    }
}
