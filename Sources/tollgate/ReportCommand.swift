import ArgumentParser
import Foundation
import Gateway
import Storage
import TollgateCore

/// `tollgate report waste|savings --org ORG --from DATE --to DATE [--format table|json]`.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Where an organization's tokens were wasted, or what it saved, in a period.",
        subcommands: [WasteReportCommand.self, SavingsReportCommand.self])
}

struct ReportScope: ParsableArguments {
    @OptionGroup var databaseOptions: DatabaseOptions
    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "The organization, by id or name.") var org: String
    @Option(help: "Start, inclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var from: String
    @Option(help: "End, exclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var to: String
    @Option(help: "table or json.") var format: String = "table"

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format: '\(format)' is neither table nor json") }
        guard let start = StatementPeriod.instant(from), let end = StatementPeriod.instant(to) else {
            throw ValidationError("--from/--to: expected YYYY-MM-DD or an ISO 8601 instant")
        }
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    /// Reads the organization's records of the period and renders what `build` makes of them.
    func run(_ build: @escaping ([RequestRecord], Organization, GatewayConfiguration, Date, Date) -> (table: String, json: JSONValue))
        async throws {
        let configuration = try configOptions.load()
        try await databaseOptions.withDatabase { database in
            guard let organization = try await AccountStore(database: database).organization(named: org) else {
                throw CommandFailure("no organization '\(org)'")
            }
            let start = Timestamp.date(milliseconds: StatementPeriod.instant(from)!)
            let end = Timestamp.date(milliseconds: StatementPeriod.instant(to)!)
            let records = try await RequestRecordStore(database: database).records(organizationID: organization.id, from: start, to: end)
            let report = build(records, organization, configuration, start, end)
            print(format == "json" ? report.json.jsonText : report.table, terminator: format == "json" ? "\n" : "")
        }
    }
}

struct WasteReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waste",
        abstract: "Repeated prompts, prefixes billed uncached, oversized instructions, tool output, growing contexts, cut-off answers.")
    @OptionGroup var scope: ReportScope

    func run() async throws {
        try await reportingFailure {
            try await scope.run { records, organization, configuration, from, to in
                let report = WasteReport.build(records: records, organization: organization, configuration: configuration, from: from, to: to)
                return (report.table, report.json)
            }
        }
    }
}

struct SavingsReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savings", abstract: "What the response cache, providers' prompt caches and routing saved.")
    @OptionGroup var scope: ReportScope

    func run() async throws {
        try await reportingFailure {
            try await scope.run { records, organization, configuration, from, to in
                let report = SavingsReport.build(records: records, organization: organization, configuration: configuration, from: from, to: to)
                return (report.table, report.json)
            }
        }
    }
}
