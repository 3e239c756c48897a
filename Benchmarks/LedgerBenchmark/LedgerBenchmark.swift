import Foundation
@_spi(Benchmarks) import Ledger
import Logging
import SQLKit
import Storage
import TollgateCore

/// Transfers per second into the ledger, single and grouped, against a bare INSERT of the same
/// rows into the same database in the same run.
///
///     ledger-bench DATABASE_URL [TRANSFERS] [CLIENTS]
///
/// single: one transfer per call and per transaction, one caller after another.
/// grouped: CLIENTS concurrent callers through `GroupCommit`.
/// bare: the same transfer rows, already hashed, INSERTed into a table shaped like
/// `ledger_transfers` with no ledger logic: one row per transaction (beside single) and
/// group-sized multi-row INSERTs per transaction (beside grouped). Twice: into a table with only
/// its keys, and into one with the ledger table's own indexes and foreign keys, which separates
/// what the ledger's logic costs from what storing a transfer row costs.
@main
struct LedgerBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: ledger-bench DATABASE_URL [TRANSFERS] [CLIENTS]\n".utf8))
            exit(2)
        }
        let url = try DatabaseURL(parsing: arguments[1])
        let count = arguments.count > 2 ? Int(arguments[2])! : 20_000
        let clients = arguments.count > 3 ? Int(arguments[3])! : 256
        var logger = Logger(label: "ledger-bench")
        logger.logLevel = .error
        let database = try await Database.open(url, logger: logger)
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
        try await database.sql.raw("DROP TABLE IF EXISTS bench_bare_transfers").run()
        try await database.sql.raw("DROP TABLE IF EXISTS bench_indexed_transfers").run()
        try await database.sql.raw("""
            CREATE TABLE bench_indexed_transfers (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE,
                debit_account_id TEXT NOT NULL REFERENCES ledger_accounts(id), credit_account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
                amount BIGINT NOT NULL CHECK (amount > 0), phase TEXT NOT NULL, pending_id TEXT, timeout_ms BIGINT,
                timeout_at BIGINT, code TEXT NOT NULL, reference TEXT, created_at BIGINT NOT NULL, hash TEXT NOT NULL)
            """).run()
        for index in ["CREATE UNIQUE INDEX bench_indexed_resolution ON bench_indexed_transfers(pending_id)",
                      "CREATE INDEX bench_indexed_debit ON bench_indexed_transfers(debit_account_id, created_at)",
                      "CREATE INDEX bench_indexed_credit ON bench_indexed_transfers(credit_account_id, created_at)",
                      "CREATE INDEX bench_indexed_timeout ON bench_indexed_transfers(timeout_at) WHERE timeout_at IS NOT NULL"] {
            try await database.sql.raw(SQLQueryString(index)).run()
        }
        try await database.sql.raw("""
            CREATE TABLE bench_bare_transfers (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, debit_account_id TEXT NOT NULL,
                credit_account_id TEXT NOT NULL, amount BIGINT NOT NULL, phase TEXT NOT NULL, pending_id TEXT, timeout_ms BIGINT,
                timeout_at BIGINT, code TEXT NOT NULL, reference TEXT, created_at BIGINT NOT NULL, hash TEXT NOT NULL)
            """).run()

        func request(_ i: Int) -> TransferRequest {
            .single(debit: "bench:customer:\(i % customers)", credit: "bench:revenue", amount: 1_000 + Int64(i % 7),
                    code: .usage, reference: "req-\(i)")
        }

        // single
        let singleCount = max(1, count / 10)
        var start = ContinuousClock.now
        for i in 0..<singleCount { try await store.submit(request(i)) }
        let single = rate(singleCount, since: start)

        // grouped
        let group = GroupCommit(store: store)
        let base = singleCount
        start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for client in 0..<clients {
                tasks.addTask {
                    var i = client
                    while i < count {
                        try await group.submit(request(base + i))
                        i += clients
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let grouped = rate(count, since: start)

        // groups handed to the store directly, one after another: the ledger's own cost per group,
        // without the concurrent callers' task switching
        let directBase = base + count
        start = ContinuousClock.now
        for first in stride(from: 0, to: count, by: clients) {
            let batches = (first..<min(first + clients, count)).map { TransferBatch([request(directBase + $0)]) }
            for result in try await store.submit(batches) { _ = try result.get() }
        }
        let direct = rate(count, since: start)

        // bare INSERT of the rows just recorded
        let rows = try await store.transfers(afterSequence: Int64(customers), limit: count + singleCount)
        start = ContinuousClock.now
        for row in rows.prefix(singleCount) {
            try await database.transaction { sql in try await SQLLedgerStore.insertBare([row], into: "bench_bare_transfers", sql) }
        }
        let bareSingle = rate(singleCount, since: start)
        try await database.sql.raw("DELETE FROM bench_bare_transfers").run()
        let groupedRows = Array(rows.dropFirst(singleCount))
        start = ContinuousClock.now
        for chunk in stride(from: 0, to: groupedRows.count, by: clients).map({ groupedRows[$0..<min($0 + clients, groupedRows.count)] }) {
            try await database.transaction { sql in try await SQLLedgerStore.insertBare(Array(chunk), into: "bench_bare_transfers", sql) }
        }
        let bareGrouped = rate(groupedRows.count, since: start)
        start = ContinuousClock.now
        for chunk in stride(from: 0, to: groupedRows.count, by: clients).map({ groupedRows[$0..<min($0 + clients, groupedRows.count)] }) {
            try await database.transaction { sql in try await SQLLedgerStore.insertBare(Array(chunk), into: "bench_indexed_transfers", sql) }
        }
        let indexedGrouped = rate(groupedRows.count, since: start)

        _ = try await LedgerVerifier(store: store).verify()
        try await database.close()

        let name = url.description.hasPrefix("postgres") ? "postgresql" : "sqlite"
        print("| store | mode | transfers | transfers/s | bare INSERT rows/s | ratio | INSERT with the ledger's indexes rows/s | ratio |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        print("| \(name) | single | \(singleCount) | \(Int(single)) | \(Int(bareSingle)) | \(percent(single, bareSingle)) | | |")
        print("| \(name) | grouped (\(clients) clients) | \(count) | \(Int(grouped)) | \(Int(bareGrouped)) | \(percent(grouped, bareGrouped))"
              + " | \(Int(indexedGrouped)) | \(percent(grouped, indexedGrouped)) |")
        print("| \(name) | groups of \(clients) straight to the store | \(count) | \(Int(direct)) | \(Int(bareGrouped)) | \(percent(direct, bareGrouped))"
              + " | \(Int(indexedGrouped)) | \(percent(direct, indexedGrouped)) |")
    }

    static func rate(_ count: Int, since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / seconds
    }

    static func percent(_ a: Double, _ b: Double) -> String { "\(Int((a / b * 100).rounded()))%" }
}
