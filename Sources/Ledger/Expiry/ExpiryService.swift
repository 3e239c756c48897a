import Crypto
import Logging
import ServiceLifecycle
import TollgateCore

/// Expires what has run out of time: pending transfers past their timeout (released) and prepaid
/// funds past their expiry (the remainder moved, with code `expiry`, to the account
/// `expiryAccount` names). Runs once at start-up, then every `interval` until shutdown.
///
/// Safe with several replicas: expiring a pending twice is refused by the store (a pending resolves
/// at most once), and a fund's expiry transfer has an id derived from the fund's counters, so two
/// sweeps that saw the same remainder send the same transfer and the second is a no-op.
public struct ExpiryService: Service {
    public let store: any LedgerStore
    public let interval: Duration
    /// The account that receives what an expired fund had left (a revenue account, "breakage").
    public let expiryAccount: @Sendable (Account) -> String
    let logger: Logger

    public init(store: any LedgerStore, interval: Duration = .seconds(10), logger: Logger,
                expiryAccount: @escaping @Sendable (Account) -> String) {
        self.store = store
        self.interval = interval
        self.logger = logger
        self.expiryAccount = expiryAccount
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let swept = try await sweep()
                if swept.pendings + swept.funds > 0 {
                    logger.info("ledger expiry", metadata: ["pendings": "\(swept.pendings)", "funds": "\(swept.funds)"])
                }
            } catch {
                logger.error("ledger expiry failed", metadata: ["error": "\(error)"])
            }
            // Ends the moment shutdown begins, not after the sleep.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Expires everything due at the store's `now`; returns how many pendings and funds it expired.
    @discardableResult
    public func sweep() async throws -> (pendings: Int, funds: Int) {
        let now = store.now()
        var pendings = 0
        while true {
            let due = try await store.timedOutPendings(at: now, limit: 500)
            if due.isEmpty { break }
            let results = try await store.submit(due.map { pending in
                TransferBatch([TransferRequest(id: Self.expiryID(for: pending.id), .expire(pendingID: pending.id),
                                               code: pending.code, reference: pending.reference)])
            })
            let done = results.filter { if case .success = $0 { true } else { false } }.count
            pendings += done
            if done == 0 { break }
        }
        var funds = 0
        for fund in try await store.expiredAccounts(at: now, limit: 10_000) {
            let destination = expiryAccount(fund)
            let (debit, credit) = fund.kind.isDebitNormal ? (destination, fund.id) : (fund.id, destination)
            let request = TransferRequest.single(
                id: Self.fundExpiryID(fund), debit: debit, credit: credit, amount: fund.available,
                code: .expiry, reference: "expired \(fund.id)")
            do {
                try await store.submit(request)
                funds += 1
            } catch let error as TransferError {
                // Another replica moved it first, or a reservation changed it: the next sweep retries.
                logger.debug("fund expiry skipped", metadata: ["account": "\(fund.id)", "reason": "\(error)"])
            }
        }
        return (pendings, funds)
    }

    /// The id of the transfer expiring `pending`: derived, so two sweeps agree on it.
    public static func expiryID(for pending: TimeOrderedID) -> TimeOrderedID {
        TimeOrderedID.derived(milliseconds: pending.milliseconds, seed: "expire:\(pending)")
    }

    static func fundExpiryID(_ fund: Account) -> TimeOrderedID {
        TimeOrderedID.derived(milliseconds: UInt64(max(0, fund.expiresAt ?? 0)), seed:
                  "fund:\(fund.id):\(fund.debitsPosted):\(fund.debitsPending):\(fund.creditsPosted):\(fund.creditsPending)")
    }
}
