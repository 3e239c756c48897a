import ArgumentParser
import Foundation
import Gateway
import Ledger
import SQLKit
import Storage
import TollgateCore

struct StatementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "An organization's statement for a period: opening balance, transfers, closing balance.")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The organization, by id or name.") var org: String
    @Option(help: "The statement of this team's own funds instead.") var team: String?
    @Option(help: "The statement of this key's own funds (key_…) instead.") var key: String?
    @OptionGroup var period: StatementPeriod

    func validate() throws {
        if team != nil, key != nil { throw ValidationError("--team and --key: give one, not both") }
    }

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                let owner: AccountOwner
                if let organization = try await AccountStore(database: database).organization(named: org) {
                    owner = try AdminInput.holder(team: team, key: key).owner(in: organization)
                } else if team == nil, key == nil {
                    owner = AccountOwner(.organization, org)  // a ledger owner with no organization row
                } else {
                    throw CommandFailure("no organization '\(org)'")
                }
                print(try await period.render(owner: owner, database: database), terminator: "")
            }
        }
    }
}

struct SettlementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement",
        abstract: "A provider's settlement for a period: owed at the start, accrued, paid, owed at the end; reconciled with its invoice.")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The provider, as named in the configuration.") var provider: String
    @OptionGroup var period: StatementPeriod
    @Option(help: "The provider's invoiced total for the period, as CURRENCY:AMOUNT (USD:120.50); exit 1 if it differs from the ledger.")
    var invoice: [String] = []

    func validate() throws {
        for item in invoice {
            let parts = item.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let currency = Currency(knownCode: String(parts[0])),
                  (try? Money(decimal: String(parts[1]), currency: currency)) != nil
            else { throw ValidationError("--invoice: expected CURRENCY:AMOUNT such as USD:120.50") }
        }
    }

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                var invoiced: [String: Int64] = [:]
                for item in invoice {
                    let parts = item.split(separator: ":", maxSplits: 1)
                    invoiced[String(parts[0])] = try Money(decimal: String(parts[1]), currency: Currency(knownCode: String(parts[0]))!).nanos
                }
                let settlement = try await ProviderSettlement.build(
                    store: SQLLedgerStore(database: database), provider: provider,
                    from: StatementPeriod.instant(period.from)!, to: StatementPeriod.instant(period.to)!, invoiced: invoiced)
                if settlement.accounts.isEmpty { throw CommandFailure("provider:\(provider) has no ledger accounts") }
                print(try StatementFormat(rawValue: period.format)!.render(settlement), terminator: "")
                if !settlement.reconciles {
                    let differences = settlement.accounts.compactMap { line in
                        line.difference.flatMap { $0 == 0 ? nil : "\(line.unit) invoice − ledger = \($0) nano-units" }
                    }
                    throw CommandFailure("the invoice does not match the ledger: " + differences.joined(separator: "; "))
                }
            }
        }
    }
}

/// `--from`, `--to` and `--format`, shared by statements and settlements.
struct StatementPeriod: ParsableArguments {
    @Option(help: "Start, inclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var from: String
    @Option(help: "End, exclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var to: String
    @Option(help: "csv or json.") var format: String = "json"

    func validate() throws {
        guard StatementFormat(rawValue: format) != nil else { throw ValidationError("--format: '\(format)' is neither csv nor json") }
        guard let start = Self.instant(from), let end = Self.instant(to) else {
            throw ValidationError("--from/--to: expected YYYY-MM-DD or an ISO 8601 instant")
        }
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    func render(owner: AccountOwner, database: Database) async throws -> String {
        let statement = try await Statement.build(store: SQLLedgerStore(database: database), owner: owner,
                                                  from: Self.instant(from)!, to: Self.instant(to)!)
        if statement.accounts.isEmpty { throw CommandFailure("\(owner) has no ledger accounts") }
        return try StatementFormat(rawValue: format)!.render(statement)
    }

    /// Milliseconds since the epoch.
    static func instant(_ text: String) -> Int64? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return Timestamp.milliseconds(date) }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text).map(Timestamp.milliseconds)
    }
}
