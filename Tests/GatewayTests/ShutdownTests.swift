import Foundation
@testable import Gateway
import Ledger
import Logging
import Pricing
import Providers
import Routing
import ServiceLifecycle
import Storage
import Testing
import TollgateCore

@Suite struct ShutdownTests {
    @Test func recordsQueuedAtShutdownAreFlushedBeforeTheDatabaseCloses() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-shutdown-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let logger = Logger(label: "test")
        let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
        let writer = RequestRecordWriter(store: RequestRecordStore(database: database), batchSize: 7, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [DatabaseService(database: database), writer], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for index in 0..<100 { writer.submit(RequestRecord(id: "r\(index)", status: 200)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let reopened = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
        let count = try await reopened.sql.raw("SELECT COUNT(*) AS n FROM request_records").first()?.decode(column: "n", as: Int.self)
        #expect(count == 100)
        try await reopened.close()
    }
}

@Suite struct GracefulShutdownTests {
    @Test func aStreamInFlightAtShutdownFinishesAndIsRecorded() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.paced(.milliseconds(10)))
            async let reply = harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 10))
            try await eventually { !harness.fake.observations.requests.isEmpty }
            await harness.shutdown()
            let finished = try await reply
            #expect(finished.status == 200)
            #expect(GatewayHarness.events(finished.body).last == "[DONE]")
            #expect(harness.fake.observations.completedStreams == 1)
            // The record was flushed before the database closed: read it from the file itself.
            let reopened = try await Database.open(harness.gateway.database.url, migrations: GatewaySchema.migrations, logger: Logger(label: "test"))
            let records = try await RequestRecordStore(database: reopened).recent()
            #expect(records.count == 1)
            #expect(records.first?.usage.output == 10)
            try await reopened.close()
        }
    }
}

@Suite struct DrainDeadlineTests {
    @Test func aStreamStillRunningAtTheDrainDeadlineIsEndedSettledAndRecorded() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            configuration.drainDeadline = .seconds(1)
            configuration.upstream = .init(connectTimeout: .seconds(2), readTimeout: .seconds(120))
        }) { harness in
            harness.fake.enqueue(.stall(afterChunks: 3))
            async let reply = harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 10))
            try await eventually { !harness.fake.observations.requests.isEmpty }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            await harness.shutdown()
            // The stream stalls for an hour; shutdown waits the deadline, not the stream.
            #expect(ContinuousClock.now - started < .seconds(15))
            let ended = try? await reply
            #expect(ended.map { !GatewayHarness.events($0.body).contains("[DONE]") } ?? true)
            let reopened = try await Database.open(harness.gateway.database.url, migrations: GatewaySchema.migrations,
                                                   logger: Logger(label: "test"))
            let records = try await RequestRecordStore(database: reopened).recent()
            #expect(records.count == 1)
            // What was sent before the end is billed by count; the reservation is settled, not left pending.
            #expect(records.first?.usageSource == .counted && (records.first?.usage.output ?? 0) > 0)
            #expect(records.first?.settlement != nil, "\(String(describing: records.first))")
            try await reopened.close()
        }
    }
}

@Suite struct RecordWriterTests {
    @Test func aBatchTheDatabaseRefusesIsRetriedNotLost() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-retry-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
        let writer = RequestRecordWriter(store: RequestRecordStore(database: database), logger: logger)
        // Every insert fails while the table is away.
        // Through `write`, so a statement never lands inside the writer's own transaction.
        try await database.write { sql in try await sql.raw("ALTER TABLE request_records RENAME TO request_records_away").run() }
        for index in 0..<3 { writer.submit(RequestRecord(id: "r\(index)", status: 200)) }
        let flushed = Task { await writer.flush() }
        try await Task.sleep(for: .milliseconds(300))
        let away = try await database.sql.raw("SELECT COUNT(*) AS n FROM request_records_away").first()?.decode(column: "n", as: Int.self)
        #expect(away == 0)
        try await database.write { sql in try await sql.raw("ALTER TABLE request_records_away RENAME TO request_records").run() }
        await flushed.value
        let count = try await database.sql.raw("SELECT COUNT(*) AS n FROM request_records").first()?.decode(column: "n", as: Int.self)
        #expect(count == 3)
        try await database.close()
    }
}

