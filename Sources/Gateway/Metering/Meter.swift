import Ledger
import Logging
import Routing
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reserves a request's worst case on the ledger before the upstream call.
///
/// The payer is the first of the key, its team and its organization whose prepaid funds cover the
/// worst case: a token package for the model if it holds enough tokens, else money in drawing
/// order (granted credit, then paid). Every budget that covers the request (organization, team,
/// key, session) gets a pending transfer of the same worst-case amount, linked with the funds, so
/// the ledger's own limit check — inside its write transaction, serialized on the chain row
/// across processes — refuses a request that a fund or a hard budget cannot cover. Nothing is
/// reserved when it refuses. Settlement happens with the request record (`RequestRecordWriter`).
struct Meter: Sendable {
    let chart: LedgerChart
    let commit: GroupCommit
    let budgets: BudgetStore
    let calendar: BudgetCalendar
    /// How long a reservation may stay pending before the expiry service releases it.
    let reservationTimeout: Duration
    let logger: Logger
    /// Each owner's funds as last read, with this process's reservations since applied: what a
    /// reservation is planned from, so the request path does not read the ledger. A stale plan
    /// costs nothing but a retry — the ledger checks every limit itself and refuses a plan that no
    /// longer fits, and the owner's funds are then read afresh.
    let funds: FundsCache
    /// This replica's slices of limited accounts, requests' reservations carved from them in
    /// memory (`nil`: every request reserves alone).
    let escrow: Escrow?

    init(chart: LedgerChart, commit: GroupCommit, budgets: BudgetStore, calendar: BudgetCalendar, reservationTimeout: Duration,
         fundsLifetime: Duration = .seconds(1), escrow settings: Escrow.Settings? = Escrow.Settings(),
         clock: any TimeSource = SystemTimeSource(), logger: Logger) {
        self.chart = chart
        self.commit = commit
        self.budgets = budgets
        self.calendar = calendar
        self.reservationTimeout = reservationTimeout
        self.logger = logger
        let funds = FundsCache(lifetime: fundsLifetime, clock: clock)
        self.funds = funds
        self.escrow = settings.map { settings in
            Escrow(settings: settings, commit: commit, reservationTimeout: reservationTimeout, clock: clock, logger: logger,
                   onReserved: { owner, account, amount in funds.reserved([(account, amount)], owner: owner) },
                   onReleased: { owner in funds.forget([owner]) })
        }
    }

    /// What the request could cost at most.
    struct Estimate: Sendable, Hashable {
        /// Input plus the most output the request allows.
        var tokens: Int64
        /// Those tokens at the organization's sell price, input priced at its dearest rate.
        var sell: Money
    }

