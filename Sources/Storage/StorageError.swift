import PostgresNIO
import SQLiteNIO

/// A failure to open, migrate or use the database.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable { case badURL, unsupported, migration, corrupt, unavailable }
    let code: Code
    /// What went wrong, in words a user can act on.
    public let detail: String

    init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }

    /// The database has data the code cannot read (a bad row, a migration from a newer release).
    public static func corrupt(_ detail: String) -> StorageError { StorageError(.corrupt, detail: detail) }
}

extension StorageError {
    /// Whether `error` came from the database (SQLite, PostgreSQL, or this target's own checks),
    /// as opposed to the caller's logic: what a server answers with "retry later" rather than a bug.
    public static func isDatabaseError(_ error: any Error) -> Bool {
        error is StorageError || error is PSQLError || error is SQLiteError
    }
}
