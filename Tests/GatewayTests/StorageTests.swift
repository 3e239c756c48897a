import Foundation
import Gateway
import Ledger
import Logging
import SQLKit
import Synchronization
import Storage
import Testing
import TollgateCore
import TollgateTesting

@Suite struct StorageTests {
    func withDatabaseFile<R>(_ body: (String) async throws -> R) async throws -> R {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-storage-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        return try await body(path)
    }

    @Test func migrationsRunOnceAndTheFileIsInWALMode() async throws {
        try await withDatabaseFile { path in
            let logger = Logger(label: "test")
            let first = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
            let mode = try await first.sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            #expect(mode == "wal")
            try await first.close()
            let again = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
            let versions = try await again.sql.raw("SELECT version FROM tollgate_migrations").all()
            #expect(versions.count == GatewaySchema.migrations.count)
            try await again.close()
        }
    }

    /// Commits only append to the WAL (the automatic checkpoint is a 16,384-page backstop); the
    /// checkpointer's own connection copies it into the database file within a quarter second or so,
    /// while the database stays open and nobody commits.
    @Test func theWALIsCopiedIntoTheFileInTheBackgroundWithoutACommitWaitingForIt() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
            try await database.sql.raw("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
            // Measured before the rows commit: frames not yet committed are never checkpointed, so a
            // checkpoint running right after the commit still counts.
            let before = size(path)
            try await database.transaction { sql in
                for i in 0..<200 {
                    try await sql.raw("INSERT INTO filler (id, body) VALUES (\(bind: i), \(bind: String(repeating: "x", count: 4_000)))").run()
                }
            }
            // 200 rows of 4 KB: about 800 KB of pages, far below the backstop, written to the WAL.
            #expect(size(path + "-wal") > 800_000)
            var after = size(path)
            for _ in 0..<200 where after < before + 800_000 {
                try await Task.sleep(for: .milliseconds(50))
                after = size(path)
            }
            #expect(after >= before + 800_000, "the database file grew from \(before) to \(after) bytes only")
            try await database.close()
        }
    }

    /// SQLite maps its WAL index (`-shm`) into memory; a file cut shorter under the mapping used to
    /// kill the process with SIGBUS on the next statement. The database restores the file's length
    /// first (SQLite then rebuilds the zeroed index from the WAL), and nothing committed is lost.
    @Test func aWALIndexTruncatedUnderTheDatabaseIsRebuiltInsteadOfCrashingTheProcess() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            try await database.sql.raw("CREATE TABLE kept (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
            // Enough pages in one commit that the WAL index grows past its first 32 KiB region.
            try await database.transaction { sql in
                for i in 0..<6_000 {
                    try await sql.raw("INSERT INTO kept (id, body) VALUES (\(bind: i), \(bind: String(repeating: "x", count: 3_000)))").run()
                }
            }
            func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
            #expect(size(path + "-shm") > 32_768)
            // The checkpointer's connection copies those frames back for a while; a cut landing inside
            // its checkpoint (a statement under way) is the one the guard cannot cover, so the WAL is
            // copied and emptied first, leaving it nothing but no-op quarter-second checks.
            try await database.sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
            for _ in 0..<3 {
                #expect(truncate(path + "-shm", 0) == 0)
                let count = try await database.sql.raw("SELECT count(*) AS n FROM kept").first()?.decode(column: "n", as: Int.self)
                #expect(count == 6_000)
                try await database.transaction { sql in
                    try await sql.raw("UPDATE kept SET body = 'y' WHERE id < 10").run()
                }
                #expect(truncate(path + "-shm", 100) == 0)
                try await database.write { sql in try await sql.raw("INSERT INTO kept (id, body) VALUES (\(bind: Int.random(in: 10_000...1_000_000_000)), 'z')").run() }
                try await database.sql.raw("DELETE FROM kept WHERE id >= 10000").run()
            }
            try await database.close()
            // Reopened, the file holds every committed change.
            let again = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            #expect(try await again.sql.raw("SELECT count(*) AS n FROM kept WHERE body = 'y'").first()?.decode(column: "n", as: Int.self) == 10)
            #expect(try await again.sql.raw("SELECT count(*) AS n FROM kept").first()?.decode(column: "n", as: Int.self) == 6_000)
            #expect(try await again.sql.raw("PRAGMA integrity_check").first()?.decode(column: "integrity_check", as: String.self) == "ok")
            try await again.close()
        }
    }

    @Test func aWALIndexCutShortUnderRunningStatementsIsRepairedAndEveryCommittedChangeSurvives() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            try await database.sql.raw("CREATE TABLE kept (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
            // Transactions of a few dozen pages, so that cuts land inside their statements; a WAL kept
            // small, as SQLite rebuilds the index after each cut by reading all of it.
            let body = String(repeating: "x", count: 1_000)
            // A thread of its own (not the concurrency pool's, which it would block) cuts the index
            // every 5–25 ms until told to stop.
            final class Cutter: @unchecked Sendable {
                let stop = Mutex(false)
                let cuts = Mutex(0)
                let finished = DispatchSemaphore(value: 0)
            }
            let cutter = Cutter()
            Thread.detachNewThread {
                var generator = SplitMix64(seed: 23)
                var round = 0
                while !cutter.stop.withLock({ $0 }) {
                    _ = truncate(path + "-shm", round % 2 == 0 ? 0 : 100)
                    round += 1
                    cutter.cuts.withLock { $0 = round }
                    usleep(UInt32(5_000 + generator.next() % 20_000))
                }
                cutter.finished.signal()
            }
            var committed: [Int] = []
            var refused = 0
            var next = 0
            func insertBatch() async throws {
                let first = next
                next += 50
                try await database.transaction { sql in
                    for id in first..<(first + 50) {
                        try await sql.raw("INSERT INTO kept (id, body) VALUES (\(bind: id), \(bind: body))").run()
                    }
                    _ = try await sql.raw("SELECT count(*) AS n FROM kept").first()
                }
                committed.append(contentsOf: first..<(first + 50))
            }
            let began = ContinuousClock.now
            // Until cuts have landed under running statements several times (with the handler gone,
            // the first of them kills the process), for at most 15 s on a loaded machine.
            while ContinuousClock.now - began < .seconds(15) {
                do {
                    try await insertBatch()
                } catch where StorageError.isDatabaseError(error) {
                    // Refused by the guard, or SQLite read a page through the lost index ("malformed"):
                    // the transaction rolled back, as a gateway's would with a 503.
                    refused += 1
                }
                if (database.walIndexFaults?.underStatements ?? 0) >= 2, cutter.cuts.withLock({ $0 }) >= 20 { break }
            }
            cutter.stop.withLock { $0 = true }
            cutter.finished.wait()
            let faults = try #require(database.walIndexFaults)
            #expect(faults.underStatements >= 1)
            #expect(refused > 0)
            // With the cuts over, transactions go through as before.
            for _ in 0..<5 { try await insertBatch() }
            try await database.close()
            let again = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            #expect(try await again.sql.raw("PRAGMA integrity_check").first()?.decode(column: "integrity_check", as: String.self) == "ok")
            let present = Set(try await again.sql.raw("SELECT id FROM kept").all().map { try $0.decode(column: "id", as: Int.self) })
            #expect(Set(committed).isSubset(of: present))
            // A transaction lands whole or not at all (a transaction refused after its COMMIT's own
            // statement has not committed; a COMMIT that ran over a cut did).
            #expect(present.count % 50 == 0)
            try await again.close()
        }
    }

    /// Replicas share a PostgreSQL database; an embedded SQLite file is opened by one gateway.
    @Test func replicasStartingTogetherOnPostgreSQLMigrateOnce() async throws {
        let logger = Logger(label: "test")
        let (url, remove) = try await TestDatabase.make(.postgres, logger: logger)
        let databases = try await withThrowingTaskGroup(of: Database.self) { group in
            for _ in 0..<4 { group.addTask { try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let versions = try await databases[0].sql.raw("SELECT version FROM tollgate_migrations ORDER BY version").all()
            .map { try $0.decode(column: "version", as: Int.self) }
        #expect(versions == GatewaySchema.migrations.map(\.version))
        for database in databases { try await database.close() }
        await remove()
    }

    @Test func aDatabaseFromANewerTollgateIsRefused() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            try await database.sql.raw("INSERT INTO tollgate_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run()
            try await database.close()
            await #expect(throws: StorageError.self) { try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test")) }
        }
    }

    @Test func databaseURLsAreReadAsDocumented() throws {
        #expect(try DatabaseURL(parsing: "sqlite:tollgate.db") == .sqlite(path: "tollgate.db"))
        #expect(try DatabaseURL(parsing: "sqlite:///var/lib/t.db") == .sqlite(path: "/var/lib/t.db"))
        #expect(try DatabaseURL(parsing: "postgres://u@h:5432/db") == .postgres(url: "postgres://u@h:5432/db"))
        #expect(throws: StorageError.self) { try DatabaseURL(parsing: "mysql://x") }
        #expect(throws: StorageError.self) { try DatabaseURL(parsing: "sqlite:") }
    }

    @Test func keysAreStoredOnlyAsHashesAndRevokesAreImmediate() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            let accounts = AccountStore(database: database, cacheLifetime: .seconds(60))
            let organization = try await accounts.createOrganization(name: "acme", currency: .usd)
            let (key, secret) = try await accounts.createKey(for: organization, team: "search")
            #expect(secret.hasPrefix("tg-"))
            #expect(secret.count == 46)
            let stored = try await database.sql.raw("SELECT key_hash FROM api_keys").all()
                .map { try $0.decode(column: "key_hash", as: String.self) }
            #expect(stored == [KeySecret.hash(secret)])
            let dump = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
            #expect(dump.range(of: Data(secret.utf8)) == nil)
            #expect(try await accounts.authenticate(secret: secret)?.key.team == "search")
            try await accounts.revokeKey(id: key.id)
            #expect(try await accounts.authenticate(secret: secret) == nil)
            #expect(KeySecret.generate() != KeySecret.generate())
            try await database.close()
        }
    }

    @Test func aRevokeMadeWhileAnotherTransactionIsOpenSurvivesItsRollback() async throws {
        struct Abort: Error {}
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            let accounts = AccountStore(database: database, cacheLifetime: .zero)
            let organization = try await accounts.createOrganization(name: "acme", currency: .usd)
            let (key, secret) = try await accounts.createKey(for: organization)
            let (started, opened) = AsyncStream<Void>.makeStream()
            let failing = Task {
                try? await database.transaction { sql in
                    opened.yield()
                    try await Task.sleep(for: .milliseconds(200))
                    throw Abort()
                }
            }
            for await _ in started { break }
            try await accounts.revokeKey(id: key.id)
            await failing.value
            #expect(try await accounts.authenticate(secret: secret) == nil)
            try await database.close()
        }
    }

    @Test func creditFromBeforeTheLedgerIsMovedOntoItOnceAsTheNetBalance() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            let accounts = AccountStore(database: database)
            let acme = try await accounts.createOrganization(name: "acme", currency: .cny)
            let spent = try await accounts.createOrganization(name: "spent", currency: .usd)
            // As the gateway kept it before: grants, less the cost of recorded requests.
            for (id, org, nanos, currency) in [("cr_1", acme.id, 100_000_000_000, "CNY"), ("cr_2", acme.id, 5_000_000_000, "CNY"),
                                               ("cr_3", spent.id, 1_000_000_000, "USD")] as [(String, String, Int64, String)] {
                try await database.write { sql in try await sql.raw("""
                    INSERT INTO credit_grants (id, org_id, amount_nanos, currency, created_at)
                    VALUES (\(bind: id), \(bind: org), \(bind: nanos), \(bind: currency), 0)
                    """).run() }
            }
            try await RequestRecordStore(database: database).insert([
                RequestRecord(id: "r1", organizationID: acme.id, status: 200, cost: try Money(decimal: "1.250000001", currency: .cny)),
                RequestRecord(id: "r2", organizationID: spent.id, status: 200, cost: try Money(decimal: "2", currency: .usd)),
            ])
            #expect(try await accounts.importCreditFromBeforeTheLedger() == 1)
            #expect(try await accounts.importCreditFromBeforeTheLedger() == 0)
            #expect(try await accounts.balance(of: acme).description == "103.749999999 CNY")
            #expect(try await accounts.balance(of: spent).nanos == 0)
            #expect(try await LedgerVerifier(store: accounts.ledger).verify().pendingOpen == 0)
            try await database.close()
        }
    }

    @Test func creditIsKeptOnTheLedgerGrantedBeforePaidAndExpiringApart() async throws {
        try await withDatabaseFile { path in
            let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            let accounts = AccountStore(database: database)
            let organization = try await accounts.createOrganization(name: "acme", currency: .cny)
            try await accounts.addCredit(try Money(decimal: "100", currency: .cny), to: organization, kind: .paid)
            try await accounts.addCredit(try Money(decimal: "0.000000001", currency: .cny), to: organization)
            try await accounts.addCredit(try Money(decimal: "5", currency: .cny), to: organization,
                                         expiresAt: Date().addingTimeInterval(3600))
            await #expect(throws: AccountStoreError.self) { try await accounts.addCredit(Money(nanos: 5, currency: .usd), to: organization) }
            await #expect(throws: AccountStoreError.self) {
                try await accounts.addCredit(Money(nanos: 5, currency: .cny), to: organization, expiresAt: Date().addingTimeInterval(-1))
            }
            #expect(try await accounts.balance(of: organization).description == "105.000000001 CNY")
            let funds = try await accounts.funds(of: organization)
            #expect(funds.map(\.available) == [1, 5_000_000_000, 100_000_000_000])
            #expect(funds[1].expiresAt != nil)
            #expect(try await LedgerVerifier(store: accounts.ledger).verify().pendingOpen == 0)
            try await database.close()
        }
    }
}