    /// - Parameter firstPayerOnly: refuse (402) rather than pass the charge on when the first owner
    ///   holding funds cannot cover `estimate` from what it would pay with (its token package for
    ///   the model, else its money): for an estimate above the request's real worst case (a long
    ///   prompt's bound), which must not pick a payer the real one would not.
    func reserve(requestID: String, key: VirtualKey, organization: Organization, session: String?,
                 model: ModelDefinition, estimate: Estimate, firstPayerOnly: Bool = false, at date: Date) async throws -> Reservation {
        let currency = organization.currency
        var owners = [LedgerChart.owner(key: key.id)]
        if let team = key.team { owners.append(LedgerChart.owner(team: team, organization: organization.id)) }
        owners.append(LedgerChart.owner(organization: organization.id))
        let applicable = try await budgets.budgets(of: organization.id)
            .filter { $0.applies(keyID: key.id, team: key.team, session: session) }
        try await chart.ensure(LedgerChart.settlementAccounts(currency, provider: model.provider.name))
        let budgetLegs = try await budgetLegs(applicable, session: session, amount: estimate.sell.nanos, currency: currency, at: date)
        let timeout = max(1, Int64(reservationTimeout / .milliseconds(1)))

        var lastRefusal: TransferError?
        for attempt in 0..<5 {
            let now = chart.store.now()
            if attempt > 0 { self.funds.forget(owners) }
            guard let payer = try await choosePayer(owners, model: model.name, currency: currency, estimate: estimate, firstOnly: firstPayerOnly, now: now) else {
                if attempt == 0 {
                    // Perhaps only the cache is short (credit added elsewhere): read afresh once.
                    self.funds.forget(owners)
                    if try await choosePayer(owners, model: model.name, currency: currency, estimate: estimate, firstOnly: firstPayerOnly, now: now) != nil { continue }
                }
                throw GatewayError.paymentRequired(
                    "The prepaid credit of '\(organization.name)' cannot cover this request's worst case (\(estimate.sell), "
                        + "\(estimate.tokens) tokens). Add credit or a token package, or lower max_tokens.",
                    code: "insufficient_funds")
            }
            let unit = payer.packageModel.map(LedgerChart.tokenUnit) ?? currency.code
            try await chart.ensure([Account(id: LedgerChart.owed(payer.owner, unit: unit), unit: unit, owner: payer.owner, kind: .asset)]
                + (payer.packageModel.map { [Account(id: LedgerChart.tokensRedeemed($0), unit: unit, owner: AccountOwner(.platform, "tokens"), kind: .revenue),
                                              Account(id: LedgerChart.packageCost(currency), unit: currency.code, owner: AccountOwner(.platform, currency.code), kind: .expense)] } ?? []))
            let credit = payer.packageModel.map(LedgerChart.tokensRedeemed) ?? LedgerChart.usage(currency)
            let funds = payer.parts.map { Reservation.Leg(pendingID: TimeOrderedID(), accountID: $0.accountID, amount: $0.amount) }
            let legs = payer.packageModel == nil ? budgetLegs.map { $0.renewed() } : []
            var requests = funds.map { leg in
                TransferRequest.pending(id: leg.pendingID, debit: leg.accountID, credit: credit, amount: leg.amount,
                                        timeoutMilliseconds: timeout, code: .usage, reference: requestID)
            }
            requests += legs.map { budget in
                TransferRequest.pending(id: budget.leg.pendingID, debit: budget.leg.accountID, credit: LedgerChart.budgetSpent(currency),
                                        amount: budget.leg.amount, timeoutMilliseconds: timeout, code: .budget, reference: requestID)
            }
            let reservation = Reservation(requestID: requestID, createdAt: now, currency: currency, payer: payer.owner,
                                          provider: model.provider.name, packageModel: payer.packageModel, funds: funds, budgets: legs)
            if requests.isEmpty { return reservation }
            if attempt == 0, let carved = carve(reservation, credit: credit) { return carved }
            do {
                try await commit.submit(linked: requests)
                self.funds.reserved(payer.parts, owner: payer.owner)
                return reservation
            } catch let error as TransferError where error.reason == .exceedsCredits || error.reason == .accountExpired {
                // This replica's own free slices may hold what the request needs: give them back first.
                let refused = error.index < funds.count ? funds[error.index].accountID
                    : error.index - funds.count < legs.count ? legs[error.index - funds.count].leg.accountID : nil
                if let escrow, let refused, attempt < 4, escrow.free(refused) > 0 {
                    await escrow.release(accounts: [refused])
                    lastRefusal = error
                    continue
                }
                if error.index >= funds.count {
                    let budget = legs[error.index - funds.count]
                    throw try await budgetRefusal(budget, worstCase: estimate.sell)
                }
                // A concurrent request took what this plan counted on: plan again from a fresh read.
                lastRefusal = error
            }
        }
        logger.warning("reservation kept losing races", metadata: ["request": "\(requestID)", "error": "\(String(describing: lastRefusal))"])
        throw GatewayError(status: 503, type: "service_unavailable", code: "reservation_contended",
                           message: "The payer's funds are changing too fast to reserve against; retry.", retryAfter: "1")
    }

