import Foundation
@testable import Gateway
import Logging
import SQLKit
import Storage
import Testing
import TollgateCore
import TollgateTesting

/// `/admin/analytics` from the hourly totals kept on write: figures equal the request records'
/// sums, growth against the previous period, grouping by records-only dimensions, and the
/// totals filled in for records written before the rollups existed.
@Suite struct AnalyticsTests {
    /// 2026-12-06T10:10:00Z.
    static let origin = Date(timeIntervalSince1970: 1_796_551_800)

    static func analytics(_ harness: GatewayHarness, _ query: String) async throws -> JSONValue {
        let reply = try await harness.get("/admin/analytics?" + query, token: "admin-secret")
        #expect(reply.status == 200, "\(reply.body)")
        return try #require(reply.json)
    }

    @Test(arguments: TestBackend.allCases)
    func theAnalyticsFiguresEqualTheRecordsSumsWithGrowthAgainstThePreviousPeriod(_ backend: TestBackend) async throws {
        let clock = ManualTimeSource(origin: Self.origin)
        try await GatewayHarness.with(backend: backend, clock: clock, adjust: { $0.adminToken = "admin-secret" }) { harness async throws in
            // Yesterday: two to cheap, one to premium.
            for text in ["one", "two"] { #expect(try await harness.post(json: GatewayHarness.chat("cheap", text, maxTokens: 5)).status == 200) }
            #expect(try await harness.post(json: GatewayHarness.chat("premium", "three", maxTokens: 5)).status == 200)
            clock.advance(by: .seconds(86_400))
            // Today: three to cheap (tagged), two to premium of which one fails.
            for text in ["four", "five", "six"] {
                #expect(try await harness.post(json: GatewayHarness.chat("cheap", text, maxTokens: 5), headers: [("x-tollgate-tags", "a,b")]).status == 200)
            }
            #expect(try await harness.post(json: GatewayHarness.chat("premium", "seven", maxTokens: 5)).status == 200)
            harness.fake.enqueue(.fail(status: 500))
            #expect(try await harness.post(json: GatewayHarness.chat("premium", "eight", maxTokens: 5)).status == 502)
            let records = try await harness.records()
            let today = records.filter { $0.createdAt >= Self.origin.addingTimeInterval(43_200) }
            #expect(today.count == 5)

            let byModel = try await Self.analytics(harness, "from=2026-12-07&to=2026-12-08&group_by=model&org=acme")
            let rows = try #require(byModel["rows"]?.arrayValue)
            #expect(rows.count == 2)
            for model in ["cheap", "premium"] {
                let row = try #require(rows.first { $0["model"]?.stringValue == model })
                let mine = today.filter { $0.modelUsed == model }
                #expect(row["requests"]?.intValue == mine.count)
                #expect(row["errors"]?.intValue == mine.filter { $0.status >= 400 }.count)
                #expect(row["input_tokens"]?.intValue == mine.reduce(0) { $0 + $1.usage.input })
                #expect(row["output_tokens"]?.intValue == mine.reduce(0) { $0 + $1.usage.output })
                let cost = mine.reduce(Int64(0)) { $0 + ($1.cost?.nanos ?? 0) }
                let providerCost = mine.reduce(Int64(0)) { $0 + ($1.providerCost?.nanos ?? 0) }
                #expect(row["cost"]?.stringValue == Money(nanos: cost, currency: .usd).decimalString)
                #expect(row["margin"]?.stringValue == Money(nanos: cost - providerCost, currency: .usd).decimalString)
                #expect(row["currency"] == "USD")
            }
            // 3 against 2, and 2 against 1.
            #expect(rows.first { $0["model"] == "cheap" }?["growth"]?["requests"]?.doubleValue == 0.5)
            #expect(rows.first { $0["model"] == "premium" }?["growth"]?["requests"]?.doubleValue == 1.0)
            #expect(byModel["totals"]?[0]?["requests"] == 5)
            #expect(byModel["totals"]?[0]?["previous"]?["requests"] == 3)

            let byDay = try await Self.analytics(harness, "from=2026-12-06&to=2026-12-08&group_by=day,model")
            let days = try #require(byDay["rows"]?.arrayValue)
            #expect(Set(days.compactMap { $0["day"]?.stringValue }) == ["2026-12-06", "2026-12-07"])
            #expect(days.first { $0["day"] == "2026-12-06" && $0["model"] == "cheap" }?["requests"] == 2)
            let byOrganization = try await Self.analytics(harness, "from=2026-12-06&to=2026-12-08&group_by=organization")
            #expect(byOrganization["rows"]?[0]?["organization"] == "acme")
            #expect(byOrganization["rows"]?[0]?["requests"] == 8)

            // Tags come from the records: a request with two tags counts under each.
            let byTag = try await Self.analytics(harness, "from=2026-12-07&to=2026-12-08&group_by=tag")
            let tags = try #require(byTag["rows"]?.arrayValue)
            #expect(tags.first { $0["tag"] == "a" }?["requests"] == 3)
            #expect(tags.first { $0["tag"] == "b" }?["requests"] == 3)
            #expect(tags.first { $0["tag"] == "" }?["requests"] == 2)

            let filtered = try await Self.analytics(harness, "from=2026-12-07&to=2026-12-08&group_by=hour&model=premium")
            #expect(filtered["rows"]?[0]?["requests"] == 2)
            #expect(filtered["rows"]?[0]?["hour"] == "2026-12-07T10:00:00Z")

            #expect(try await harness.get("/admin/analytics?from=2026-12-07&to=2026-12-08&group_by=planet", token: "admin-secret").status == 400)
            #expect(try await harness.get("/admin/analytics?from=2026-12-08&to=2026-12-07", token: "admin-secret").status == 400)
            #expect(try await harness.get("/admin/analytics?from=2026-12-07&to=2026-12-08&org=nobody", token: "admin-secret").status == 404)
            #expect(try await harness.get("/admin/analytics?from=2026-12-07&to=2026-12-08").status == 401)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func recordsWrittenBeforeTheRollupsExistedAreAddedUpWhenTheyAreMade(_ backend: TestBackend) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let (url, remove) = try await TestDatabase.make(backend, logger: logger)
        let before = Array(GatewaySchema.migrations.prefix { $0.version < 11 })
        let database = try await Database.open(url, migrations: before, logger: logger)
        let hour: Int64 = 1_796_551_800_000 / 3_600_000 * 3_600_000
        for (index, (model, status, cost)) in [("cheap", 200, 1_000), ("cheap", 200, 2_000), ("cheap", 502, 0), ("premium", 200, 9_000)].enumerated() {
            try await database.sql.raw("""
                INSERT INTO request_records (id, key_id, org_id, model_requested, model_used, provider, status, streamed, input_tokens,
                    cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos, currency, usage_source, latency_ms,
                    created_at, cache)
                VALUES (\(bind: "req_\(index)"), 'key_1', 'org_1', \(bind: model), \(bind: model), 'fake', \(bind: status), 0, 10, 0, 0, 5, 0,
                    \(bind: cost), 'USD', 'provider', 1, \(bind: hour + Int64(index) * 60_000), NULL)
                """).run()
        }
        try await database.close()
        let migrated = try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger)
        let rows = try await Analytics(database: migrated).rows(from: Date(timeIntervalSince1970: Double(hour) / 1000),
                                                               to: Date(timeIntervalSince1970: Double(hour + 3_600_000) / 1000),
                                                               groupBy: [.model], filter: Analytics.Filter(organization: "org_1"))
        let cheap = try #require(rows.first { $0.group[.model] == "cheap" })
        #expect(cheap.totals.requests == 3 && cheap.totals.errors == 1 && cheap.totals.cost == 3_000 && cheap.totals.usage.output == 15)
        #expect(rows.first { $0.group[.model] == "premium" }?.totals.cost == 9_000)
        // The whole day reads the daily totals, filled alike.
        let day = hour / 86_400_000 * 86_400_000
        let daily = try await Analytics(database: migrated).rows(from: Date(timeIntervalSince1970: Double(day) / 1000),
                                                                to: Date(timeIntervalSince1970: Double(day + 86_400_000) / 1000),
                                                                groupBy: [.model, .day], filter: Analytics.Filter(organization: "org_1"))
        #expect(daily.first { $0.group[.model] == "cheap" }?.totals.cost == 3_000)
        #expect(daily.first { $0.group[.model] == "cheap" }?.group[.day] == String(day))
        try await migrated.close()
        await remove()
    }
}
