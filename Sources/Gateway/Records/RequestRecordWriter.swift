import Logging
import ServiceLifecycle
import Synchronization
import TollgateCore

/// Writes request records off the hot path: handlers hand a record over without waiting, and
/// this service inserts whatever has queued up, many per transaction. On shutdown it stops only
/// after the HTTP server has finished (it is started before it), then flushes the rest.
public final class RequestRecordWriter: Service, Sendable {
    private let store: RequestRecordStore
    private let batchSize: Int
    private let logger: Logger
    private let pending = Mutex<[RequestRecord]>([])
    /// One flush at a time, so a flush that returns has seen every earlier record written.
    private let flushing = AsyncLock()
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation

    public init(store: RequestRecordStore, batchSize: Int = 256, logger: Logger) {
        self.store = store
        self.batchSize = max(1, batchSize)
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a record for writing; never waits on the database.
    public func submit(_ record: RequestRecord) {
        pending.withLock { $0.append(record) }
        wakeUp.yield()
    }

    /// Records queued and not yet written.
    public var backlog: Int { pending.withLock { $0.count } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeUps { await flush() }
            await flush()
        } onGracefulShutdown: {
            self.wakeUp.finish()
        }
    }

    /// Writes everything queued so far, in batches, and returns once it is in the database.
    public func flush() async {
        try? await flushing.withLock { await writeQueued() }
    }

    /// How many times a batch is tried before it is given up (at 0.1 s doubling to 5 s apart,
    /// about a minute in all): a database that is busy or briefly unwritable loses nothing.
    static let attempts = 16

    private func writeQueued() async {
        while true {
            let batch = pending.withLock { queue -> [RequestRecord] in
                let batch = Array(queue.prefix(batchSize))
                queue.removeFirst(batch.count)
                return batch
            }
            if batch.isEmpty { return }
            await write(batch)
        }
    }

    private func write(_ batch: [RequestRecord]) async {
        var delay = Duration.milliseconds(100)
        for attempt in 1...Self.attempts {
            do {
                try await store.insert(batch)
                return
            } catch {
                logger.warning("could not write request records, will retry",
                               metadata: ["count": "\(batch.count)", "attempt": "\(attempt)", "error": "\(error)"])
                // Not Task.sleep's cancellation: a flush at shutdown still retries.
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        logger.critical("request records lost after retries",
                        metadata: ["count": "\(batch.count)", "ids": "\(batch.map(\.id).joined(separator: ","))"])
    }
}