    /// The reservation with each leg a piece of this replica's slices, when every account it
    /// reserves against has one ready (`nil`: it reserves alone).
    private func carve(_ reservation: Reservation, credit: String) -> Reservation? {
        guard let escrow, reservation.funds.count <= 1 else { return nil }
        let fundPools = reservation.funds.map { leg in
            Escrow.Pool(accountID: leg.accountID, creditAccountID: credit, code: .usage, size: Escrow.size(for: leg.amount),
                        owner: reservation.payer)
        }
        let budgetPools = reservation.budgets.map { budget in
            Escrow.Pool(accountID: budget.leg.accountID, creditAccountID: LedgerChart.budgetSpent(reservation.currency), code: .budget,
                        size: Escrow.size(for: budget.leg.amount), owner: nil)
        }
        guard let pieces = escrow.carve(fundPools + budgetPools) else { return nil }
        let legs = pieces.map { Reservation.Leg(pendingID: $0.pendingID, accountID: $0.pool.accountID, amount: $0.pool.size) }
        return Reservation(requestID: reservation.requestID, createdAt: reservation.createdAt, currency: reservation.currency,
                           payer: reservation.payer, provider: reservation.provider, packageModel: reservation.packageModel,
                           funds: Array(legs.prefix(fundPools.count)),
                           budgets: zip(reservation.budgets, legs.dropFirst(fundPools.count)).map { budget, leg in
                               Reservation.BudgetLeg(leg: leg, overrunAccountID: budget.overrunAccountID, budget: budget.budget,
                                                     periodStart: budget.periodStart, session: budget.session)
                           })
    }

    private struct Payer {
        let owner: AccountOwner
        let packageModel: String?
        let parts: [(accountID: String, amount: Int64)]
    }

    /// The first owner whose funds cover the estimate: a token package for the model, else money.
    /// With `firstOnly`, the first owner holding any is the payer or there is none.
    private func choosePayer(_ owners: [AccountOwner], model: String, currency: Currency, estimate: Estimate, firstOnly: Bool,
                             now: Int64) async throws -> Payer? {
        for owner in owners {
            var accounts = try await self.funds.accounts(of: owner, store: chart.store)
            if accounts.isEmpty { continue }
            for fresh in [false, true] {
                if fresh {
                    // The cache only ever adds holds, so an owner it shows short may not be: read
                    // afresh before passing the charge on to the next owner.
                    self.funds.forget([owner])
                    accounts = try await self.funds.accounts(of: owner, store: chart.store)
                }
                if let escrow {
                    // What this replica's free slices hold is available to its own requests.
                    for index in accounts.indices { accounts[index].debitsPending -= escrow.free(accounts[index].id) }
                }
                let packages = PrepaidFunds.drawingOrder(accounts, unit: LedgerChart.tokenUnit(model), model: model, at: now)
                if estimate.tokens > 0, let parts = PrepaidFunds.split(estimate.tokens, across: packages) {
                    return Payer(owner: owner, packageModel: model, parts: parts)
                }
                if firstOnly, !packages.isEmpty {
                    if fresh { return nil } else { continue }
                }
                let money = PrepaidFunds.drawingOrder(accounts, unit: currency.code, model: nil, at: now)
                if estimate.sell.nanos == 0, !money.isEmpty { return Payer(owner: owner, packageModel: nil, parts: []) }
                if let parts = PrepaidFunds.split(estimate.sell.nanos, across: money) {
                    return Payer(owner: owner, packageModel: nil, parts: parts)
                }
                if packages.isEmpty && money.isEmpty { break }
                if firstOnly, fresh { return nil }
            }
        }
        // A request that costs nothing needs no funds; the organization is its payer.
        if estimate.sell.nanos == 0 { return Payer(owner: owners.last!, packageModel: nil, parts: []) }
        return nil
    }

