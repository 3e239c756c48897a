import Ledger
import TollgateCore

/// A plain in-memory ledger: the specification the model-based test checks the stores against.
/// Written straight from the rules, sharing no code with the store.
struct LedgerModel {
    struct Balances: Equatable { var debitsPending: Int64 = 0, debitsPosted: Int64 = 0, creditsPending: Int64 = 0, creditsPosted: Int64 = 0 }
    struct Recorded: Equatable {
        var phase: Transfer.Phase, debit: String, credit: String, amount: Int64
        var pendingID: TimeOrderedID? = nil, timeout: Int64? = nil, timeoutAt: Int64? = nil, code: String, reference: String?
    }

    var accounts: [String: Account] = [:]
    var balances: [String: Balances] = [:]
    var recorded: [TimeOrderedID: Recorded] = [:]
    var resolved: Set<TimeOrderedID> = []
    var now: Int64

    /// Applies a batch all or nothing; the index and reason of the failing request, if one fails.
    mutating func apply(_ batch: [TransferRequest]) -> (index: Int, reason: TransferError.Reason)? {
        var copy = self
        for (index, request) in batch.enumerated() {
            if let reason = copy.apply(request) { return (index, reason) }
        }
        self = copy
        return nil
    }

    private mutating func apply(_ request: TransferRequest) -> TransferError.Reason? {
        // What the request means, with a pending's accounts filled in.
        var wanted: Recorded
        switch request.action {
        case .single(let d, let c, let amount):
            wanted = Recorded(phase: .single, debit: d, credit: c, amount: amount, code: request.code.rawValue, reference: request.reference)
        case .pending(let d, let c, let amount, let timeout):
            wanted = Recorded(phase: .pending, debit: d, credit: c, amount: amount, timeout: timeout,
                              timeoutAt: timeout.map { now + $0 }, code: request.code.rawValue, reference: request.reference)
        case .post(let id, _), .void(let id), .expire(let id):
            guard let pending = recorded[id] else { return recorded[request.id] != nil ? .existsWithDifferentField : .pendingNotFound }
            guard pending.phase == .pending else { return recorded[request.id] != nil ? .existsWithDifferentField : .notPending }
            var amount = pending.amount
            var phase = Transfer.Phase.void
            if case .post(_, let given) = request.action { amount = given ?? pending.amount; phase = .post }
            if case .expire = request.action { phase = .expire }
            wanted = Recorded(phase: phase, debit: pending.debit, credit: pending.credit, amount: amount, pendingID: id,
                              code: request.code.rawValue, reference: request.reference ?? pending.reference)
        }
        if let existing = recorded[request.id] {
            var comparable = existing
            comparable.timeoutAt = wanted.timeoutAt
            return comparable == wanted ? nil : .existsWithDifferentField
        }
        guard let debit = accounts[wanted.debit] else { return .accountNotFound }
        guard let credit = accounts[wanted.credit] else { return .accountNotFound }
        guard wanted.amount > 0 else { return .amountMustBePositive }
        var d = balances[debit.id]!, c = balances[credit.id]!
        switch wanted.phase {
        case .single, .pending:
            guard debit.id != credit.id else { return .accountsMustDiffer }
            guard debit.unit == credit.unit else { return .unitsDiffer }
            if let timeout = wanted.timeout, timeout <= 0 { return .amountMustBePositive }
            if debit.flags.contains(.debitsMustNotExceedCredits), d.debitsPosted + d.debitsPending + wanted.amount > d.creditsPosted {
                return .exceedsCredits
            }
            if credit.flags.contains(.creditsMustNotExceedDebits), c.creditsPosted + c.creditsPending + wanted.amount > c.debitsPosted {
                return .exceedsDebits
            }
            if wanted.phase == .single {
                d.debitsPosted += wanted.amount; c.creditsPosted += wanted.amount
            } else {
                d.debitsPending += wanted.amount; c.creditsPending += wanted.amount
            }
        case .post, .void, .expire:
            let pending = recorded[wanted.pendingID!]!
            if resolved.contains(wanted.pendingID!) { return .pendingAlreadyResolved }
            let timedOut = pending.timeoutAt.map { $0 <= now } ?? false
            if wanted.phase == .expire { if !timedOut { return .pendingNotExpired } } else if timedOut { return .pendingAlreadyResolved }
            if wanted.amount > pending.amount { return .postExceedsPending }
            d.debitsPending -= pending.amount; c.creditsPending -= pending.amount
            if wanted.phase == .post { d.debitsPosted += wanted.amount; c.creditsPosted += wanted.amount }
            resolved.insert(wanted.pendingID!)
        }
        balances[debit.id] = d
        balances[credit.id] = c
        recorded[request.id] = wanted
        return nil
    }

    /// The pendings the expiry service should expire now.
    var timedOut: [TimeOrderedID] {
        recorded.filter { id, t in t.phase == .pending && !resolved.contains(id) && (t.timeoutAt.map { $0 <= now } ?? false) }.map(\.key)
    }
}
