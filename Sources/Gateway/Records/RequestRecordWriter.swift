import Ledger
import Logging
import ServiceLifecycle
import SQLKit
import Synchronization
import TollgateCore

/// Writes request records off the hot path, and settles their reservations with them: handlers
/// hand a record over without waiting, and this service writes whatever has queued up, many per
/// transaction — each record in the same transaction as its settlement on the ledger, so a record
/// that says what a request was charged exists exactly when the charge does. On shutdown it stops
/// only after the HTTP server has finished (it is started before it), then flushes the rest.
public final class RequestRecordWriter: Service, Sendable {
    /// A record, and the reservation to settle with it for what it says it cost (`nil`: release).
    /// An entry without a record releases a reservation a request let go of (it moved to another
    /// model).
    struct Entry: Sendable {
        var record: RequestRecord?
        var settlement: (reservation: Reservation, charge: Reservation.Charge?)?
    }

    private let store: RequestRecordStore
    private let ledger: SQLLedgerStore?
    private let batchSize: Int
    /// Told the budget legs of each batch's settlements once they have committed (budget alerts).
    private let onSettled: @Sendable ([Reservation.BudgetLeg]) -> Void
    private let logger: Logger
    private let pending = Mutex<[Entry]>([])
    /// One flush at a time, so a flush that returns has seen every earlier record written.
    private let flushing = AsyncLock()
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation

    init(store: RequestRecordStore, metering: Metering, batchSize: Int = 256,
         onSettled: @escaping @Sendable ([Reservation.BudgetLeg]) -> Void, logger: Logger) {
        self.store = store
        self.ledger = metering.ledger
        self.onSettled = onSettled
        self.batchSize = max(1, batchSize)
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public convenience init(store: RequestRecordStore, batchSize: Int = 256, logger: Logger) {
        self.init(store: store, metering: .off, batchSize: batchSize, onSettled: { _ in }, logger: logger)
    }

    /// Queues a record for writing; never waits on the database.
    public func submit(_ record: RequestRecord) {
        submit(Entry(record: record))
    }

    /// Queues a record with its reservation, settled for `charge` (or released when `nil`) in the
    /// record's transaction.
    func submit(_ record: RequestRecord, settling reservation: Reservation, charge: Reservation.Charge?) {
        submit(Entry(record: record, settlement: (reservation, charge)))
    }

    /// Queues the release of a reservation the request no longer needs.
    func release(_ reservation: Reservation) {
        submit(Entry(record: nil, settlement: (reservation, nil)))
    }

    private func submit(_ entry: Entry) {
        pending.withLock { $0.append(entry) }
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
    /// about a minute in all): a database that is busy or briefly unwritable loses nothing. A
    /// batch that keeps failing is split in halves after three attempts, so one entry the database
    /// refuses loses only itself. Retries are safe: records are inserted only if new, and every
    /// settlement transfer has an id derived from its request.
    static let attempts = 16

    private func writeQueued() async {
        while true {
            let batch = pending.withLock { queue -> [Entry] in
                let batch = Array(queue.prefix(batchSize))
                queue.removeFirst(batch.count)
                return batch
            }
            if batch.isEmpty { return }
            await write(batch)
        }
    }

    private func write(_ batch: [Entry]) async {
        var delay = Duration.milliseconds(100)
        for attempt in 1...Self.attempts {
            do {
                try await store.database.transaction { [store, ledger, logger] sql in
                    var records = batch.map(\.record)
                    if let ledger {
                        let outcomes = try await Self.settle(batch, ledger: ledger, in: sql, logger: logger)
                        for (index, outcome) in outcomes { records[index]?.settlement = outcome.rawValue }
                    }
                    try await store.insert(records.compactMap { $0 }, in: sql)
                }
                let legs = batch.compactMap { $0.settlement }.filter { $0.charge != nil }.flatMap(\.reservation.budgets)
                if !legs.isEmpty { onSettled(legs) }
                return
            } catch {
                logger.warning("could not write request records, will retry",
                               metadata: ["count": "\(batch.count)", "attempt": "\(attempt)", "error": "\(error)"])
                if batch.count > 1 && attempt >= 3 {
                    // One bad entry must not hold back the others: write the halves apart.
                    await write(Array(batch.prefix(batch.count / 2)))
                    await write(Array(batch.dropFirst(batch.count / 2)))
                    return
                }
                // Not Task.sleep's cancellation: a flush at shutdown still retries.
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        logger.critical("request records lost after retries",
                        metadata: ["count": "\(batch.count)", "ids": "\(batch.compactMap(\.record?.id).joined(separator: ","))"])
    }

    /// Settles every entry's reservation, trying each one's plans in order (all entries' first
    /// plans in one ledger write, then the refused ones' next plans, and so on). Returns each
    /// settled entry's outcome by index.
    private static func settle(_ batch: [Entry], ledger: SQLLedgerStore, in sql: any SQLDatabase,
                               logger: Logger) async throws -> [(Int, Reservation.Outcome)] {
        var plans: [(index: Int, plans: ArraySlice<Reservation.Plan>)] = []
        var outcomes: [(Int, Reservation.Outcome)] = []
        for (index, entry) in batch.enumerated() {
            guard let (reservation, charge) = entry.settlement else { continue }
            let options = reservation.settlementPlans(for: charge)
            if options.isEmpty { outcomes.append((index, charge == nil ? .voided : .posted)) } else { plans.append((index, options[...])) }
        }
        while !plans.isEmpty {
            let preludes = plans.flatMap { $0.plans.first!.prelude }
            if !preludes.isEmpty { _ = try await ledger.submit(preludes, in: sql) }
            let results = try await ledger.submit(plans.map { $0.plans.first!.batch }, in: sql)
            var retry: [(index: Int, plans: ArraySlice<Reservation.Plan>)] = []
            for (plan, result) in zip(plans, results) {
                switch result {
                case .success:
                    outcomes.append((plan.index, plan.plans.first!.outcome))
                case .failure(let error):
                    let rest = plan.plans.dropFirst()
                    if !rest.isEmpty {
                        retry.append((plan.index, rest))
                    } else if plan.plans.first!.outcome == .voided {
                        // Its holds had already timed out: the expiry service releases them.
                        outcomes.append((plan.index, .voided))
                    } else {
                        logger.critical("a settlement was refused by every plan; its reservation will expire",
                                        metadata: ["request": "\(batch[plan.index].settlement?.reservation.requestID ?? "")", "error": "\(error)"])
                        outcomes.append((plan.index, .failed))
                    }
                }
            }
            plans = retry
        }
        return outcomes
    }
}