@Suite struct PendingRecordTests {
    /// A record writer on a fresh SQLite file, and a request's metering on a model priced at 1 USD
    /// per million input tokens (no reservation), for `body`.
    func withMetering(countedInput: Int?, _ body: (MeteredRequest, RequestRecordWriter, RequestRecordStore) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-pending-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let logger = Logger(label: "test")
        let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
        let store = RequestRecordStore(database: database)
        let writer = RequestRecordWriter(store: store, logger: logger)
        let model = ModelDefinition(name: "m", provider: Provider(name: "p", kind: .openai, baseURL: "http://127.0.0.1:1"))
        var configuration = GatewayConfiguration()
        configuration.setPrice(try ConfigPrice(currency: .usd, input: "1", output: "2"), for: model)
        let metering = MeteredRequest(configuration: configuration, organization: Organization(id: "o", name: "o", currency: .usd),
                                      model: model, startDate: Date(), reservation: nil, limiter: RateLimiter(), limits: [],
                                      admittedTokens: Int64(countedInput ?? 0), countedInput: countedInput, records: writer, logger: logger)
        do {
            try await body(metering, writer, store)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }

    static func pending(_ id: String, _ metering: MeteredRequest, _ writer: RequestRecordWriter) -> PendingRecord {
        PendingRecord(RequestOutcome(record: RequestRecord(id: id, status: 200, streamed: true), metered: metering),
                      sinks: OutcomeSinks(records: writer, health: RouteHealth(), metrics: GatewayMetrics(routes: []), tracing: RequestTracing(tracer: nil)), started: .zero, clock: SystemTimeSource())
    }

    @Test func aStreamThatNeverStartsIsRecordedAs499AndOneThatRunsOnlyOnce() async throws {
        try await withMetering(countedInput: nil) { metering, writer, store in
            do {
                _ = Self.pending("dropped", metering, writer)
            }
            do {
                let taken = Self.pending("ran", metering, writer)
                #expect(taken.take()?.id == "ran")
                #expect(taken.take() == nil)
            }
            await writer.flush()
            let records = try await store.recent()
            #expect(records.map(\.id) == ["dropped"])
            #expect(records.first?.status == 499)
            #expect(records.first?.cost == nil)  // nothing counted, nothing charged
        }
    }

    @Test func aStreamDroppedBeforeItBeganIsBilledForItsCountedInput() async throws {
        try await withMetering(countedInput: 42) { metering, writer, store in
            do {
                _ = Self.pending("dropped", metering, writer)
            }
            await writer.flush()
            let record = try #require(try await store.recent().first)
            #expect(record.status == 499)
            #expect(record.usage == TokenUsage(input: 42))
            #expect(record.usageSource == .counted)
            #expect(record.cost?.nanos == 42_000)  // 42 tokens at 1 USD per million
        }
    }
}

@Suite struct IdleShutdownTests {
    /// Every background loop (ledger expiry, rate sharing, alerts, the record writer) ends the
    /// moment shutdown begins: with hour-long sleeps, a loop that waited them out would hold the
    /// group past the time limit.
    @Test(.timeLimit(.minutes(1)))
    func anIdleGatewayStopsWithoutWaitingOutItsBackgroundLoopsSleeps() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-idle-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let database = try await Database.open(.sqlite(path: path), migrations: GatewaySchema.migrations, logger: logger)
        let expiry = ExpiryService(store: AccountStore(database: database).ledger, interval: .seconds(3600), logger: logger) { _ in "breakage" }
        let sharing = RateSharing(database: database, limiter: RateLimiter(), interval: .seconds(3600), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [DatabaseService(database: database), expiry, sharing], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Let both loops reach their sleep.
            try await Task.sleep(for: .milliseconds(300))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
