import Synchronization
import TollgateCore

/// Refuses requests from organizations whose prepaid credit is used up.
///
/// The balance is read from the database at most once per `freshness` per organization, so the
/// check costs nothing on the hot path; an organization can therefore overshoot by what it spends
/// within that window. The ledger's reservations replace this with an exact, race-free limit.
final class CreditGuard: Sendable {
    private let accounts: AccountStore
    private let freshness: Duration
    private let balances = Mutex<[String: (balance: Money, readAt: ContinuousClock.Instant)]>([:])

    init(accounts: AccountStore, freshness: Duration = .seconds(1)) {
        self.accounts = accounts
        self.freshness = freshness
    }

    func check(_ organization: Organization) async throws {
        let now = ContinuousClock.now
        var balance = balances.withLock { $0[organization.id] }.flatMap { now - $0.readAt < freshness ? $0.balance : nil }
        if balance == nil {
            let fresh = try await accounts.balance(of: organization)
            balances.withLock { $0[organization.id] = (fresh, now) }
            balance = fresh
        }
        if let balance, balance.nanos <= 0 {
            throw GatewayError.paymentRequired(
                "The prepaid credit of '\(organization.name)' is used up (balance \(balance)). Add credit to continue.")
        }
    }
}