    /// The budgets' accounts for the current period, made on first use with the period's allowance.
    private func budgetLegs(_ budgets: [Budget], session: String?, amount: Int64, currency: Currency,
                            at date: Date) async throws -> [Reservation.BudgetLeg] {
        guard amount > 0 else { return [] }
        var legs: [Reservation.BudgetLeg] = []
        for budget in budgets {
            let start = calendar.start(of: budget.period, containing: date)
            let accountID = LedgerChart.budget(budget, periodStart: start, session: session)
            let overrunID = LedgerChart.budgetOverrun(budget, periodStart: start, session: session)
            try await ensureAllowance(budget, accountID: accountID, overrunID: overrunID, periodStart: start)
            legs.append(Reservation.BudgetLeg(leg: .init(pendingID: TimeOrderedID(), accountID: accountID, amount: amount),
                                              overrunAccountID: overrunID, budget: budget, periodStart: start,
                                              session: budget.scope == .session ? session : nil))
        }
        return legs
    }

    /// Creates a budget period's account and credits it with the budget's amount, once.
    private func ensureAllowance(_ budget: Budget, accountID: String, overrunID: String, periodStart: Int64) async throws {
        let marker = "allowance:" + accountID
        if chart.isEnsured(marker) { return }
        let currency = budget.amount.currency
        let owner = AccountOwner(.system, "budgets")
        try await chart.ensure([
            Account(id: LedgerChart.budgetAllowance(currency), unit: currency.code, owner: owner, kind: .equity),
            Account(id: LedgerChart.budgetSpent(currency), unit: currency.code, owner: owner, kind: .revenue),
            Account(id: accountID, unit: currency.code, owner: owner, kind: .liability, flags: budget.hard ? .debitsMustNotExceedCredits : []),
            Account(id: overrunID, unit: currency.code, owner: owner, kind: .liability),
        ])
        // The id comes from the account, so every replica sends the same allowance and one is recorded.
        try await commit.submit(.single(id: .derived(milliseconds: UInt64(max(0, periodStart)), seed: marker),
                                        debit: LedgerChart.budgetAllowance(currency), credit: accountID,
                                        amount: budget.amount.nanos, code: .budget, reference: budget.id))
        chart.markEnsured(marker)
    }

    private func budgetRefusal(_ budget: Reservation.BudgetLeg, worstCase: Money) async throws -> GatewayError {
        let left = try await chart.store.account(id: budget.leg.accountID).map { Money(nanos: $0.available, currency: worstCase.currency) }
        let subject = switch budget.budget.scope {
        case .organization: "the organization"
        case .team: "team '\(budget.budget.subject)'"
        case .key: "key \(budget.budget.subject)"
        case .session: "session '\(budget.session ?? "")'"
        }
        let period = budget.budget.period == .total ? "total" : budget.budget.period.rawValue + "ly"
        return GatewayError.paymentRequired(
            "The \(period) budget of \(subject) (\(budget.budget.amount), budget \(budget.budget.id)) cannot cover this request's "
                + "worst-case cost of \(worstCase): \(left?.description ?? "nothing") left.",
            code: budget.budget.scope == .session ? "session_budget_exceeded" : "budget_exceeded")
    }
}

extension Reservation.BudgetLeg {
    /// The same leg with a fresh pending id, for another attempt.
    func renewed() -> Reservation.BudgetLeg {
        Reservation.BudgetLeg(leg: .init(pendingID: TimeOrderedID(), accountID: leg.accountID, amount: leg.amount),
                              overrunAccountID: overrunAccountID, budget: budget, periodStart: periodStart, session: session)
    }
}

extension LedgerChart {
    /// A budget period's account: `budget:{id}:{start}`, or `budget:{id}:{start}:session:{session}`.
    static func budget(_ budget: Budget, periodStart: Int64, session: String?) -> String {
        if budget.scope == .session, let session { return "budget:\(budget.id):\(periodStart):session:\(session)" }
        return "budget:\(budget.id):\(periodStart)"
    }

    /// Its overrun account: `over` comes before the session, so no session name (which may hold
    /// colons) can make one budget account's id equal another's overrun.
    static func budgetOverrun(_ budget: Budget, periodStart: Int64, session: String?) -> String {
        if budget.scope == .session, let session { return "budget:\(budget.id):\(periodStart):over:session:\(session)" }
        return "budget:\(budget.id):\(periodStart):over"
    }
}
