import TollgateCore

/// Where the ledger lives. `SQLLedgerStore` keeps it in SQLite or PostgreSQL.
///
/// Every write is atomic and enforces every account's limits inside its own transaction, so
/// concurrent writers, on any number of connections and processes, can never overdraw an account.
public protocol LedgerStore: Sendable {
    /// Creates accounts, all or none. An account that exists with the same fields is returned as
    /// it is now (idempotent); one that exists with different fields fails with `AccountError`.
    @discardableResult
    func createAccounts(_ accounts: [Account]) async throws -> [Account]

    /// Records batches in one database transaction, each batch all or nothing: a batch that fails
    /// leaves no trace and does not affect the others. One result per batch, in order.
    func submit(_ batches: [TransferBatch]) async throws -> [Result<[Transfer], TransferError>]

    func accounts(ids: [String]) async throws -> [Account]
    func accounts(owner: AccountOwner) async throws -> [Account]
    func transfer(id: TimeOrderedID) async throws -> Transfer?

    /// Transfers debiting or crediting any of `accountIDs` with `from ≤ timestamp < to`, in chain order.
    func transfers(involving accountIDs: [String], from: Int64, to: Int64) async throws -> [Transfer]

    /// Pending transfers unresolved with a timeout at or before `now`, oldest first.
    func timedOutPendings(at now: Int64, limit: Int) async throws -> [Transfer]

    /// Accounts with an expiry at or before `now` that still have something available, by expiry.
    func expiredAccounts(at now: Int64, limit: Int) async throws -> [Account]

    /// Every account, for verification.
    func allAccounts() async throws -> [Account]

    /// Up to `limit` transfers after `sequence`, in chain order, for verification.
    func transfers(afterSequence sequence: Int64, limit: Int) async throws -> [Transfer]

    /// The chain head: the last sequence number and hash.
    func chainHead() async throws -> (sequence: Int64, hash: String)

    /// Runs `body` with a view of the store frozen at one instant, so that reads agree with each
    /// other while writers go on.
    func withSnapshot<R: Sendable>(_ body: @Sendable (any LedgerStore) async throws -> R) async throws -> R

    /// The store's clock, in milliseconds since the epoch.
    func now() -> Int64
}

extension LedgerStore {
    /// Records one linked batch; throws its `TransferError` when refused.
    @discardableResult
    public func submit(linked transfers: [TransferRequest]) async throws -> [Transfer] {
        try await submit([TransferBatch(transfers)])[0].get()
    }

    /// Records one transfer; throws its `TransferError` when refused.
    @discardableResult
    public func submit(_ transfer: TransferRequest) async throws -> Transfer {
        try await submit(linked: [transfer])[0]
    }

    public func account(id: String) async throws -> Account? {
        try await accounts(ids: [id]).first
    }
}
