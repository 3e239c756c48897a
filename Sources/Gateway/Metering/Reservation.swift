import Ledger
import TollgateCore

/// A request's hold on its payer's funds and on its budgets: linked pending transfers made before
/// the upstream call, for the worst case the request could cost.
///
/// Settling turns them into the actual charge; `settlementPlans(for:)` says how, as ledger batches
/// to try in order. Every transfer id is derived from the request id, so a settlement that is
/// retried (the record writer retries a failed transaction) is recorded once.
struct Reservation: Sendable {
    /// One pending transfer.
    struct Leg: Sendable, Hashable {
        let pendingID: TimeOrderedID
        let accountID: String
        let amount: Int64
    }

    /// One budget's pending transfer, and where spending beyond it is booked.
    struct BudgetLeg: Sendable, Hashable {
        let leg: Leg
        let overrunAccountID: String
        let budget: Budget
        let periodStart: Int64
        let session: String?
    }

    let requestID: String
    /// When it was made, in milliseconds: the time part of every derived transfer id.
    let createdAt: Int64
    let currency: Currency
    /// Who pays: the key, its team or its organization.
    let payer: AccountOwner
    let provider: String
    /// Set when a token package pays: the model whose tokens it holds.
    let packageModel: String?
    /// The customer legs, in the payer's drawing order, in `unit`.
    let funds: [Leg]
    let budgets: [BudgetLeg]

    var paysInTokens: Bool { packageModel != nil }
    var unit: String { packageModel.map(LedgerChart.tokenUnit) ?? currency.code }
    /// What is held, in `unit` (tokens or nano-units).
    var reserved: Int64 { funds.reduce(0) { $0 + $1.amount } }
    var owedAccountID: String { LedgerChart.owed(payer, unit: unit) }

    /// What a settled request is charged.
    struct Charge: Sendable, Hashable {
        /// At the organization's sell price.
        var sell: Money
        /// At the provider's price.
        var cost: Money
        /// Every token of the request (what a token package pays).
        var tokens: Int64
    }

    /// How a settlement ended, as the request record says it.
    enum Outcome: String, Sendable {
        /// Posted within the reservation (any excess drawn from the same funds and budgets).
        case posted
        /// Posted; what the funds could not cover is booked as owed.
        case postedWithDebt = "posted_with_debt"
        /// Posted; what a hard budget could not cover is booked as the budget's overrun.
        case postedOverBudget = "posted_over_budget"
        /// Both of the above.
        case postedWithDebtOverBudget = "posted_with_debt_over_budget"
        /// The reservation had already timed out: its hold released and the charge drawn afresh
        /// (from the funds, else owed; against the budgets, else their overrun).
        case bookedAfterExpiry = "booked_after_expiry"
        /// Released: the request failed or was refused after reserving (or its hold had already
        /// timed out and the expiry service releases it).
        case voided
        /// The ledger refused every plan; the reservation expires on its own (see the log).
        case failed
    }

    /// One way to settle: `prelude` batches go first with their results ignored (releasing holds
    /// that timed out, with the expiry service's own ids, so whichever comes first counts once),
    /// then `batch`, which is the settlement if the ledger accepts it.
    struct Plan: Sendable {
        var outcome: Outcome
        var batch: TransferBatch
        var prelude: [TransferBatch] = []
    }

    /// The plans to try in order: the first the ledger accepts is the settlement. `nil` releases
    /// the reservation.
    ///
    /// Funds and budgets fall back apart: a fund that cannot take the excess makes it owed without
    /// touching the budgets, and a hard budget that cannot take it books the overrun without
    /// touching the funds — the overrun is the only way past a hard budget, and only for what
    /// settles above its reservation.
    func settlementPlans(for charge: Charge?) -> [Plan] {
        guard let charge else {
            let voids = funds.enumerated().map { index, leg in
                TransferRequest.void(id: id("void-\(leg.pendingID)", index), pending: leg.pendingID, reference: requestID)
            } + budgets.enumerated().map { index, budget in
                TransferRequest.void(id: id("void-budget-\(budget.leg.pendingID)", index), pending: budget.leg.pendingID, code: .budget,
                                     reference: requestID)
            }
            return voids.isEmpty ? [] : [Plan(outcome: .voided, batch: TransferBatch(voids))]
        }
        let amount = paysInTokens ? charge.tokens : charge.sell.nanos
        let sell = charge.sell.nanos
        // An excess is drawn from the last fund the reservation drew on, else from the others.
        let fundAccounts = funds.map(\.accountID).reversed().reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let excessSources = fundAccounts.isEmpty ? [owedAccountID] : fundAccounts
        var steps: [(Outcome, String, Bool, String)] = excessSources.enumerated().map { (.posted, $1, false, "a\($0)") }
        steps.append((.postedWithDebt, owedAccountID, false, "b"))
        steps += excessSources.enumerated().map { (.postedOverBudget, $1, true, "b2-\($0)") }
        steps.append((.postedWithDebtOverBudget, owedAccountID, true, "b3"))
        var plans: [Plan] = []
        // Within the reservation's lifetime: post, with the excess from (funds | owed) × (budget | overrun).
        for (outcome, excessFrom, overrun, tag) in steps {
            if overrun && budgets.allSatisfy({ !$0.budget.hard }) { continue }
            plans.append(Plan(outcome: outcome, batch: TransferBatch(posting(amount, excessFrom: excessFrom, tag: tag)
                + budgetPosting(sell, overrun: overrun, tag: tag) + providerLegs(charge, tag: tag))))
        }
        // After it timed out: release the holds, then book the charge afresh the same four ways.
        let expiries = (funds + budgets.map(\.leg)).map { leg in
            TransferBatch([TransferRequest(id: ExpiryService.expiryID(for: leg.pendingID), .expire(pendingID: leg.pendingID),
                                           code: budgets.contains { $0.leg == leg } ? .budget : .usage, reference: requestID)])
        }
        for (fromFunds, overrun, tag) in [(true, false, "c1"), (false, false, "c2"), (true, true, "c3"), (false, true, "c4")] {
            if overrun && budgets.allSatisfy({ !$0.budget.hard }) { continue }
            let customer = fromFunds ? drawing(amount, tag: tag) : booking(amount, from: owedAccountID, tag: tag)
            plans.append(Plan(outcome: .bookedAfterExpiry, batch: TransferBatch(customer + budgetBooking(sell, overrun: overrun, tag: tag)
                + providerLegs(charge, tag: tag)), prelude: tag == "c1" ? expiries : []))
        }
        return plans.filter { !$0.batch.transfers.isEmpty }
    }

