import Synchronization

/// Group commit: concurrent callers' batches are recorded together in one database transaction,
/// each caller getting its own result.
///
/// While one transaction is in flight, new batches queue; when it commits, everything queued goes
/// in the next one (up to `maximumBatches`). A lone caller is never delayed waiting for company.
/// Every guarantee of the store holds per batch: a refused batch leaves no trace and does not
/// affect the others in its group.
///
/// A lock rather than an actor guards the queue: a caller enqueues and suspends without first
/// hopping onto an actor's executor, which halves the task switches per transfer when hundreds of
/// callers wait (the switches, not the database, were most of a group's time on two cores).
public final class GroupCommit: Sendable {
    public let store: any LedgerStore
    public let maximumBatches: Int
    private typealias Waiter = (batch: TransferBatch, continuation: CheckedContinuation<[Transfer], any Error>)
    private struct State {
        var queue: [Waiter] = []
        var flushing = false
    }
    private let state = Mutex(State())

    public init(store: any LedgerStore, maximumBatches: Int = 2000) {
        precondition(maximumBatches > 0, "a group holds at least one batch")
        self.store = store
        self.maximumBatches = maximumBatches
    }

    /// Records `transfers` all or nothing, grouped with whatever else is waiting.
    @discardableResult
    public func submit(linked transfers: [TransferRequest]) async throws -> [Transfer] {
        try await withCheckedThrowingContinuation { continuation in
            let startFlushing = state.withLock { state in
                state.queue.append((TransferBatch(transfers), continuation))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if startFlushing { Task { await self.flush() } }
        }
    }

    @discardableResult
    public func submit(_ transfer: TransferRequest) async throws -> Transfer {
        try await submit(linked: [transfer])[0]
    }

    private func flush() async {
        while true {
            let group: [Waiter] = state.withLock { state in
                let group = Array(state.queue.prefix(maximumBatches))
                state.queue.removeFirst(group.count)
                if group.isEmpty { state.flushing = false }
                return group
            }
            if group.isEmpty { return }
            do {
                let results = try await store.submit(group.map(\.batch))
                precondition(results.count == group.count, "the store answered \(results.count) of \(group.count) batches")
                for (waiter, result) in zip(group, results) {
                    waiter.continuation.resume(with: result.mapError { $0 as any Error })
                }
            } catch {
                for waiter in group { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
