import Foundation
import Logging
import PostgresNIO
import Storage
import Testing

/// The databases every store test runs on.
public enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    public var testDescription: String { rawValue }

    /// The server `scripts/test` starts; unset when a developer runs `swift test` alone.
    public static let postgresURL = ProcessInfo.processInfo.environment["TOLLGATE_TEST_POSTGRES"]
}

/// Fresh, isolated databases for tests: a new SQLite file, or a new database on the test
/// PostgreSQL server.
public enum TestDatabase {
    /// A new empty database and how to remove it. On PostgreSQL without `TOLLGATE_TEST_POSTGRES`
    /// the test is cancelled (reported as skipped), never silently passed.
    public static func make(_ backend: TestBackend, logger: Logger) async throws -> (DatabaseURL, @Sendable () async -> Void) {
        let name = "tg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(String(name))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return (.sqlite(path: dir.appendingPathComponent("tollgate.db").path), {
                try? FileManager.default.removeItem(at: dir)
            })
        case .postgres:
            guard let admin = TestBackend.postgresURL else {
                try Test.cancel("PostgreSQL tests skipped: TOLLGATE_TEST_POSTGRES is unset (scripts/test sets it)")
            }
            try await adminQuery(admin, "CREATE DATABASE \(name)", logger: logger)
            let url = admin.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(name)", options: .regularExpression)
            return (.postgres(url: url), {
                try? await adminQuery(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger)
            })
        }
    }

    /// Runs one statement on the PostgreSQL server at `url` (outside any pool).
    public static func adminQuery(_ url: String, _ statement: String, logger: Logger) async throws {
        guard let parsed = URLComponents(string: url), let host = parsed.host else { throw CancellationError() }
        let configuration = PostgresConnection.Configuration(
            host: host, port: parsed.port ?? 5432, username: parsed.user ?? "postgres", password: parsed.password,
            database: String(parsed.path.dropFirst()), tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
    }
}
