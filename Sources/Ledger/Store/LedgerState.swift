import TollgateCore

/// The part of the ledger one write touches, loaded inside the write's transaction, and the rules
/// that apply requests to it.
///
/// Pure and synchronous: the store loads the state, applies every batch here, and writes what was
/// appended. A failing batch is undone in memory, so nothing of it reaches the database, and the
/// batches after it in the same group commit see the state as if it had never been tried.
struct LedgerState {
    var accounts: [String: Account]
    /// Existing transfers by id: the requested ids (for idempotency) and the pendings they name.
    var transfers: [TimeOrderedID: Transfer]
    /// How each loaded pending transfer was resolved, if it was.
    var resolutions: [TimeOrderedID: Transfer.Phase]
    var sequence: Int64
    private(set) var hash: String
    /// `hash` as raw bytes, what the next transfer's hash chains from.
    private var hashBytes: [UInt8]
    let now: Int64

    private(set) var appended: [Transfer] = []
    private(set) var touchedAccounts: Set<String> = []

    init(accounts: [String: Account], transfers: [TimeOrderedID: Transfer], resolutions: [TimeOrderedID: Transfer.Phase],
         sequence: Int64, hash: String, now: Int64) {
        self.accounts = accounts
        self.transfers = transfers
        self.resolutions = resolutions
        self.sequence = sequence
        self.hash = hash
        self.hashBytes = TransferHash.bytes(fromHex: hash)
        self.now = now
    }

    /// What the store must load before applying `batches`: accounts named by the requests, and
    /// transfers named as ids or pending ids.
    static func keys(for batches: [TransferBatch]) -> (accounts: Set<String>, transfers: Set<TimeOrderedID>) {
        var accounts = Set<String>()
        var transfers = Set<TimeOrderedID>()
        for request in batches.lazy.flatMap(\.transfers) {
            transfers.insert(request.id)
            switch request.action {
            case .single(let debit, let credit, _), .pending(let debit, let credit, _, _):
                accounts.insert(debit)
                accounts.insert(credit)
            case .post(let pending, _), .void(let pending), .expire(let pending):
                transfers.insert(pending)
            }
        }
        return (accounts, transfers)
    }

    /// Undo information for one batch.
    private struct Checkpoint {
        var accounts: [String: Account] = [:]
        var insertedTransfers: [TimeOrderedID] = []
        var insertedResolutions: [TimeOrderedID] = []
        /// Accounts this batch touched first (a copy of the whole set per batch would make a
        /// group's cost quadratic in its size).
        var newlyTouched: [String] = []
        var appendedCount: Int
        var sequence: Int64
        var hash: String
    }

    /// Applies a batch all or nothing.
    mutating func apply(_ batch: TransferBatch) -> Result<[Transfer], TransferError> {
        var checkpoint = Checkpoint(appendedCount: appended.count, sequence: sequence, hash: hash)
        var results: [Transfer] = []
        results.reserveCapacity(batch.transfers.count)
        for (index, request) in batch.transfers.enumerated() {
            switch apply(request, checkpoint: &checkpoint) {
            case .success(let transfer):
                results.append(transfer)
            case .failure(let reason):
                undo(checkpoint)
                return .failure(TransferError(reason, transferID: request.id, index: index))
            }
        }
        return .success(results)
    }

    private mutating func undo(_ checkpoint: Checkpoint) {
        for (id, account) in checkpoint.accounts { accounts[id] = account }
        for id in checkpoint.insertedTransfers { transfers[id] = nil }
        for id in checkpoint.insertedResolutions { resolutions[id] = nil }
        for id in checkpoint.newlyTouched { touchedAccounts.remove(id) }
        appended.removeSubrange(checkpoint.appendedCount...)
        sequence = checkpoint.sequence
        hash = checkpoint.hash
        hashBytes = TransferHash.bytes(fromHex: hash)
    }

