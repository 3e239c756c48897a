import ArgumentParser
import Foundation

/// The `tollgate` command line. A minimal root for the `pricing` branch; the lead's root
/// replaces it at merge.
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "A self-hosted LLM gateway that makes the token the unit of account.",
        subcommands: [PricesCommand.self]
    )

    /// Usage errors exit 2, as INTERFACE.md says (ArgumentParser's default is 64); help exits
    /// 0 and failures 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == .failure { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