    /// Posts `amount` across the customer legs in order, voids what is left unused, and books any
    /// excess from `excessFrom`.
    private func posting(_ amount: Int64, excessFrom: String, tag: String) -> [TransferRequest] {
        var rest = amount
        var transfers: [TransferRequest] = []
        for (index, leg) in funds.enumerated() {
            let take = min(rest, leg.amount)
            rest -= take
            transfers.append(take > 0 ? .post(id: id("\(tag)-post", index), pending: leg.pendingID, amount: take, reference: requestID)
                                      : .void(id: id("\(tag)-void", index), pending: leg.pendingID, reference: requestID))
        }
        if rest > 0 { transfers += booking(rest, from: excessFrom, tag: "\(tag)-excess") }
        return transfers
    }

    /// The charge drawn afresh from the funds the reservation held, in the same order, for a
    /// reservation that has timed out (its holds released first, see `settlementPlans`).
    private func drawing(_ amount: Int64, tag: String) -> [TransferRequest] {
        var rest = amount
        var transfers: [TransferRequest] = []
        for (index, leg) in funds.enumerated() where rest > 0 {
            let take = index == funds.count - 1 ? rest : min(rest, leg.amount)
            rest -= take
            transfers += booking(take, from: leg.accountID, tag: "\(tag)-\(index)")
        }
        return rest > 0 ? transfers + booking(rest, from: owedAccountID, tag: "\(tag)-owed") : transfers
    }

    private func budgetBooking(_ sell: Int64, overrun: Bool, tag: String) -> [TransferRequest] {
        guard sell > 0 else { return [] }
        return budgets.enumerated().map { index, budget in
            .single(id: id("\(tag)-budget", index), debit: overrun ? budget.overrunAccountID : budget.leg.accountID,
                    credit: LedgerChart.budgetSpent(currency), amount: sell, code: .budget, reference: requestID)
        }
    }

    private func booking(_ amount: Int64, from account: String, tag: String) -> [TransferRequest] {
        guard amount > 0 else { return [] }
        let credit = packageModel.map(LedgerChart.tokensRedeemed) ?? LedgerChart.usage(currency)
        return [.single(id: id(tag, 0), debit: account, credit: credit, amount: amount, code: .usage, reference: requestID)]
    }

    private func budgetPosting(_ sell: Int64, overrun: Bool, tag: String) -> [TransferRequest] {
        budgets.enumerated().flatMap { index, budget -> [TransferRequest] in
            let take = min(sell, budget.leg.amount)
            var transfers: [TransferRequest] = [
                take > 0 ? .post(id: id("\(tag)-budget-post", index), pending: budget.leg.pendingID, amount: take, code: .budget, reference: requestID)
                         : .void(id: id("\(tag)-budget-void", index), pending: budget.leg.pendingID, code: .budget, reference: requestID),
            ]
            if sell > take {
                transfers.append(.single(id: id("\(tag)-budget-excess", index),
                                         debit: overrun ? budget.overrunAccountID : budget.leg.accountID,
                                         credit: LedgerChart.budgetSpent(currency), amount: sell - take, code: .budget,
                                         reference: requestID))
            }
            return transfers
        }
    }

    /// The provider leg at cost and the platform's margin (sell less cost; negative when an
    /// organization's price is below cost). A token package's provider cost is the platform's expense.
    private func providerLegs(_ charge: Charge, tag: String) -> [TransferRequest] {
        var transfers: [TransferRequest] = []
        let payable = LedgerChart.payable(provider, currency)
        let cost = charge.cost.nanos
        if paysInTokens {
            if cost > 0 {
                transfers.append(.single(id: id("\(tag)-provider", 0), debit: LedgerChart.packageCost(currency), credit: payable,
                                         amount: cost, code: .usage, reference: requestID))
            }
            return transfers
        }
        let usage = LedgerChart.usage(currency)
        if cost > 0 {
            transfers.append(.single(id: id("\(tag)-provider", 0), debit: usage, credit: payable, amount: cost, code: .usage,
                                     reference: requestID))
        }
        let margin = charge.sell.nanos - cost
        if margin != 0 {
            transfers.append(.single(id: id("\(tag)-margin", 0), debit: margin > 0 ? usage : LedgerChart.margin(currency),
                                     credit: margin > 0 ? LedgerChart.margin(currency) : usage, amount: abs(margin),
                                     code: .usage, reference: requestID))
        }
        return transfers
    }

    private func id(_ tag: String, _ index: Int) -> TimeOrderedID {
        TimeOrderedID.derived(milliseconds: UInt64(createdAt), seed: "\(requestID):\(tag):\(index)")
    }
}

extension TransferCode {
    /// Budget memo transfers: what a budget allows and what was spent against it.
    static let budget = TransferCode("budget")
}
