import ArgumentParser

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema.")

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        try await reportingFailure {
            // Opening migrates.
            try await databaseOptions.withDatabase { _ in }
            print("\(databaseOptions.database): schema is up to date")
        }
    }
}
