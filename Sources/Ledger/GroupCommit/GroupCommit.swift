/// Group commit: concurrent callers' batches are recorded together in one database transaction,
/// each caller getting its own result.
///
/// While one transaction is in flight, new batches queue; when it commits, everything queued goes
/// in the next one (up to `maximumBatches`). A lone caller is never delayed waiting for company.
/// Every guarantee of the store holds per batch: a refused batch leaves no trace and does not
/// affect the others in its group.
public actor GroupCommit {
    public let store: any LedgerStore
    public let maximumBatches: Int
    private var queue: [(batch: TransferBatch, continuation: CheckedContinuation<[Transfer], any Error>)] = []
    private var flushing = false

    public init(store: any LedgerStore, maximumBatches: Int = 2000) {
        self.store = store
        self.maximumBatches = maximumBatches
    }

    /// Records `transfers` all or nothing, grouped with whatever else is waiting.
    @discardableResult
    public func submit(linked transfers: [TransferRequest]) async throws -> [Transfer] {
        try await withCheckedThrowingContinuation { continuation in
            queue.append((TransferBatch(transfers), continuation))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    @discardableResult
    public func submit(_ transfer: TransferRequest) async throws -> Transfer {
        try await submit(linked: [transfer])[0]
    }

    private func flush() async {
        while !queue.isEmpty {
            let group = Array(queue.prefix(maximumBatches))
            queue.removeFirst(group.count)
            do {
                let results = try await store.submit(group.map(\.batch))
                for (waiter, result) in zip(group, results) {
                    waiter.continuation.resume(with: result.mapError { $0 as any Error })
                }
            } catch {
                for waiter in group { waiter.continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
