import ArgumentParser
import Foundation

/// The `tollgate` command line (the tokenizer subcommands only, on this branch).
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "A self-hosted LLM gateway with exact token accounting.",
        subcommands: [TokenizeCommand.self, CountCommand.self]
    )

    /// INTERFACE.md wants exit status 2 for usage errors; ArgumentParser's default is 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
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
