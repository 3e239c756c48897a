import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit

/// SQLKit over a PostgreSQL connection pool: each statement runs on a connection leased for it.
///
/// Work that needs one connection (a transaction) goes through `Database.transaction`, which
/// leases a connection for the whole of its body.
struct PostgresPoolDatabase: SQLDatabase {
    let client: PostgresClient
    let watchdog: PostgresWatchdog
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await watchdog.run(on: client) { [logger] connection in
            try await connection.sql(queryLogLevel: .trace, logger: logger).execute(sql: query, onRow)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await client.withConnection { connection in
            try await closure(connection.sql(queryLogLevel: .trace, logger: logger))
        }
    }

    /// A client for a `postgres://user[:password]@host[:port]/database` URL.
    ///
    /// TLS is not negotiated: the pool talks to a server on loopback or a private network;
    /// `?sslmode=require` in the URL is refused rather than silently ignored.
    static func makeClient(url: String, logger: Logger) throws -> PostgresClient {
        let parsed: SQLPostgresConfiguration
        do {
            parsed = try SQLPostgresConfiguration(url: url)
        } catch {
            throw StorageError(.badURL, detail: "'\(url)' is not a usable postgres:// URL: \(error)")
        }
        let core = parsed.coreConfiguration
        guard let host = core.host else {
            throw StorageError(.badURL, detail: "'\(url)' names no host")
        }
        if core.tls.isEnforced {
            throw StorageError(.unsupported, detail: "TLS to PostgreSQL is not supported yet; drop sslmode from '\(url)'")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: core.port ?? 5432, username: core.username,
            password: core.password, database: core.database, tls: .disable)
        configuration.options.maximumConnections = 16
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}
