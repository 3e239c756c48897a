import AsyncHTTPClient
import Foundation
@testable import Gateway
import Logging
import Storage
import Testing
import TollgateCore
import TollgateTesting

/// `GET /ready` says whether the database takes writes; `GET /health` only that the process lives.
@Suite struct ReadinessTests {
    @Test func readyWhenTheDatabaseTakesAWrite() async throws {
        try await GatewayHarness.with { harness in
            let ready = try await harness.get("/ready")
            #expect(ready.status == 200)
            #expect(ready.json == ["status": "ready", "checks": ["configuration": "loaded", "database": "ok"]])
            #expect(try await harness.get("/health").json?["status"] == "ok")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func unavailableWhenTheDatabaseIsGone(_ backend: TestBackend) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let (url, remove) = try await TestDatabase.make(backend, logger: logger)
        let database = try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let gateway = Gateway(configuration: GatewayConfiguration(), database: database, httpClient: client, logger: logger)
        #expect(await gateway.readinessCheck().ready)
        try await database.close()
        let (ready, json) = await gateway.readinessCheck()
        #expect(!ready)
        #expect(json["status"] == "unavailable" && json["checks"]?["database"] != "ok")
        try await client.shutdown()
        await remove()
    }
}
