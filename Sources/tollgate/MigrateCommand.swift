import ArgumentParser

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema.")

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        try await reportingFailure {
            let logger = CommandLogging.bootstrap()
            // Opening migrates.
            let database = try await databaseOptions.open(logger: logger)
            try await database.close()
            print("\(databaseOptions.database): schema is up to date")
        }
    }
}
