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
        /// Posted within the reservation (any excess drawn from the same funds).
        case posted
        /// Posted, and what the funds or a hard budget could not cover booked as owed.
        case postedWithDebt = "posted_with_debt"
        /// The reservation had already timed out: the charge drawn from the same funds afresh, or
        /// booked as owed where they cannot cover it.
        case bookedAfterExpiry = "booked_after_expiry"
        /// Released: the request failed or was refused after reserving.
        case voided
        /// The ledger refused every plan; the reservation expires on its own (see the log).
        case failed
    }

    /// The batches to try in order, each with the outcome it stands for: the first the ledger
    /// accepts is the settlement. `nil` releases the reservation.
    func settlementPlans(for charge: Charge?) -> [(outcome: Outcome, batch: TransferBatch)] {
        guard let charge else {
            let voids = (funds + budgets.map(\.leg)).enumerated().map { index, leg in
                TransferRequest.void(id: id("void", index), pending: leg.pendingID, reference: requestID)
            }
            return voids.isEmpty ? [] : [(.voided, TransferBatch(voids))]
        }
        let amount = paysInTokens ? charge.tokens : charge.sell.nanos
        let sell = charge.sell.nanos
        return [
            (.posted, TransferBatch(posting(amount, excessFrom: funds.last?.accountID ?? owedAccountID, tag: "a")
                + budgetPosting(sell, overrun: false, tag: "a") + providerLegs(charge, tag: "a"))),
            (.postedWithDebt, TransferBatch(posting(amount, excessFrom: owedAccountID, tag: "b")
                + budgetPosting(sell, overrun: true, tag: "b") + providerLegs(charge, tag: "b"))),
            (.bookedAfterExpiry, TransferBatch(drawing(amount, tag: "c1") + budgetBooking(sell, tag: "c1") + providerLegs(charge, tag: "c1"))),
            (.bookedAfterExpiry, TransferBatch(booking(amount, from: owedAccountID, tag: "c")
                + budgetBooking(sell, tag: "c") + providerLegs(charge, tag: "c"))),
        ].filter { !$0.batch.transfers.isEmpty }
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
    /// reservation that has already timed out (its hold still counts until the expiry service
    /// releases it, so this fits only where the funds have room for both).
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

    private func budgetBooking(_ sell: Int64, tag: String) -> [TransferRequest] {
        guard sell > 0 else { return [] }
        return budgets.enumerated().map { index, budget in
            .single(id: id("\(tag)-budget", index), debit: budget.overrunAccountID, credit: LedgerChart.budgetSpent(currency),
                    amount: sell, code: .budget, reference: requestID)
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
