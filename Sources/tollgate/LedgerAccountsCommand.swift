import ArgumentParser
import Foundation
import Ledger
import Storage
import TollgateCore

/// An amount typed for a unit: a decimal for a currency (`12.50` USD is 12,500,000,000 nano-units),
/// a whole number for a token unit.
func ledgerAmount(_ text: String, unit: String) throws -> Int64 {
    if let currency = Currency(knownCode: unit) {
        guard let money = try? Money(decimal: text, currency: currency), money.nanos > 0 else {
            throw CommandFailure("'\(text)' is not a positive \(unit) amount such as 12.50")
        }
        return money.nanos
    }
    guard let tokens = Int64(text), tokens > 0 else { throw CommandFailure("'\(text)' is not a positive whole number of \(unit)") }
    return tokens
}

struct LedgerAccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accounts", abstract: "Ledger accounts.",
                                                    subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account (idempotent: the same fields again are a no-op, different ones an error).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "The account's id, such as org:acme:USD:granted.") var id: String
        @Option(help: "A currency code (USD) or a token unit (tokens:deepseek-chat).") var unit: String
        @Option(help: "KIND:ID, KIND one of organization, team, key, provider, platform, system.") var owner: String
        @Option(help: "asset, liability, equity, revenue or expense.") var kind: String
        @Flag(help: "Debits (pending included) may not exceed credits: a prepaid balance.") var debitsMustNotExceedCredits = false
        @Flag(help: "Credits (pending included) may not exceed debits.") var creditsMustNotExceedDebits = false
        @Option(help: "For prepaid funds: lower is drawn first.") var priority: Int64 = 0
        @Option(help: "For prepaid funds: when what is left expires (YYYY-MM-DD or ISO 8601).") var expires: String?
        @Option(help: "For token packages: the model its tokens are for.") var model: String?

        func validate() throws {
            guard Self.owner(owner) != nil else { throw ValidationError("--owner: expected KIND:ID with KIND one of \(AccountOwner.Kind.allCases.map(\.rawValue).joined(separator: ", "))") }
            guard AccountKind(rawValue: kind) != nil else { throw ValidationError("--kind: one of \(AccountKind.allCases.map(\.rawValue).joined(separator: ", "))") }
            if let expires, StatementPeriod.instant(expires) == nil { throw ValidationError("--expires: '\(expires)' is not a date") }
        }

        static func owner(_ text: String) -> AccountOwner? {
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let kind = AccountOwner.Kind(rawValue: String(parts[0])), !parts[1].isEmpty else { return nil }
            return AccountOwner(kind, String(parts[1]))
        }

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    var flags: AccountFlags = []
                    if debitsMustNotExceedCredits { flags.insert(.debitsMustNotExceedCredits) }
                    if creditsMustNotExceedDebits { flags.insert(.creditsMustNotExceedDebits) }
                    let account = Account(id: id, unit: unit, owner: Self.owner(owner)!, kind: AccountKind(rawValue: kind)!, flags: flags,
                                          priority: priority, expiresAt: expires.flatMap(StatementPeriod.instant), model: model)
                    let created = try await SQLLedgerStore(database: database).createAccounts([account])[0]
                    print(LedgerAccountsCommand.describe(created))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts with their balances, optionally of one owner.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "KIND:ID, such as provider:deepseek.") var owner: String?

        func validate() throws {
            if let owner, Create.owner(owner) == nil { throw ValidationError("--owner: expected KIND:ID") }
        }

        func run() async throws {
            try await reportingFailure {
                try await databaseOptions.withDatabase { database in
                    let store = SQLLedgerStore(database: database)
                    let accounts: [Account]
                    if let owner = owner.flatMap(Create.owner) {
                        accounts = try await store.accounts(owner: owner)
                    } else {
                        accounts = try await store.allAccounts()
                    }
                    for account in accounts { print(LedgerAccountsCommand.describe(account)) }
                }
            }
        }
    }

    static func describe(_ account: Account) -> String {
        "\(account.id)\t\(account.unit)\t\(account.owner)\t\(account.kind.rawValue)\tbalance \(account.balance)\tavailable \(account.available)"
    }
}

struct LedgerTransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer", abstract: "Record a transfer between two accounts of one unit (a correction, a top-up, a refund).")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The account debited.") var debit: String
    @Option(help: "The account credited.") var credit: String
    @Option(help: "A decimal for a currency (12.50), a whole number for tokens.") var amount: String
    @Option(help: "Why: usage, top_up, grant, purchase, refund, expiry, settlement, correction, ….") var code: String = "correction"
    @Option(help: "What it is for outside the ledger: an invoice, a ticket.") var reference: String?
    @Option(help: "The transfer id (a UUID); sending the same id again is a no-op. Default: a new one.") var id: String?

    func validate() throws {
        if let id, TimeOrderedID(id) == nil { throw ValidationError("--id: not a UUID") }
    }

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                let store = SQLLedgerStore(database: database)
                guard let account = try await store.account(id: debit) else { throw CommandFailure("no account '\(debit)'") }
                let transfer = try await store.submit(.single(id: id.flatMap(TimeOrderedID.init) ?? TimeOrderedID(), debit: debit, credit: credit,
                                                              amount: try ledgerAmount(amount, unit: account.unit),
                                                              code: TransferCode(code), reference: reference))
                print("\(transfer.id)\t\(transfer.debitAccountID) -> \(transfer.creditAccountID)\t\(transfer.amount) \(account.unit)\t\(transfer.code)")
            }
        }
    }
}

struct LedgerPayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pay", abstract: "Record a payment to a provider: its payable falls, the platform's cash falls (code settlement).")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The provider, as named in the configuration.") var provider: String
    @Option(help: "The amount paid, e.g. 120.50.") var amount: String
    @Option(help: "Its currency.") var currency: String = "USD"
    @Option(help: "The invoice or payment reference.") var reference: String?
    @Option(help: "The transfer id (a UUID), so a retried payment is recorded once. Default: a new one.") var id: String?

    func validate() throws {
        guard Currency(knownCode: currency) != nil else { throw ValidationError("--currency: unknown currency '\(currency)'") }
        if let id, TimeOrderedID(id) == nil { throw ValidationError("--id: not a UUID") }
    }

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                let store = SQLLedgerStore(database: database)
                let payable = "provider:\(provider):\(currency):payable"
                guard try await store.account(id: payable) != nil else { throw CommandFailure("nothing is owed to '\(provider)' in \(currency) (no \(payable))") }
                let cash = Account(id: "platform:\(currency):cash", unit: currency, owner: AccountOwner(.platform, currency), kind: .asset)
                try await store.createAccounts([cash])
                let transfer = try await store.submit(.single(id: id.flatMap(TimeOrderedID.init) ?? TimeOrderedID(), debit: payable, credit: cash.id,
                                                              amount: try ledgerAmount(amount, unit: currency), code: .settlement,
                                                              reference: reference))
                let owed = try await store.account(id: payable)?.balance ?? 0
                print("paid \(Money(nanos: transfer.amount, currency: Currency(knownCode: currency)!)) to \(provider); still owed \(Money(nanos: owed, currency: Currency(knownCode: currency)!))")
            }
        }
    }
}