    private mutating func apply(_ request: TransferRequest, checkpoint: inout Checkpoint) -> Result<Transfer, TransferError.Reason> {
        let resolved: Transfer
        switch resolve(request) {
        case .failure(let reason):
            if let existing = transfers[request.id] {
                // A retry naming another pending (or none) than the one recorded under this id.
                return .failure(.existsWithDifferent(existing.pendingID == nil ? "phase" : "pending_id"))
            }
            return .failure(reason)
        case .success(let transfer): resolved = transfer
        }
        if let existing = transfers[request.id] {
            if let field = Self.differingField(existing, resolved) { return .failure(.existsWithDifferent(field)) }
            return .success(existing)
        }
        guard var debit = accounts[resolved.debitAccountID] else { return .failure(.accountNotFound(resolved.debitAccountID)) }
        guard var credit = accounts[resolved.creditAccountID] else { return .failure(.accountNotFound(resolved.creditAccountID)) }
        if let reason = check(resolved, debit: debit, credit: credit) { return .failure(reason) }

        switch resolved.phase {
        case .single, .pending:
            let isPending = resolved.phase == .pending
            guard debit.add(debits: resolved.amount, pending: isPending),
                  credit.add(credits: resolved.amount, pending: isPending)
            else { return .failure(.overflow(debit.id)) }
        case .post, .void, .expire:
            let pending = transfers[resolved.pendingID!]!
            debit.debitsPending -= pending.amount
            credit.creditsPending -= pending.amount
            if resolved.phase == .post {
                guard debit.add(debits: resolved.amount, pending: false), credit.add(credits: resolved.amount, pending: false)
                else { return .failure(.overflow(debit.id)) }
            }
            checkpoint.insertedResolutions.append(pending.id)
            resolutions[pending.id] = resolved.phase
        }

        for account in [debit, credit] where checkpoint.accounts[account.id] == nil {
            checkpoint.accounts[account.id] = accounts[account.id]
        }
        accounts[debit.id] = debit
        accounts[credit.id] = credit
        if touchedAccounts.insert(debit.id).inserted { checkpoint.newlyTouched.append(debit.id) }
        if touchedAccounts.insert(credit.id).inserted { checkpoint.newlyTouched.append(credit.id) }

        var transfer = resolved
        sequence += 1
        transfer.sequence = sequence
        hashBytes = TransferHash.chained(after: hashBytes, transfer)
        transfer.hash = TransferHash.hex(hashBytes)
        hash = transfer.hash
        transfers[transfer.id] = transfer
        checkpoint.insertedTransfers.append(transfer.id)
        appended.append(transfer)
        return .success(transfer)
    }

    /// The transfer a request would record, with the accounts and amount of the pending it names.
    /// Fails only when it names no pending transfer; the state checks come after idempotency.
    private func resolve(_ request: TransferRequest) -> Result<Transfer, TransferError.Reason> {
        func make(_ debit: String, _ credit: String, _ amount: Int64, _ phase: Transfer.Phase,
                  pending: TimeOrderedID? = nil, timeout: Int64? = nil, reference: String? = request.reference) -> Transfer {
            Transfer(sequence: 0, id: request.id, debitAccountID: debit, creditAccountID: credit, amount: amount, phase: phase,
                     pendingID: pending, timeoutMilliseconds: timeout, timeoutAt: timeout.map { Self.instant(now, plus: $0) },
                     code: request.code, reference: reference, timestamp: now, hash: "")
        }
        let phase: Transfer.Phase
        let pendingID: TimeOrderedID
        var postAmount: Int64?
        switch request.action {
        case .single(let debit, let credit, let amount):
            return .success(make(debit, credit, amount, .single))
        case .pending(let debit, let credit, let amount, let timeout):
            return .success(make(debit, credit, amount, .pending, timeout: timeout))
        case .post(let id, let amount):
            (phase, pendingID, postAmount) = (.post, id, amount)
        case .void(let id):
            (phase, pendingID) = (.void, id)
        case .expire(let id):
            (phase, pendingID) = (.expire, id)
        }
        guard let pending = transfers[pendingID] else { return .failure(.pendingNotFound(pendingID)) }
        guard pending.phase == .pending else { return .failure(.notPending(pendingID)) }
        // A resolution without a reference of its own keeps the reservation's (the request id), so
        // the posted line on a statement still says what it was for.
        return .success(make(pending.debitAccountID, pending.creditAccountID, postAmount ?? pending.amount, phase,
                             pending: pendingID, reference: request.reference ?? pending.reference))
    }

