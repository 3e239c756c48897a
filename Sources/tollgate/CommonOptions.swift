import ArgumentParser
import Foundation
import Gateway
import Logging
import Storage

/// `--database`, for every command that opens the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "sqlite:PATH (default sqlite:tollgate.db) or postgres://user@host:port/db")
    var database: String = "sqlite:tollgate.db"

    func validate() throws {
        do { _ = try DatabaseURL(parsing: database) } catch { throw ValidationError("--database: \(error)") }
    }

    func open(logger: Logger) async throws -> Database {
        try await Database.open(try DatabaseURL(parsing: database), migrations: GatewaySchema.migrations, logger: logger)
    }

    /// Opens the database, runs `body` and closes the database whether or not `body` throws.
    func withDatabase<R>(_ body: (Database) async throws -> R) async throws -> R {
        let database = try await open(logger: CommandLogging.bootstrap())
        do {
            let result = try await body(database)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }
}

/// `--config`, for every command that needs providers, models or prices.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: tollgate.yaml when it exists).")
    var config: String?

    /// The configuration, or the empty default when no file is named and tollgate.yaml is absent.
    func load() throws -> GatewayConfiguration {
        let path = config ?? (FileManager.default.fileExists(atPath: "tollgate.yaml") ? "tollgate.yaml" : nil)
        var configuration = try path.map { try ConfigurationLoader().load(file: $0) } ?? GatewayConfiguration()
        let environment = ProcessInfo.processInfo.environment
        if configuration.adminToken == nil {
            configuration.adminToken = environment["TOLLGATE_ADMIN_TOKEN"]
        }
        configuration.masterKey = try Self.masterKey()
        return configuration
    }

    /// `TOLLGATE_MASTER_KEY`, which seals provider keys set through the admin API; nil when unset.
    static func masterKey() throws -> MasterKey? {
        guard let text = ProcessInfo.processInfo.environment["TOLLGATE_MASTER_KEY"], !text.isEmpty else { return nil }
        do {
            return try MasterKey(text: text)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// A refusal or failure a command reports as one line on standard error, exiting 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum CommandLogging {
    /// Logs to standard error at `LOG_LEVEL` (default `info`), as text or, with `LOG_FORMAT=json`,
    /// one JSON object a line.
    static func bootstrap() -> Logger {
        let environment = ProcessInfo.processInfo.environment
        let level = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let json = environment["LOG_FORMAT"] == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = LineSafeLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        return Logger(label: "tollgate")
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning any error into one line on standard error and exit status 1.
    func reportingFailure(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("tollgate: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Opens the database and finds the organization, for the commands that act on one.
func withOrganization(_ options: DatabaseOptions, _ name: String,
                              _ body: (AccountStore, Organization) async throws -> Void) async throws {
    try await options.withDatabase { database in
        let accounts = AccountStore(database: database)
        guard let organization = try await accounts.organization(named: name) else { throw CommandFailure("no organization '\(name)'") }
        try await body(accounts, organization)
    }
}
