import TollgateCore

/// Why the ledger refused a transfer. For a batch, `index` and `transferID` name the request that
/// failed; the others in its batch were not recorded either.
public struct TransferError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: Reason
    /// The refused request.
    public let transferID: TimeOrderedID
    /// Its position in its batch.
    public let index: Int

    init(_ reason: Reason, transferID: TimeOrderedID, index: Int) {
        self.reason = reason
        self.transferID = transferID
        self.index = index
    }

    public var description: String {
        "transfer \(transferID) (#\(index) of its batch) refused: \(reason)"
    }

    /// A refusal reason; compare with the static members (`error.reason == .exceedsCredits`),
    /// which ignore the detail.
    public struct Reason: Error, Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case existsWithDifferentField, accountNotFound, accountsMustDiffer, unitsDiffer, amountMustBePositive
            case exceedsCredits, exceedsDebits, overflow, accountExpired
            case pendingNotFound, notPending, pendingAlreadyResolved, pendingNotExpired, postExceedsPending
            case linkedTransferFailed
        }
        private let code: Code
        /// The specifics: which field, which account, which amounts.
        public let detail: String

        private init(_ code: Code, _ detail: String = "") {
            self.code = code
            self.detail = detail
        }

        public static func == (lhs: Reason, rhs: Reason) -> Bool { lhs.code == rhs.code }
        public func hash(into hasher: inout Hasher) { hasher.combine(code) }
        public var description: String { detail }

        public static let existsWithDifferentField = Reason(.existsWithDifferentField)
        public static let accountNotFound = Reason(.accountNotFound)
        public static let accountsMustDiffer = Reason(.accountsMustDiffer)
        public static let unitsDiffer = Reason(.unitsDiffer)
        public static let amountMustBePositive = Reason(.amountMustBePositive)
        public static let exceedsCredits = Reason(.exceedsCredits)
        public static let exceedsDebits = Reason(.exceedsDebits)
        public static let overflow = Reason(.overflow)
        public static let accountExpired = Reason(.accountExpired)
        public static let pendingNotFound = Reason(.pendingNotFound)
        public static let notPending = Reason(.notPending)
        public static let pendingAlreadyResolved = Reason(.pendingAlreadyResolved)
        public static let pendingNotExpired = Reason(.pendingNotExpired)
        public static let postExceedsPending = Reason(.postExceedsPending)
        /// Another request in the same batch failed, so this one was not recorded.
        public static let linkedTransferFailed = Reason(.linkedTransferFailed)

        static func existsWithDifferent(_ field: String) -> Reason {
            Reason(.existsWithDifferentField, "a transfer with this id exists with a different \(field)")
        }
        static func accountNotFound(_ id: String) -> Reason { Reason(.accountNotFound, "account '\(id)' does not exist") }
        static func accountsMustDiffer(_ id: String) -> Reason {
            Reason(.accountsMustDiffer, "debit and credit are the same account '\(id)'")
        }
        static func unitsDiffer(_ debit: Account, _ credit: Account) -> Reason {
            Reason(.unitsDiffer, "account '\(debit.id)' is in \(debit.unit) but '\(credit.id)' is in \(credit.unit)")
        }
        static func amountMustBePositive(_ amount: Int64) -> Reason {
            Reason(.amountMustBePositive, "amount \(amount) is not greater than zero")
        }
        static func exceedsCredits(_ account: Account, amount: Int64) -> Reason {
            Reason(.exceedsCredits, "account '\(account.id)' would have debits (\(account.debitsPosted) posted + "
                + "\(account.debitsPending) pending + \(amount)) exceeding its credits \(account.creditsPosted)")
        }
        static func exceedsDebits(_ account: Account, amount: Int64) -> Reason {
            Reason(.exceedsDebits, "account '\(account.id)' would have credits (\(account.creditsPosted) posted + "
                + "\(account.creditsPending) pending + \(amount)) exceeding its debits \(account.debitsPosted)")
        }
        static func overflow(_ account: String) -> Reason { Reason(.overflow, "account '\(account)' counters would overflow") }
        static func accountExpired(_ account: Account) -> Reason {
            Reason(.accountExpired, "account '\(account.id)' expired at \(account.expiresAt ?? 0)")
        }
        static func pendingNotFound(_ id: TimeOrderedID) -> Reason { Reason(.pendingNotFound, "no transfer \(id)") }
        static func notPending(_ id: TimeOrderedID) -> Reason { Reason(.notPending, "transfer \(id) is not pending") }
        static func pendingAlreadyResolved(_ id: TimeOrderedID, by phase: Transfer.Phase) -> Reason {
            Reason(.pendingAlreadyResolved, "pending transfer \(id) was already resolved (\(phase.rawValue))")
        }
        static func pendingNotExpired(_ id: TimeOrderedID) -> Reason {
            Reason(.pendingNotExpired, "pending transfer \(id) has no timeout or it has not passed")
        }
        static func postExceedsPending(_ amount: Int64, pending: Int64) -> Reason {
            Reason(.postExceedsPending, "post of \(amount) exceeds the pending \(pending)")
        }
        static func linked(_ failedIndex: Int) -> Reason {
            Reason(.linkedTransferFailed, "transfer #\(failedIndex) of the same batch failed")
        }
    }
}

/// Why the ledger refused to create an account.
public struct AccountError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable { case existsWithDifferentField, invalid }
    private let code: Code
    public let accountID: String
    public let detail: String

    public var description: String { "account '\(accountID)': \(detail)" }

    static func existsWithDifferent(_ field: String, id: String) -> AccountError {
        AccountError(code: .existsWithDifferentField, accountID: id, detail: "exists with a different \(field)")
    }
    static func invalid(_ detail: String, id: String) -> AccountError {
        AccountError(code: .invalid, accountID: id, detail: detail)
    }
    public var isExistsWithDifferentField: Bool { code == .existsWithDifferentField }
}
