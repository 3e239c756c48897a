/// Where Tollgate keeps its data: `sqlite:PATH` (the embedded default) or `postgres://…`.
public enum DatabaseURL: Hashable, Sendable, CustomStringConvertible {
    /// An SQLite file, or an in-memory database for `sqlite::memory:`.
    case sqlite(path: String)
    /// A PostgreSQL server, as a libpq-style URL.
    case postgres(url: String)

    /// The default: `tollgate.db` in the working directory.
    public static let `default` = DatabaseURL.sqlite(path: "tollgate.db")

    /// Reads `sqlite:PATH`, `sqlite://PATH` or `postgres://…` / `postgresql://…`.
    public init(parsing text: String) throws(StorageError) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(path: String(text.dropFirst("sqlite://".count)))
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            throw StorageError(.badURL, detail: "'\(text)' is neither sqlite:PATH nor postgres://…")
        }
        if case .sqlite(let path) = self, path.isEmpty {
            throw StorageError(.badURL, detail: "'\(text)' names no file")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url
        }
    }
}
