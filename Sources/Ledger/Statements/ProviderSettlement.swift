import TollgateCore

/// What a provider was owed and paid over a period, per currency, reconciled against its invoice.
///
/// Built from the provider's liability accounts (what the platform owes it): usage settled at
/// cost credits them (`accrued`), payments debit them with code `settlement` (`paid`), anything
/// else is an adjustment (corrections, refunds). `owed` at the close is what is still to pay. Given
/// the provider's own invoiced total, `difference` = invoiced − accrued says whether its bill
/// agrees with the ledger to the nano-unit.
public struct ProviderSettlement: Sendable, Hashable, Codable {
    public var provider: String
    public var from: Int64
    public var to: Int64
    public var accounts: [Line]

    public struct Line: Sendable, Hashable, Codable {
        public var accountID: String
        public var unit: String
        public var openingOwed: Int64
        public var accrued: Int64
        /// How many transfers the accrual is made of (settled requests).
        public var accruedTransfers: Int
        public var paid: Int64
        public var adjustments: Int64
        public var closingOwed: Int64
        public var invoiced: Int64?
        public var difference: Int64?
        public var closingOwedRounded: StatementRounding?
    }

    /// - Parameter invoiced: the provider's invoiced totals for the period, by unit.
    public static func build(store: any LedgerStore, provider: String, from: Int64, to: Int64,
                             invoiced: [String: Int64] = [:]) async throws -> ProviderSettlement {
        var lines: [Line] = []
        for account in try await store.accounts(owner: AccountOwner(.provider, provider)) where account.kind == .liability {
            let before = try await store.transfers(involving: [account.id], from: Int64.min, to: from)
            let opening = before.reduce(Int64(0)) { $0 + account.signedEffect(of: $1) }
            var line = Line(accountID: account.id, unit: account.unit, openingOwed: opening, accrued: 0, accruedTransfers: 0, paid: 0,
                            adjustments: 0, closingOwed: opening, invoiced: invoiced[account.unit])
            for transfer in try await store.transfers(involving: [account.id], from: from, to: to) where transfer.isPosting {
                let effect = account.signedEffect(of: transfer)
                switch transfer.code {
                case .usage where effect > 0:
                    line.accrued += effect
                    line.accruedTransfers += 1
                case .settlement where effect < 0:
                    line.paid -= effect
                default:
                    line.adjustments += effect
                }
                line.closingOwed += effect
            }
            line.difference = line.invoiced.map { $0 - line.accrued }
            line.closingOwedRounded = StatementRounding(unit: account.unit, amount: line.closingOwed)
            lines.append(line)
        }
        return ProviderSettlement(provider: provider, from: from, to: to, accounts: lines)
    }

    /// Whether every invoiced total matches the ledger's accrual.
    public var reconciles: Bool { accounts.allSatisfy { ($0.difference ?? 0) == 0 } }
}
