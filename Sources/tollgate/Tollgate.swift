import ArgumentParser

/// The `tollgate` command line (the tokenizer subcommands only, on this branch).
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "A self-hosted LLM gateway with exact token accounting.",
        subcommands: [TokenizeCommand.self, CountCommand.self]
    )
}
