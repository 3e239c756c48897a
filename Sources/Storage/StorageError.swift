/// A failure to open, migrate or use the database.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable { case badURL, unsupported, migration, corrupt }
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
