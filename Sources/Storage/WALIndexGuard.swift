#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import SQLKit
import Synchronization
import WALIndexFault

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
/// A transaction open across the cut has read through the lost index and would write its stale
/// header back at commit, over the rebuilt one: its next statement (or its COMMIT) fails with
/// `unavailable` instead, and it rolls back. Statements outside a transaction go on, each
/// starting from the rebuilt index.
///
/// Two `fstat`s per statement: before it, and after it to learn how far SQLite grew the file. A cut
/// landing in the middle of a statement faults inside SQLite; a SIGBUS handler (`WALIndexFault`)
/// extends the file back so the access is retried on zero pages, and the statement that ran over
/// them is judged as one open across a cut: the check after it zeroes the header again (a commit
/// may have written its stale one back) and fails it, or its transaction's next statement.
final class WALIndexGuard: Sendable {
    /// SQLite's WAL index header: two copies of the 48-byte header and the checkpoint information.
    private static let headerBytes = 136
    private static let pageBytes = 4096
    /// What the file is allocated to while the database is open: 32 of SQLite's 32 KiB regions, an
    /// index for 131,072 WAL frames (the WAL is checkpointed long before).
    private static let allocatedBytes = 1 << 20
    private struct State {
        /// The longest the file has been seen while the database was open.
        var longest = 0
        /// How many times the file has been restored.
        var restorations = 0
        /// How many of those the SIGBUS handler began, under a running statement.
        var repairedUnderStatements = 0
        /// `restorations` when the open transaction began, if one is open.
        var transactionBegan: Int?
        /// A ROLLBACK that failed: sent again before the next transaction begins.
        var rollbackOwed = false
    }
    private let descriptor: Int32
    /// The index's slot in the SIGBUS handler, or -1 if every slot was taken.
    private let faultSlot: Int32
    private let path: String
    private let logger: Logger
    private let state = Mutex(State())

