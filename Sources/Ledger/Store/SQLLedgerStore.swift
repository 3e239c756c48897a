import Logging
import SQLKit
import Storage
import TollgateCore

/// The ledger in Tollgate's database, SQLite or PostgreSQL, with the same SQL on both except how
/// lists of values are bound: on PostgreSQL the accounts and transfers looked up by id and the
/// counters written back go as arrays (`= ANY($1)`, `unnest`), one parameter per column instead of
/// one per row, which made grouped writes 16% faster there.
///
/// Every write transaction first locks the one row of `ledger_chain` (an `UPDATE`, which takes a
/// row lock on PostgreSQL and the write lock on SQLite). That orders the hash chain and makes the
/// read-check-write of account limits safe across connections and processes: no two ledger writes
/// interleave, so a reservation checked against an account's counters cannot race another.
/// Throughput comes from group commit (`GroupCommit`), many transfers per transaction.
public struct SQLLedgerStore: LedgerStore {
    public let database: Database
    private let clock: @Sendable () -> Int64
    /// Inside `withSnapshot`, the snapshot's connection; reads go to it instead of the pool.
    private let snapshotReader: (any SQLDatabase)?
    private var reader: any SQLDatabase { snapshotReader ?? database.sql }
    /// The accounts this store last wrote, valid while the chain head is the one it wrote.
    private let cache = AccountCache()

    /// - Parameter now: the clock, milliseconds since the epoch (tests inject their own).
    public init(database: Database, now: @escaping @Sendable () -> Int64 = { Timestamp.millisecondsNow() }) {
        self.database = database
        self.clock = now
        self.snapshotReader = nil
    }

    private init(database: Database, clock: @escaping @Sendable () -> Int64, reader: any SQLDatabase) {
        self.database = database
        self.clock = clock
        self.snapshotReader = reader
    }

    public func withSnapshot<R: Sendable>(_ body: @Sendable (any LedgerStore) async throws -> R) async throws -> R {
        let (database, clock) = (database, clock)
        return try await database.snapshot { sql in
            try await body(SQLLedgerStore(database: database, clock: clock, reader: sql))
        }
    }

    public func now() -> Int64 { clock() }

    @discardableResult
    public func createAccounts(_ accounts: [Account]) async throws -> [Account] {
        for account in accounts {
            if account.id.isEmpty { throw AccountError.invalid("the id is empty", id: account.id) }
            if account.unit.isEmpty { throw AccountError.invalid("the unit is empty", id: account.id) }
            if account.flags.contains([.debitsMustNotExceedCredits, .creditsMustNotExceedDebits]) {
                throw AccountError.invalid("both limit flags are set, so nothing could ever move", id: account.id)
            }
        }
        let now = clock()
        return try await database.transaction { sql in
            try await Self.lockChain(sql)
            let existing = try await Self.loadAccounts(Set(accounts.map(\.id)), sql)
            var results: [Account] = []
            var created: [String: Account] = [:]
            for account in accounts {
                if let found = existing[account.id] ?? created[account.id] {
                    if let field = found.differingField(from: account) {
                        throw AccountError.existsWithDifferent(field, id: account.id)
                    }
                    results.append(found)
                    continue
                }
                var fresh = account
                (fresh.debitsPending, fresh.debitsPosted, fresh.creditsPending, fresh.creditsPosted) = (0, 0, 0, 0)
                fresh.createdAt = now
                try await sql.raw("""
                    INSERT INTO ledger_accounts (id, unit, owner_kind, owner_id, kind, flags, priority, expires_at, model,
                        debits_pending, debits_posted, credits_pending, credits_posted, created_at)
                    VALUES (\(bind: fresh.id), \(bind: fresh.unit), \(bind: fresh.owner.kind.rawValue), \(bind: fresh.owner.id),
                        \(bind: fresh.kind.rawValue), \(bind: fresh.flags.rawValue), \(bind: fresh.priority),
                        \(Self.bind(fresh.expiresAt)), \(Self.bind(fresh.model)), 0, 0, 0, 0, \(bind: now))
                    """).run()
                created[fresh.id] = fresh
                results.append(fresh)
            }
            return results
        }
    }

    public func submit(_ batches: [TransferBatch]) async throws -> [Result<[Transfer], TransferError>] {
        if batches.isEmpty { return [] }
        return try await database.transaction { sql in try await submit(batches, in: sql) }
    }

