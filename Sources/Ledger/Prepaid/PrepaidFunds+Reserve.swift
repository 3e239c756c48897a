import TollgateCore

extension PrepaidFunds {
    /// Reserves `amount` of `unit` from `owner`'s funds in drawing order, as linked pending
    /// transfers to `credit` (one per fund drawn), all or none.
    ///
    /// The split is planned from a read, so a concurrent reservation may take what was planned;
    /// the store then refuses the batch (its limits are checked inside the write) and the plan is
    /// made again, up to `attempts` times.
    ///
    /// - Throws: `InsufficientFunds` when the funds hold less than `amount`.
    public static func reserve(_ amount: Int64, unit: String, model: String?, owner: AccountOwner, credit: String,
                               timeoutMilliseconds: Int64?, code: TransferCode = .usage, reference: String? = nil,
                               store: any LedgerStore, attempts: Int = 5) async throws -> [Transfer] {
        var lastError: (any Error)?
        for _ in 0..<max(1, attempts) {
            let funds = drawingOrder(try await store.accounts(owner: owner), unit: unit, model: model, at: store.now())
            guard let parts = split(amount, across: funds) else {
                throw InsufficientFunds(owner: owner, unit: unit, requested: amount, available: funds.reduce(0) { $0 + $1.available })
            }
            let requests = parts.map { part in
                TransferRequest.pending(debit: part.accountID, credit: credit, amount: part.amount,
                                        timeoutMilliseconds: timeoutMilliseconds, code: code, reference: reference)
            }
            do {
                return try await store.submit(linked: requests)
            } catch let error as TransferError where error.reason == .exceedsCredits || error.reason == .accountExpired {
                lastError = error
            }
        }
        throw lastError!
    }

    /// The owner's funds hold less than was asked for.
    public struct InsufficientFunds: Error, Hashable, Sendable, CustomStringConvertible {
        public let owner: AccountOwner
        public let unit: String
        public let requested: Int64
        public let available: Int64
        public var description: String { "\(owner) has \(available) \(unit) available, \(requested) requested" }
    }
}
