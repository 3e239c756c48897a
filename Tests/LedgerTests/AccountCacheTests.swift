import Ledger
import SQLKit
import Storage
import Testing
import TollgateCore

/// A store keeps the accounts it wrote between writes; another writer, or a rollback, must never
/// let it act on stale counters.
@Suite struct AccountCacheTests {
    @Test(arguments: Backend.allCases)
    func aWriteByAnotherStoreOrARollbackIsNeverMissed(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 100)
            let other = SQLLedgerStore(database: f.database, now: { f.clock.now() })  // another process, as far as the cache knows
            try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 10, code: .usage))  // cached: 90 left
            try await other.submit(.single(debit: a.customer, credit: a.revenue, amount: 85, code: .usage))    // 5 left
            await #expect(throws: TransferError.self) {
                try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 6, code: .usage))
            }
            try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 5, code: .usage))
            #expect(try await f.account(a.customer).available == 0)

            // A write inside a transaction that then rolls back leaves the counters as they were.
            try await f.store.submit(.single(debit: a.funding, credit: a.customer, amount: 50, code: .topUp))
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await f.database.transaction { sql in
                    _ = try await f.store.submit([TransferBatch([.single(debit: a.customer, credit: a.revenue, amount: 50, code: .usage)])], in: sql)
                    throw Abort()
                }
            }
            try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 50, code: .usage))
            #expect(try await f.account(a.customer).available == 0)
            _ = try await LedgerVerifier(store: f.store).verify()
        }
    }
}
