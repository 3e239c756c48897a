import Ledger
import SQLKit
import Storage
import Testing

/// PostgreSQL specifics. Without `TOLLGATE_TEST_POSTGRES` this suite shows as skipped, and the
/// PostgreSQL cases of the parameterized suites are cancelled.
@Suite(.enabled(if: Backend.postgresURL != nil, "PostgreSQL tests skipped: TOLLGATE_TEST_POSTGRES is unset (scripts/test sets it)"))
struct PostgresStoreTests {
    @Test func aPostgresURLOpensAPooledDatabaseWithTheLedgerSchema() async throws {
        try await LedgerFixture.with(.postgres) { f in
            #expect(f.database.dialect == .postgres)
            let versions = try await f.database.sql.raw("SELECT version FROM tollgate_migrations ORDER BY version").all()
                .map { try $0.decode(column: "version", as: Int.self) }
            #expect(versions == [LedgerSchema.migration.version])
            let head = try await f.store.chainHead()
            #expect(head.sequence == 0)
        }
    }

    @Test func aFailedTransactionRollsBackAndReturnsItsConnection() async throws {
        try await LedgerFixture.with(.postgres) { f in
            struct Refusal: Error {}
            for _ in 0..<40 {  // more than the pool's 16 connections: a leaked one would hang here
                await #expect(throws: Refusal.self) {
                    try await f.database.transaction { sql in
                        try await sql.raw("UPDATE ledger_chain SET seq = 99 WHERE id = 1").run()
                        throw Refusal()
                    }
                }
            }
            let head = try await f.store.chainHead()
            #expect(head.sequence == 0)
        }
    }
}
