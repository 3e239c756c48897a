import TollgateCore

/// An owner's statement for a period `[from, to)`: per account, the opening balance, every
/// transfer that moved posted funds, and the closing balance.
///
/// Balances are exact (nano-units or tokens). Only totals are also shown rounded to the currency's
/// minor unit (half-even): the opening and closing balances, and the period's movement as the
/// difference of the two rounded balances — so what one statement's rounding leaves over
/// (`remainderNanos`) is carried into the next one instead of being lost, and the rounded
/// movements of consecutive statements add up exactly to the rounded change over all of them.
public struct Statement: Sendable, Hashable, Codable {
    public var owner: String
    public var from: Int64
    public var to: Int64
    public var accounts: [AccountStatement]

    /// Builds the statement of `owner` from the ledger.
    public static func build(store: any LedgerStore, owner: AccountOwner, from: Int64, to: Int64) async throws -> Statement {
        var sections: [AccountStatement] = []
        for account in try await store.accounts(owner: owner) {
            let before = try await store.transfers(involving: [account.id], from: Int64.min, to: from)
            let during = try await store.transfers(involving: [account.id], from: from, to: to)
            var balance = before.reduce(Int64(0)) { $0 + account.signedEffect(of: $1) }
            let opening = balance
            var lines: [StatementLine] = []
            var debits: Int64 = 0
            var credits: Int64 = 0
            for transfer in during where transfer.isPosting {
                let isDebit = transfer.debitAccountID == account.id
                balance += account.signedEffect(of: transfer)
                if isDebit { debits += transfer.amount } else { credits += transfer.amount }
                lines.append(StatementLine(
                    sequence: transfer.sequence, transferID: transfer.id.description, timestamp: transfer.timestamp,
                    code: transfer.code.rawValue, reference: transfer.reference,
                    counterparty: isDebit ? transfer.creditAccountID : transfer.debitAccountID,
                    debit: isDebit ? transfer.amount : 0, credit: isDebit ? 0 : transfer.amount, balance: balance))
            }
            sections.append(AccountStatement(
                accountID: account.id, unit: account.unit, kind: account.kind.rawValue, opening: opening,
                debits: debits, credits: credits, closing: balance, lines: lines,
                openingRounded: StatementRounding(unit: account.unit, amount: opening),
                closingRounded: StatementRounding(unit: account.unit, amount: balance)))
        }
        return Statement(owner: owner.description, from: from, to: to, accounts: sections)
    }
}

/// One account's part of a statement. Amounts are in the unit's smallest amount: nano-units of a
/// currency, or tokens.
public struct AccountStatement: Sendable, Hashable, Codable {
    public var accountID: String
    public var unit: String
    public var kind: String
    public var opening: Int64
    public var debits: Int64
    public var credits: Int64
    public var closing: Int64
    public var lines: [StatementLine]
    /// The opening balance at the currency's minor unit, when the unit is a known currency; its
    /// remainder is the one the previous statement carried over.
    public var openingRounded: StatementRounding?
    /// The closing balance at the currency's minor unit, when the unit is a known currency.
    public var closingRounded: StatementRounding?

    /// The period's movement at the currency's minor unit: rounded closing less rounded opening, so
    /// consecutive statements' movements add up without drift. In minor units (cents).
    public var movementRoundedMinor: Int64? {
        guard let openingRounded, let closingRounded else { return nil }
        return closingRounded.minorUnits - openingRounded.minorUnits
    }
}

public struct StatementLine: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var transferID: String
    public var timestamp: Int64
    public var code: String
    public var reference: String?
    public var counterparty: String
    public var debit: Int64
    public var credit: Int64
    /// The account's balance after this line.
    public var balance: Int64
}

/// A total rounded half-even to the currency's minor unit, and what rounding left over.
public struct StatementRounding: Sendable, Hashable, Codable {
    /// Such as `12.35`.
    public var rounded: String
    /// exact − rounded, in nano-units, carried to the next statement rather than lost.
    public var remainderNanos: Int64
    /// The rounded amount in minor units (cents).
    public var minorUnits: Int64

    init?(unit: String, amount: Int64) {
        guard let currency = Currency(knownCode: unit) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<(9 - currency.minorUnitDigits) { scale *= 10 }
        let minor = Int64(dividedRoundingHalfEven(Int128(amount), by: Int128(scale)))
        remainderNanos = amount - minor * scale
        minorUnits = minor
        let digits = currency.minorUnitDigits
        let magnitude = minor.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = magnitude / divisor
        let fraction = String(magnitude % divisor)
        let sign = minor < 0 ? "-" : ""
        rounded = digits == 0 ? "\(sign)\(whole)"
            : "\(sign)\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}

extension Account {
    /// How a posting transfer changes this account's balance (its normal side counts positive).
    func signedEffect(of transfer: Transfer) -> Int64 {
        guard transfer.isPosting else { return 0 }
        let debit = transfer.debitAccountID == id
        return debit == kind.isDebitNormal ? transfer.amount : -transfer.amount
    }
}
