import ArgumentParser
import Foundation
import Ledger
import SQLKit
import Storage

struct StatementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "An organization's statement for a period: opening balance, transfers, closing balance.")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The organization, by id or name.") var org: String
    @OptionGroup var period: StatementPeriod

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                let rows = try await database.sql.raw("""
                    SELECT id FROM organizations WHERE id = \(bind: org) OR name = \(bind: org)
                    """).all()
                let id = try rows.first?.decode(column: "id", as: String.self) ?? org
                print(try await period.render(owner: AccountOwner(.organization, id), database: database), terminator: "")
            }
        }
    }
}

struct SettlementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement", abstract: "A provider's settlement statement for a period: what is owed to it and what was paid.")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The provider, as named in the configuration.") var provider: String
    @OptionGroup var period: StatementPeriod

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                print(try await period.render(owner: AccountOwner(.provider, provider), database: database), terminator: "")
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
