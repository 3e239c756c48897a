#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import SQLKit
import Synchronization

/// Keeps a SQLite database's WAL index (`-shm`) at least as long as SQLite has mapped it.
///
/// SQLite maps the index into memory; if the file is cut shorter underneath it (by an operator, a
/// backup tool, a full disk's cleanup), the next statement that touches the lost pages kills the
/// process with SIGBUS — no error to catch. So before each statement the guard compares the file's
/// length with the longest it has seen. If it shrank, the guard writes the missing pages back (as
/// SQLite itself allocates them, one byte at the end of each page, so a full disk is an error here
/// rather than a fault later) and zeroes the index's header, which makes SQLite rebuild the whole
/// index from the WAL before trusting any of it: pages that survived the cut can be stale.
///
/// Two `fstat`s per statement: before it, and after it to learn how far SQLite grew the file. A cut
/// landing in the middle of a statement can still fault; the guard closes the window between
/// statements, which is where a process spends nearly all its time.
final class WALIndexGuard: Sendable {
    /// SQLite's WAL index header: two copies of the 48-byte header and the checkpoint information.
    private static let headerBytes = 136
    private static let pageBytes = 4096
    private let descriptor: Int32
    private let path: String
    private let logger: Logger
    /// The longest the file has been seen while the database was open.
    private let longest = Mutex<Int>(0)

    /// Watches `databasePath`'s index, which SQLite creates when it opens a WAL database.
    init(databasePath: String, logger: Logger) throws {
        path = databasePath + "-shm"
        descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StorageError(.unsupported, detail: "cannot open the WAL index '\(path)': \(String(cString: strerror(errno)))")
        }
        self.logger = logger
        try check()
    }

    deinit { close(descriptor) }

    /// Restores the file if it is shorter than SQLite's mapping of it; throws if it cannot.
    func check() throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw StorageError(.unavailable, detail: "cannot read the WAL index '\(path)': \(String(cString: strerror(errno)))")
        }
        let size = Int(status.st_size)
        try longest.withLock { longest in
            guard size < longest else {
                longest = size
                return
            }
            logger.error("the WAL index was cut short under the open database; restoring it, SQLite rebuilds it from the WAL",
                         metadata: ["path": "\(path)", "bytes": "\(size)", "expected_bytes": "\(longest)"])
            try restore(from: size, to: longest)
        }
    }

    private func restore(from size: Int, to length: Int) throws {
        let zeros = [UInt8](repeating: 0, count: Self.headerBytes)
        var offsets = [0]
        var page = size / Self.pageBytes
        while (page + 1) * Self.pageBytes <= length {
            offsets.append((page + 1) * Self.pageBytes - 1)
            page += 1
        }
        for offset in offsets {
            let count = offset == 0 ? zeros.count : 1
            let written = zeros.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, count, off_t(offset)) }
            guard written == count else {
                throw StorageError(.unavailable, detail: "cannot restore the WAL index '\(path)': \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A SQLite connection's statements, each between two checks of the WAL index.
struct GuardedSQLiteDatabase: SQLDatabase {
    let base: any SQLDatabase
    let walIndex: WALIndexGuard

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        do {
            try walIndex.check()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return base.execute(sql: query, onRow).flatMapThrowing { try walIndex.check() }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try walIndex.check()
        try await base.execute(sql: query, onRow)
        try walIndex.check()
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}