    /// Why a new (not repeated) transfer may not be recorded against the accounts and pending it names.
    private func check(_ transfer: Transfer, debit: Account, credit: Account) -> TransferError.Reason? {
        guard transfer.amount > 0 else { return .amountMustBePositive(transfer.amount) }
        switch transfer.phase {
        case .single, .pending:
            guard debit.id != credit.id else { return .accountsMustDiffer(debit.id) }
            guard debit.unit == credit.unit else { return .unitsDiffer(debit, credit) }
            if transfer.code != .expiry, let expiresAt = debit.expiresAt, expiresAt <= now { return .accountExpired(debit) }
            if let timeout = transfer.timeoutMilliseconds, timeout <= 0 { return .amountMustBePositive(timeout) }
            if debit.flags.contains(.debitsMustNotExceedCredits) {
                let (sum, o1) = debit.debitsPosted.addingReportingOverflow(debit.debitsPending)
                let (total, o2) = sum.addingReportingOverflow(transfer.amount)
                if o1 || o2 { return .overflow(debit.id) }
                if total > debit.creditsPosted { return .exceedsCredits(debit, amount: transfer.amount) }
            }
            if credit.flags.contains(.creditsMustNotExceedDebits) {
                let (sum, o1) = credit.creditsPosted.addingReportingOverflow(credit.creditsPending)
                let (total, o2) = sum.addingReportingOverflow(transfer.amount)
                if o1 || o2 { return .overflow(credit.id) }
                if total > credit.debitsPosted { return .exceedsDebits(credit, amount: transfer.amount) }
            }
        case .post, .void, .expire:
            let pending = transfers[transfer.pendingID!]!
            if let phase = resolutions[pending.id] { return .pendingAlreadyResolved(pending.id, by: phase) }
            let timedOut = pending.timeoutAt.map { $0 <= now } ?? false
            if transfer.phase == .expire {
                if !timedOut { return .pendingNotExpired(pending.id) }
            } else if timedOut {
                return .pendingAlreadyResolved(pending.id, by: .expire)
            }
            if transfer.amount > pending.amount { return .postExceedsPending(transfer.amount, pending: pending.amount) }
        }
        return nil
    }

    /// `now + milliseconds`, saturating: a timeout too long to represent never expires early.
    static func instant(_ now: Int64, plus milliseconds: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(milliseconds)
        return overflow ? (milliseconds > 0 ? .max : .min) : sum
    }

    /// The first field in which a repeated request differs from the transfer recorded under its id.
    static func differingField(_ existing: Transfer, _ request: Transfer) -> String? {
        if existing.phase != request.phase { return "phase" }
        if existing.pendingID != request.pendingID { return "pending_id" }
        if existing.debitAccountID != request.debitAccountID { return "debit_account_id" }
        if existing.creditAccountID != request.creditAccountID { return "credit_account_id" }
        if existing.amount != request.amount { return "amount" }
        if existing.timeoutMilliseconds != request.timeoutMilliseconds { return "timeout" }
        if existing.code != request.code { return "code" }
        if existing.reference != request.reference { return "reference" }
        return nil
    }
}

extension Account {
    /// Adds to the debit counters; false on overflow, leaving the account unchanged.
    mutating func add(debits amount: Int64, pending: Bool) -> Bool {
        let (sum, overflow) = (pending ? debitsPending : debitsPosted).addingReportingOverflow(amount)
        if overflow { return false }
        if pending { debitsPending = sum } else { debitsPosted = sum }
        return true
    }

    /// Adds to the credit counters; false on overflow, leaving the account unchanged.
    mutating func add(credits amount: Int64, pending: Bool) -> Bool {
        let (sum, overflow) = (pending ? creditsPending : creditsPosted).addingReportingOverflow(amount)
        if overflow { return false }
        if pending { creditsPending = sum } else { creditsPosted = sum }
        return true
    }
}
