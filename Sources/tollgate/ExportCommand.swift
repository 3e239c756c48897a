import ArgumentParser
import Foundation
import Gateway
import Storage
import TollgateCore

/// `tollgate export usage --from DATE --to DATE [--org ORG] [--format csv|jsonl|cloudevents]`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export settled usage for invoicing systems.", subcommands: [UsageExportCommand.self])
}

struct UsageExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "One line per settled request in a period: CSV, JSON lines, or CloudEvents (OpenMeter's ingest shape).")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "Only this organization, by id or name (default: every organization).") var org: String?
    @Option(help: "Start, inclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var from: String
    @Option(help: "End, exclusive: YYYY-MM-DD (UTC midnight) or an ISO 8601 instant.") var to: String
    @Option(help: "csv, jsonl or cloudevents.") var format: String = "csv"

    func validate() throws {
        guard UsageExport.Format(rawValue: format) != nil else { throw ValidationError("--format: '\(format)' is not csv, jsonl or cloudevents") }
        guard let start = StatementPeriod.instant(from), let end = StatementPeriod.instant(to) else {
            throw ValidationError("--from/--to: expected YYYY-MM-DD or an ISO 8601 instant")
        }
        guard start < end else { throw ValidationError("--from must be before --to") }
    }

    func run() async throws {
        try await reportingFailure {
            try await databaseOptions.withDatabase { database in
                var organizationID: String?
                if let org {
                    guard let organization = try await AccountStore(database: database).organization(named: org) else {
                        throw CommandFailure("no organization '\(org)'")
                    }
                    organizationID = organization.id
                }
                let format = UsageExport.Format(rawValue: format)!
                let output = FileHandle.standardOutput
                if let header = UsageExport.header(format) { output.write(Data(header.utf8)) }
                try await RequestRecordStore(database: database).forEachPage(
                    organizationID: organizationID, from: Timestamp.date(milliseconds: StatementPeriod.instant(from)!),
                    to: Timestamp.date(milliseconds: StatementPeriod.instant(to)!)) { page in
                        output.write(Data(UsageExport.lines(page, format: format).utf8))
                    }
            }
        }
    }
}
