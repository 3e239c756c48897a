import Ledger
import Synchronization
import TollgateCore

/// Owners' funds as last read plus this process's reservations since (see `Meter.funds`).
final class FundsCache: Sendable {
    let lifetime: Duration
    private let entries = Mutex<[AccountOwner: (accounts: [Account], expires: Duration)]>([:])
    private let clock: any TimeSource

    init(lifetime: Duration, clock: any TimeSource) {
        self.lifetime = lifetime
        self.clock = clock
    }

    func accounts(of owner: AccountOwner, store: SQLLedgerStore) async throws -> [Account] {
        let now = clock.now()
        if let entry = entries.withLock({ $0[owner] }), entry.expires > now { return entry.accounts }
        let accounts = try await store.accounts(owner: owner)
        entries.withLock { $0[owner] = (accounts, now + lifetime) }
        return accounts
    }

    /// Counts a reservation against the cached funds, so the next plan sees it.
    func reserved(_ parts: [(accountID: String, amount: Int64)], owner: AccountOwner) {
        entries.withLock { entries in
            guard var entry = entries[owner] else { return }
            for part in parts {
                if let index = entry.accounts.firstIndex(where: { $0.id == part.accountID }) { entry.accounts[index].debitsPending += part.amount }
            }
            entries[owner] = entry
        }
    }

    func forget(_ owners: [AccountOwner]) {
        entries.withLock { entries in for owner in owners { entries.removeValue(forKey: owner) } }
    }
}
