import Foundation
@_spi(Benchmarks) import Ledger
import Logging
import SQLKit
@_spi(Benchmarks) import Storage
import TollgateCore

/// Transfers per second into the ledger, single and grouped, against a bare INSERT of the same
/// rows into the same database in the same run.
///
///     ledger-bench DATABASE_URL [TRANSFERS] [CLIENTS] [ROUNDS]
///
/// single: one transfer per call and per transaction, one caller after another.
/// grouped: CLIENTS concurrent callers through `GroupCommit`.
/// bare: the same transfer rows, already hashed, INSERTed with no ledger logic, group-sized
/// multi-row INSERTs per transaction (one row per transaction beside single): into an exact copy
/// of `ledger_transfers` (its DDL from the migration: the same keys, indexes and foreign keys —
/// "the same rows into the same database"), and into a table with only its two keys, which shows
/// what the indexes alone cost.
/// Grouped and bare run ROUNDS times, alternating, and the medians are reported: a shared 2-core
/// machine moves single runs by ±10%.
@main
struct LedgerBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: ledger-bench DATABASE_URL [TRANSFERS] [CLIENTS] [ROUNDS]\n".utf8))
            exit(2)
        }
        let url = try DatabaseURL(parsing: arguments[1])
        let count = arguments.count > 2 ? Int(arguments[2])! : 20_000
        let clients = arguments.count > 3 ? Int(arguments[3])! : 256
        let rounds = max(1, arguments.count > 4 ? Int(arguments[4])! : 3)
        var logger = Logger(label: "ledger-bench")
        logger.logLevel = .error
        let database = try await Database.open(url, migrations: [LedgerSchema.migration], logger: logger)
        let store = SQLLedgerStore(database: database)

        let customers = 1_000
        let platform = AccountOwner(.platform, "bench")
        var accounts = [Account(id: "bench:cash", unit: "USD", owner: platform, kind: .asset),
                        Account(id: "bench:revenue", unit: "USD", owner: platform, kind: .revenue)]
        accounts += (0..<customers).map {
            Account(id: "bench:customer:\($0)", unit: "USD", owner: AccountOwner(.organization, "c\($0)"), kind: .liability,
                    flags: .debitsMustNotExceedCredits)
        }
        _ = try await store.createAccounts(accounts)
        _ = try await store.submit((0..<customers).map {
            TransferBatch([.single(debit: "bench:cash", credit: "bench:customer:\($0)", amount: 1_000_000_000_000, code: .topUp)])
        })
        let copy = "bench_copy_transfers", bare = "bench_bare_transfers"
        for table in [copy, bare] { try await database.sql.raw(SQLQueryString("DROP TABLE IF EXISTS \(unsafeRaw: table)")).run() }
        for statement in LedgerSchema.ledgerTransfersCopy(named: copy) { try await database.sql.raw(SQLQueryString(statement)).run() }
        try await database.sql.raw("""
            CREATE TABLE bench_bare_transfers (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, debit_account_id TEXT NOT NULL,
                credit_account_id TEXT NOT NULL, amount BIGINT NOT NULL, phase TEXT NOT NULL, pending_id TEXT, timeout_ms BIGINT,
                timeout_at BIGINT, code TEXT NOT NULL, reference TEXT, created_at BIGINT NOT NULL, hash TEXT NOT NULL)
            """).run()

        var next = 0
        func requests(_ n: Int) -> Range<Int> {
            defer { next += n }
            return next..<next + n
        }
        func request(_ i: Int) -> TransferRequest {
            .single(debit: "bench:customer:\(i % customers)", credit: "bench:revenue", amount: 1_000 + Int64(i % 7),
                    code: .usage, reference: "req-\(i)")
        }
        // Each measured phase starts from a checkpoint, so that none of them pays for the previous
        // phase's dirty pages (PostgreSQL's timed checkpoints otherwise land in one phase or another
        // and move a round by ±20%).
        let postgres = url.description.hasPrefix("postgres")
        func checkpoint() async throws {
            try await database.sql.raw(postgres ? "CHECKPOINT" : "PRAGMA wal_checkpoint(RESTART)").run()
        }
        func insertGroups(_ rows: [Transfer], into table: String) async throws -> Double {
            try await checkpoint()
            let start = ContinuousClock.now
            for chunk in rows.chunked(clients) {
                try await database.transaction { sql in try await SQLLedgerStore.insertBare(Array(chunk), into: table, sql) }
            }
            return rate(rows.count, since: start)
        }

        // single, and the same rows one per transaction
        let singleCount = max(1, count / 10)
        var head = try await store.chainHead().sequence
        var start = ContinuousClock.now
        for i in requests(singleCount) { try await store.submit(request(i)) }
        let single = rate(singleCount, since: start)
        start = ContinuousClock.now
        for row in try await store.transfers(afterSequence: head, limit: singleCount) {
            try await database.transaction { sql in try await SQLLedgerStore.insertBare([row], into: bare, sql) }
        }
        let bareSingle = rate(singleCount, since: start)

        // grouped, then the same rows bare, ROUNDS times; the copy first gets every row the ledger
        // holds so far, so that each round inserts into tables of the same size
        _ = try await insertGroups(try await store.transfers(afterSequence: 0, limit: Int(head) + singleCount), into: copy)
        let group = GroupCommit(store: store)
        var grouped: [Double] = [], copied: [Double] = [], bared: [Double] = []
        for _ in 0..<rounds {
            head = try await store.chainHead().sequence
            let ids = requests(count)
            try await checkpoint()
            start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for client in 0..<clients {
                    tasks.addTask {
                        for i in stride(from: ids.lowerBound + client, to: ids.upperBound, by: clients) {
                            try await group.submit(request(i))
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            grouped.append(rate(count, since: start))
            let rows = try await store.transfers(afterSequence: head, limit: count)
            copied.append(try await insertGroups(rows, into: copy))
            bared.append(try await insertGroups(rows, into: bare))
        }

        // groups handed to the store directly, one after another: the ledger's own cost per group,
        // without the concurrent callers' task switching
        let ids = requests(count)
        try await checkpoint()
        start = ContinuousClock.now
        for chunk in Array(ids).chunked(clients) {
            for result in try await store.submit(chunk.map { TransferBatch([request($0)]) }) { _ = try result.get() }
        }
        let direct = rate(count, since: start)

        _ = try await LedgerVerifier(store: store).verify()
        try await database.close()

        let name = postgres ? "postgresql" : "sqlite"
        let (g, c, b) = (median(grouped), median(copied), median(bared))
        print("Rounds (transfers/s, rows/s): grouped \(grouped.map { Int($0) }), INSERT into the copy \(copied.map { Int($0) }),"
              + " INSERT into the keys-only table \(bared.map { Int($0) })")
        print("Per-round ratio grouped / copy: \(zip(grouped, copied).map { percent($0, $1) }.joined(separator: ", "))")
        print()
        print("| store | mode | transfers/s | INSERT into a copy of ledger_transfers, rows/s | ratio | INSERT into a keys-only table, rows/s | ratio |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        print("| \(name) | single (\(singleCount)) | \(Int(single)) | | | \(Int(bareSingle)) | \(percent(single, bareSingle)) |")
        print("| \(name) | grouped, \(clients) clients (median of \(rounds) × \(count)) | \(Int(g)) | \(Int(c)) | \(percent(g, c))"
              + " | \(Int(b)) | \(percent(g, b)) |")
        print("| \(name) | groups of \(clients) straight to the store (\(count)) | \(Int(direct)) | \(Int(c)) | \(percent(direct, c))"
              + " | \(Int(b)) | \(percent(direct, b)) |")
    }

    static func rate(_ count: Int, since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / seconds
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func percent(_ a: Double, _ b: Double) -> String { "\(Int((a / b * 100).rounded()))%" }
}
