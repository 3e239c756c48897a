import ArgumentParser

@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "A self-hosted LLM gateway that meters, prices and settles every token.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, MigrateCommand.self,
            OrgsCommand.self, CreditsCommand.self, KeysCommand.self,
        ]
    )
}