    /// Records batches inside a transaction the caller has open on `sql`, so that they commit or
    /// roll back with the caller's own writes (the gateway commits a request's settlement and its
    /// record together). Each batch is still all or nothing and independent of the others.
    public func submit(_ batches: [TransferBatch], in sql: any SQLDatabase) async throws -> [Result<[Transfer], TransferError>] {
        if batches.isEmpty { return [] }
        let now = clock()
        let head = try await Self.lockChainHead(sql)
        let keys = LedgerState.keys(for: batches)
        let transfers = try await Self.loadTransfers(keys.transfers, sql)
        let pendingIDs = Set(keys.transfers.filter { transfers[$0]?.phase == .pending })
        let resolutions = try await Self.loadResolutions(pendingIDs, sql)
        var accountIDs = keys.accounts
        for transfer in transfers.values {
            accountIDs.insert(transfer.debitAccountID)
            accountIDs.insert(transfer.creditAccountID)
        }
        var (accounts, missing) = cache.lookup(accountIDs, at: head)
        let loaded = try await Self.loadAccounts(missing, sql)
        accounts.merge(loaded) { _, fresh in fresh }

        var state = LedgerState(accounts: accounts, transfers: transfers, resolutions: resolutions,
                                sequence: head.sequence, hash: head.hash, now: now)
        let results = batches.map { state.apply($0) }
        if state.appended.isEmpty {
            cache.store(loaded.values, at: head)
            return results
        }

        let touched = state.touchedAccounts.sorted().map { state.accounts[$0]! }
        try await Self.insert(state.appended, sql)
        try await Self.updateCounters(touched, sql)
        try await sql.raw("UPDATE ledger_chain SET seq = \(bind: state.sequence), hash = \(bind: state.hash) WHERE id = 1").run()
        // Valid once this transaction commits; if it rolls back the head stays the old one, which
        // no longer matches, and the next write reads everything again.
        cache.store(Array(loaded.values) + touched, at: (state.sequence, state.hash), advancingFrom: head)
        return results
    }

    public func accounts(ids: [String]) async throws -> [Account] {
        let found = try await Self.loadAccounts(Set(ids), reader)
        return ids.compactMap { found[$0] }
    }

    public func accounts(owner: AccountOwner) async throws -> [Account] {
        try await reader.raw("""
            SELECT * FROM ledger_accounts WHERE owner_kind = \(bind: owner.kind.rawValue) AND owner_id = \(bind: owner.id)
            ORDER BY id
            """).all().map(Self.account(from:))
    }

    public func transfer(id: TimeOrderedID) async throws -> Transfer? {
        try await Self.loadTransfers([id], reader)[id]
    }

    public func transfers(involving accountIDs: [String], from: Int64, to: Int64) async throws -> [Transfer] {
        if accountIDs.isEmpty { return [] }
        return try await reader.raw("""
            SELECT * FROM ledger_transfers
            WHERE (debit_account_id IN (\(binds: accountIDs)) OR credit_account_id IN (\(binds: accountIDs)))
              AND created_at >= \(bind: from) AND created_at < \(bind: to)
            ORDER BY seq
            """).all().map(Self.transfer(from:))
    }

    public func timedOutPendings(at now: Int64, limit: Int) async throws -> [Transfer] {
        try await reader.raw("""
            SELECT * FROM ledger_transfers p
            WHERE p.timeout_at IS NOT NULL AND p.timeout_at <= \(bind: now) AND p.phase = 'pending'
              AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)
            ORDER BY p.timeout_at, p.seq LIMIT \(bind: limit)
            """).all().map(Self.transfer(from:))
    }

    public func expiredAccounts(at now: Int64, limit: Int) async throws -> [Account] {
        // `Account.available` in SQL, for either sign convention, so empty expired funds never
        // crowd the ones with something left out of the limit.
        try await reader.raw("""
            SELECT * FROM ledger_accounts WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now)
              AND CASE WHEN kind IN ('asset', 'expense') THEN debits_posted - credits_posted - credits_pending
                       ELSE credits_posted - debits_posted - debits_pending END > 0
            ORDER BY expires_at, id LIMIT \(bind: limit)
            """).all().map(Self.account(from:))
    }

    public func allAccounts() async throws -> [Account] {
        try await reader.raw("SELECT * FROM ledger_accounts ORDER BY id").all().map(Self.account(from:))
    }

    public func transfers(afterSequence sequence: Int64, limit: Int) async throws -> [Transfer] {
        try await reader.raw("""
            SELECT * FROM ledger_transfers WHERE seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)
            """).all().map(Self.transfer(from:))
    }

    public func chainHead() async throws -> (sequence: Int64, hash: String) {
        try await Self.chainHead(reader)
    }
}
