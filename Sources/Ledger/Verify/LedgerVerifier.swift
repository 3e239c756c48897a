import TollgateCore

/// Replays the whole ledger from its first transfer and checks every invariant:
/// the hash chain, per-unit Σ debits = Σ credits, each account's counters against the sums of its
/// transfers, the account limits after every transfer, each pending resolved at most once and by
/// no more than it reserved, and no pending left unresolved past its timeout.
public struct LedgerVerifier: Sendable {
    public let store: any LedgerStore
    /// How long past its timeout a pending may wait for the expiry service before it counts as a
    /// violation, in milliseconds.
    public var graceMilliseconds: Int64

    public init(store: any LedgerStore, graceMilliseconds: Int64 = 0) {
        self.store = store
        self.graceMilliseconds = graceMilliseconds
    }

    /// What a passing verification covered.
    public struct Summary: Sendable, Hashable, CustomStringConvertible {
        public var accounts: Int
        public var transfers: Int
        public var pendingOpen: Int
        public var head: String
        public var description: String {
            "ledger verified: \(accounts) accounts, \(transfers) transfers, \(pendingOpen) pending open, head \(head)"
        }
    }

    /// - Throws: `LedgerViolation` naming the first violation found.
    public func verify() async throws -> Summary {
        // One snapshot, so counters, transfers and the chain head agree while writers go on.
        let grace = graceMilliseconds
        return try await store.withSnapshot { snapshot in
            try await Self.verify(snapshot, graceMilliseconds: grace)
        }
    }

    private static func verify(_ store: any LedgerStore, graceMilliseconds: Int64) async throws -> Summary {
        let now = store.now()
        let stored = try await store.allAccounts()
        var replayed: [String: Account] = [:]
        for account in stored {
            var zero = account
            (zero.debitsPending, zero.debitsPosted, zero.creditsPending, zero.creditsPosted) = (0, 0, 0, 0)
            replayed[account.id] = zero
        }
        var open: [TimeOrderedID: Transfer] = [:]
        var seen = Set<TimeOrderedID>()
        var sequence: Int64 = 0
        var hash = TransferHash.genesis
        var count = 0

        while true {
            let page = try await store.transfers(afterSequence: sequence, limit: 5000)
            if page.isEmpty { break }
            for t in page {
                let at = "transfer #\(t.sequence) (\(t.id))"
                guard t.sequence == sequence + 1 else { throw LedgerViolation(.chain, "\(at) follows #\(sequence): a gap in the chain") }
                let expected = TransferHash.chained(after: hash, t)
                guard expected == t.hash else { throw LedgerViolation(.chain, "\(at) has hash \(t.hash) but its fields and the previous hash give \(expected)") }
                guard seen.insert(t.id).inserted else { throw LedgerViolation(.transfer, "\(at) repeats an id") }
                guard t.amount > 0 else { throw LedgerViolation(.transfer, "\(at) has amount \(t.amount)") }
                guard var debit = replayed[t.debitAccountID], var credit = replayed[t.creditAccountID] else {
                    throw LedgerViolation(.transfer, "\(at) names an account that does not exist")
                }
                guard debit.unit == credit.unit, debit.id != credit.id else {
                    throw LedgerViolation(.transfer, "\(at) moves between \(debit.id) (\(debit.unit)) and \(credit.id) (\(credit.unit))")
                }
                switch t.phase {
                case .single:
                    debit.debitsPosted += t.amount
                    credit.creditsPosted += t.amount
                case .pending:
                    debit.debitsPending += t.amount
                    credit.creditsPending += t.amount
                    open[t.id] = t
                case .post, .void, .expire:
                    guard let pendingID = t.pendingID, let pending = open.removeValue(forKey: pendingID) else {
                        throw LedgerViolation(.pending, "\(at) resolves \(t.pendingID?.description ?? "nothing"), which is not an open pending transfer")
                    }
                    guard pending.debitAccountID == t.debitAccountID, pending.creditAccountID == t.creditAccountID,
                          t.amount <= pending.amount, t.phase == .post || t.amount == pending.amount
                    else { throw LedgerViolation(.pending, "\(at) does not match the pending \(pendingID) it resolves") }
                    debit.debitsPending -= pending.amount
                    credit.creditsPending -= pending.amount
                    if t.phase == .post {
                        debit.debitsPosted += t.amount
                        credit.creditsPosted += t.amount
                    }
                }
                if debit.flags.contains(.debitsMustNotExceedCredits), debit.debitsPending + debit.debitsPosted > debit.creditsPosted {
                    throw LedgerViolation(.limit, "\(at) took account \(debit.id)'s debits over its credits")
                }
                if credit.flags.contains(.creditsMustNotExceedDebits), credit.creditsPending + credit.creditsPosted > credit.debitsPosted {
                    throw LedgerViolation(.limit, "\(at) took account \(credit.id)'s credits over its debits")
                }
                replayed[debit.id] = debit
                replayed[credit.id] = credit
                sequence = t.sequence
                hash = t.hash
                count += 1
            }
        }

        let head = try await store.chainHead()
        guard head.sequence == sequence, head.hash == hash else {
            throw LedgerViolation(.chain, "the chain head is #\(head.sequence) \(head.hash) but the transfers end at #\(sequence) \(hash)")
        }
        var totals: [String: (debits: Int64, credits: Int64, debitsPending: Int64, creditsPending: Int64)] = [:]
        for account in stored {
            let r = replayed[account.id]!
            for (name, have, want) in [("debits_posted", account.debitsPosted, r.debitsPosted),
                                       ("debits_pending", account.debitsPending, r.debitsPending),
                                       ("credits_posted", account.creditsPosted, r.creditsPosted),
                                       ("credits_pending", account.creditsPending, r.creditsPending)] where have != want {
                throw LedgerViolation(.counters, "account \(account.id) has \(name) \(have) but its transfers sum to \(want)")
            }
            var sum = totals[account.unit] ?? (0, 0, 0, 0)
            sum.debits += account.debitsPosted
            sum.credits += account.creditsPosted
            sum.debitsPending += account.debitsPending
            sum.creditsPending += account.creditsPending
            totals[account.unit] = sum
        }
        for (unit, sum) in totals.sorted(by: { $0.key < $1.key })
        where sum.debits != sum.credits || sum.debitsPending != sum.creditsPending {
            throw LedgerViolation(.balance, "unit \(unit): debits \(sum.debits) (pending \(sum.debitsPending)) ≠ credits \(sum.credits) (pending \(sum.creditsPending))")
        }
        if let late = open.values.filter({ ($0.timeoutAt ?? .max) <= now - graceMilliseconds }).min(by: { $0.sequence < $1.sequence }) {
            throw LedgerViolation(.pending, "pending transfer \(late.id) is unresolved past its timeout \(late.timeoutAt!)")
        }
        return Summary(accounts: stored.count, transfers: count, pendingOpen: open.count, head: hash)
    }
}

/// The first broken invariant `LedgerVerifier` found.
public struct LedgerViolation: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable { case chain, transfer, pending, limit, counters, balance }
    let code: Code
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "ledger violation: \(detail)" }
}
