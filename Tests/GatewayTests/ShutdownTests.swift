import Foundation
import Gateway
import Logging
import ServiceLifecycle
import Storage
import Testing
import TollgateCore

@Suite struct ShutdownTests {
    @Test func recordsQueuedAtShutdownAreFlushedBeforeTheDatabaseCloses() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-shutdown-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let logger = Logger(label: "test")
        let database = try await Database.open(.sqlite(path: path), logger: logger)
        let writer = RequestRecordWriter(store: RequestRecordStore(database: database), batchSize: 7, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [DatabaseService(database: database), writer], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for index in 0..<100 { writer.submit(RequestRecord(id: "r\(index)", status: 200)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let reopened = try await Database.open(.sqlite(path: path), logger: logger)
        let count = try await reopened.sql.raw("SELECT COUNT(*) AS n FROM request_records").first()?.decode(column: "n", as: Int.self)
        #expect(count == 100)
        try await reopened.close()
    }
}
