import ArgumentParser
import Foundation

@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "A self-hosted LLM gateway that meters, prices and settles every token.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, MigrateCommand.self, SimulateCommand.self, ReplayCommand.self,
            OrgsCommand.self, CreditsCommand.self, KeysCommand.self, TeamsCommand.self, BudgetsCommand.self,
            PackagesCommand.self, SessionsCommand.self,
            TokenizeCommand.self, CountCommand.self, PricesCommand.self, RouteEvalCommand.self, RouteTrainCommand.self,
            LedgerCommand.self, StatementCommand.self, SettlementCommand.self, ReportCommand.self, ExportCommand.self,
        ]
    )

    /// Runs the command line with the exit statuses INTERFACE.md promises: 0 success, 1 a refusal
    /// or failure (reported by the command), 2 a usage error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
