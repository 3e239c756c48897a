import Logging
import Synchronization
import TollgateCore

/// Refuses requests from organizations whose prepaid credit is used up.
///
/// The balance is read from the database in the background, at most once per `freshness` per
/// organization, by one request at a time; the others use the last balance read. Only an
/// organization's first request waits for the database. So the check costs nothing on the hot
/// path, and an organization can overshoot by what it spends within about one `freshness`. The
/// ledger's reservations replace this with an exact, race-free limit.
final class CreditGuard: Sendable {
    private struct Entry {
        var balance: Money
        var readAt: ContinuousClock.Instant
        var refreshing = false
    }

    private let accounts: AccountStore
    private let freshness: Duration
    private let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])

    init(accounts: AccountStore, freshness: Duration = .seconds(1), logger: Logger) {
        self.accounts = accounts
        self.freshness = freshness
        self.logger = logger
    }

    func check(_ organization: Organization) async throws {
        let now = ContinuousClock.now
        let (known, refresh) = entries.withLock { entries -> (Money?, Bool) in
            guard var entry = entries[organization.id] else { return (nil, false) }
            if now - entry.readAt >= freshness, !entry.refreshing {
                entry.refreshing = true
                entries[organization.id] = entry
                return (entry.balance, true)
            }
            return (entry.balance, false)
        }
        let balance: Money
        if let known {
            balance = known
            if refresh { Task { _ = try? await self.read(organization) } }
        } else {
            balance = try await read(organization)
        }
        if balance.nanos <= 0 {
            throw GatewayError.paymentRequired(
                "The prepaid credit of '\(organization.name)' is used up (balance \(balance)). Add credit to continue.")
        }
    }

    @discardableResult
    private func read(_ organization: Organization) async throws -> Money {
        do {
            let balance = try await accounts.balance(of: organization)
            entries.withLock { $0[organization.id] = Entry(balance: balance, readAt: .now) }
            return balance
        } catch {
            entries.withLock { $0[organization.id]?.refreshing = false }
            logger.warning("could not read a balance", metadata: ["org": "\(organization.id)", "error": "\(error)"])
            throw error
        }
    }
}