    /// Watches `databasePath`'s index, which SQLite creates when it opens a WAL database.
    init(databasePath: String, logger: Logger) throws {
        path = databasePath + "-shm"
        descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StorageError(.unsupported, detail: "cannot open the WAL index '\(path)': \(String(cString: strerror(errno)))")
        }
        self.logger = logger
        if tollgate_wal_index_fault_install() != 0 {
            logger.warning("no SIGBUS handler for the WAL index", metadata: ["error": "\(String(cString: strerror(errno)))"])
        }
        // Allocated to 1 MiB up front (a byte at the end of each page, as SQLite allocates), so that
        // SQLite never grows the file while the database is open: then any shrink is a cut, and a cut
        // can never be refilled by SQLite itself without the guard noticing.
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw StorageError(.unavailable, detail: "cannot read the WAL index '\(path)': \(String(cString: strerror(errno)))")
        }
        let size = Int(status.st_size)
        var offset = (size + Self.pageBytes - 1) / Self.pageBytes * Self.pageBytes + Self.pageBytes - 1
        while offset < Self.allocatedBytes {
            var zero: UInt8 = 0
            guard pwrite(descriptor, &zero, 1, off_t(offset)) == 1 else {
                close(descriptor)
                throw StorageError(.unavailable, detail: "cannot allocate the WAL index '\(path)': \(String(cString: strerror(errno)))")
            }
            offset += Self.pageBytes
        }
        let length = max(size, Self.allocatedBytes)
        state.withLock { $0.longest = length }
        faultSlot = tollgate_wal_index_fault_register(descriptor, Int64(length))
        if faultSlot < 0 {
            logger.warning("every WAL index slot of the SIGBUS handler is taken: a cut under a running statement would end the process",
                           metadata: ["path": "\(path)"])
        }
        try restoredCount()
    }

    deinit {
        tollgate_wal_index_fault_unregister(faultSlot)
        close(descriptor)
    }

    /// Before a statement: restores the file if it was cut short, and refuses the statement if a
    /// transaction has been open across a restoration. Returns the count of restorations the
    /// statement starts from, for `afterStatement`.
    func beforeStatement() throws -> Int {
        try state.withLock { state in
            try restoreIfCut(&state)
            if let began = state.transactionBegan, began != state.restorations {
                throw StorageError(.unavailable, detail: "the database's WAL index was cut short during a transaction, "
                                   + "which is rolled back; retry it")
            }
            return state.restorations
        }
    }


    /// After a statement: learns how far SQLite grew the file and restores it if it was cut; if that
    /// fails, the next statement's check throws. A statement that ran over a cut (the SIGBUS handler
    /// extended the file under it) read a lost index and fails.
    ///
    /// Any restoration since the statement's `beforeStatement` counts against it, whoever's check
    /// made it (another connection's may restore a cut made under this statement): statements on the
    /// one connection run one at a time, so at worst one that started after the cut fails too.
    /// Except a COMMIT's (`failing: false`): it only appends frames the transaction's checked
    /// statements made to the WAL, from which SQLite rebuilds the index; it did commit.
    func afterStatement(since restorations: Int, failing: Bool = true) throws {
        try state.withLock { state in
            do {
                try restoreIfCut(&state)
            } catch {
                logger.error("the WAL index could not be restored", metadata: ["error": "\(error)"])
            }
            guard state.restorations != restorations else { return }
            if failing {
                throw StorageError(.unavailable, detail: "the database's WAL index was cut short during a statement; retry it")
            }
            // A COMMIT writes the index header last: over a cut another check restored while it ran,
            // its header describes hash tables that lost frames. Zeroed again, SQLite rebuilds.
            do {
                try restore(from: 0, to: 0)
            } catch {
                logger.error("the WAL index header could not be zeroed after a commit", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Restores the file if it was cut, and says how many times it has been restored: before a BEGIN,
    /// before a statement of the connection that never opens a transaction (the checkpointer's), and
    /// before the database closes (which checkpoints).
    @discardableResult
    func restoredCount() throws -> Int {
        try state.withLock { state in
            try restoreIfCut(&state)
            return state.restorations
        }
    }

    /// How often the file was found cut short: in all, and under a running statement.
    var faults: WALIndexFaults {
        state.withLock { WALIndexFaults(restorations: $0.restorations, underStatements: $0.repairedUnderStatements) }
    }

    /// The connection's transaction began (after its BEGIN ran), counted from `restorations` as
    /// they were before the BEGIN.
    func transactionBegan(restorations: Int) {
        state.withLock { $0.transactionBegan = restorations }
    }

    func rollbackOwed() { state.withLock { $0.rollbackOwed = true } }

    /// Whether a ROLLBACK is owed, clearing it.
    func takeOwedRollback() -> Bool {
        state.withLock { state in
            defer { state.rollbackOwed = false }
            return state.rollbackOwed
        }
    }

    /// The connection's transaction ended: committed, or about to roll back (ROLLBACK must run
    /// whatever happened).
    func transactionEnded() {
        state.withLock { $0.transactionBegan = nil }
    }

    private func restoreIfCut(_ state: inout State) throws {
        if tollgate_wal_index_fault_take_repairs(faultSlot) > 0 {
            // Extended under a running statement: its pages are back, zeroed, but the header may hold
            // what a commit wrote from a stale copy; SQLite rebuilds the index from the WAL.
            logger.error("the WAL index was cut short under a running statement; SQLite rebuilds it from the WAL",
                         metadata: ["path": "\(path)"])
            // The handler's extension left holes: allocated now, so a full disk is an error here and
            // not a fault when SQLite writes a page of them.
            var status = stat()
            if fstat(descriptor, &status) == 0, posix_fallocate(descriptor, 0, status.st_size) != 0 {
                throw StorageError(.unavailable, detail: "cannot allocate the WAL index '\(path)'")
            }
            try restore(from: 0, to: 0)
            state.restorations += 1
            state.repairedUnderStatements += 1
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw StorageError(.unavailable, detail: "cannot read the WAL index '\(path)': \(String(cString: strerror(errno)))")
        }
        let size = Int(status.st_size)
        guard size < state.longest else {
            if size > state.longest {
                state.longest = size
                tollgate_wal_index_fault_set_length(faultSlot, Int64(size))
            }
            return
        }
        logger.error("the WAL index was cut short under the open database; restoring it, SQLite rebuilds it from the WAL",
                     metadata: ["path": "\(path)", "bytes": "\(size)", "expected_bytes": "\(state.longest)"])
        try restore(from: size, to: state.longest)
        state.restorations += 1
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

/// How often a SQLite database's WAL index was found cut short while it was open.
public struct WALIndexFaults: Sendable, Equatable {
    /// Restorations in all (each cut found, between statements or under one).
    public var restorations: Int
    /// Of those, cuts that landed under a running statement (repaired by the SIGBUS handler).
    public var underStatements: Int
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
        let restorations: Int
        do {
            restorations = try walIndex.beforeStatement()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return base.execute(sql: query, onRow).flatMapThrowing {
            try walIndex.afterStatement(since: restorations, failing: !(query is CommitStatement))
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let restorations = try walIndex.beforeStatement()
        try await base.execute(sql: query, onRow)
        try walIndex.afterStatement(since: restorations, failing: !(query is CommitStatement))
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// COMMIT, as a type of its own so the guard knows it.
struct CommitStatement: SQLExpression {
    func serialize(to serializer: inout SQLSerializer) { serializer.write("COMMIT") }
}
