import AsyncHTTPClient
import Crypto
import Foundation
@testable import Gateway
import HTTPTypes
import Hummingbird
import Logging
import Providers
import SQLKit
import Storage
import ServiceLifecycle
import Synchronization
import Testing
import TollgateCore
import TollgateTesting

/// A webhook receiver on a loopback port that records what it is sent and can refuse the first
/// deliveries, as a receiver that is briefly down does.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var status: Int
        var signature: String?
        var body: String
    }

    let deliveries = Mutex<[Delivery]>([])
    private let failures: Mutex<Int>

    init(failFirst: Int) { failures = Mutex(failFirst) }

    func run<R: Sendable>(_ body: @Sendable (String) async throws -> R) async throws -> R {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let status = self.failures.withLock { failures -> Int in
                if failures > 0 { failures -= 1; return 500 }
                return 204
            }
            self.deliveries.withLock {
                $0.append(Delivery(status: status, signature: request.headers[HTTPField.Name("x-tollgate-signature")!],
                                   body: String(buffer: bytes)))
            }
            return Response(status: .init(code: status))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0); continuation.finish() },
                              logger: Logger(label: "webhook"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "webhook")))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var port = 0
            for await bound in ports { port = bound }
            defer { Task { await group.triggerGracefulShutdown() } }
            let result = try await body("http://127.0.0.1:\(port)/hook")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

@Suite struct BudgetAlertTests {
    @Test func eachThresholdFiresOncePerPeriodSignedAndRetriedUntilTaken() async throws {
        let receiver = WebhookReceiver(failFirst: 2)
        try await receiver.run { url in
            try await GatewayHarness.with(credit: 1_000_000_000, adjust: {
                $0.metering.alertSecret = "whsec_test"
                $0.metering.alertRetryDelay = .milliseconds(20)
            }) { harness in
                let budget = Budget(organizationID: harness.organization.id, scope: .organization, subject: harness.organization.id,
                                    amount: Money(nanos: 40_000, currency: .usd), period: .day, hard: false,
                                    thresholds: [50, 80, 100], webhookURL: url, createdAt: Date())
                try await harness.gateway.budgets.create(budget)
                for index in 0..<8 {
                    #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Alert me \(index)", maxTokens: 20)).status == 200)
                    await harness.gateway.recordWriter.flush()
                }
                try await eventually { receiver.deliveries.withLock { $0.filter { $0.status == 204 }.count } == 3 }
                try await Task.sleep(for: .milliseconds(200))
                let deliveries = receiver.deliveries.withLock { $0 }
                let taken = deliveries.filter { $0.status == 204 }
                #expect(deliveries.count == 5)  // two refused, then retried
                let thresholds = taken.compactMap { try? JSONValue(parsing: Array($0.body.utf8))["threshold_percent"]?.intValue }
                #expect(thresholds.sorted() == [50, 80, 100])
                for delivery in taken {
                    let json = try JSONValue(parsing: Array(delivery.body.utf8))
                    #expect(json["budget_id"]?.stringValue == budget.id)
                    #expect(json["type"] == "budget.threshold")
                    // t=UNIX,v1=HMAC-SHA256("UNIX.BODY") with the configured secret.
                    let parts = try #require(delivery.signature).split(separator: ",")
                    let time = String(parts[0].dropFirst(2))
                    let mac = HMAC<SHA256>.authenticationCode(for: Array("\(time).\(delivery.body)".utf8),
                                                              using: SymmetricKey(data: Array("whsec_test".utf8)))
                    #expect(String(parts[1].dropFirst(3)) == mac.map { String(format: "%02x", $0) }.joined())
                }
                let rows = try await harness.gateway.database.sql.raw("""
                    SELECT threshold, attempts, delivered_at FROM budget_alerts ORDER BY threshold
                    """).all()
                #expect(rows.count == 3)
                #expect(try rows.allSatisfy { try $0.decode(column: "delivered_at", as: Int64?.self) != nil })
                #expect(try rows.map { try $0.decode(column: "attempts", as: Int.self) }.reduce(0, +) == 5)
            }
        }
    }

    @Test func aRunawayHourFiresOneAnomalyAlertWithTheUsualHourItWasJudgedAgainst() async throws {
        let receiver = WebhookReceiver(failFirst: 0)
        // Twenty minutes into an hour: the hour's requests are all in one bucket.
        let clock = ManualTimeSource(origin: Date(timeIntervalSince1970: 1_796_634_000 + 1_200))
        try await receiver.run { url in
            try await GatewayHarness.with(credit: 10_000_000_000, clock: clock) { harness in
                let organization = harness.organization.id
                let budget = Budget(organizationID: organization, scope: .organization, subject: organization,
                                    amount: Money(nanos: 100_000_000_000, currency: .usd), period: .day, hard: false,
                                    thresholds: [], webhookURL: url, createdAt: clock.date())
                try await harness.gateway.budgets.create(budget)
                // The four hours before spent 10 nano-dollars each: a usual hour of 10.
                let hour = Timestamp.milliseconds(clock.date()) / 3_600_000 * 3_600_000
                for back in 1...4 {
                    try await harness.gateway.database.sql.raw("""
                        INSERT INTO usage_hourly (org_id, hour, team, key_id, model, provider, route, currency, requests, errors, cache_hits,
                            input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos,
                            provider_cost_nanos, saved_nanos)
                        VALUES (\(bind: organization), \(bind: hour - Int64(back) * 3_600_000), '', '', 'cheap', 'fake', 'cheap', 'USD',
                            1, 0, 0, 1, 0, 0, 1, 0, 10, 10, 0)
                        """).run()
                }
                for index in 0..<3 {
                    #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Run away \(index)")).status == 200)
                    await harness.gateway.recordWriter.flush()
                }
                try await eventually { receiver.deliveries.withLock { $0.count } == 1 }
                // Later in the same hour, more spending: still one alert for the hour.
                clock.advance(by: .seconds(120))
                #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Still running")).status == 200)
                await harness.gateway.recordWriter.flush()
                try await Task.sleep(for: .milliseconds(300))
                let deliveries = receiver.deliveries.withLock { $0 }
                #expect(deliveries.count == 1)
                let alert = try JSONValue(parsing: Array(try #require(deliveries.first).body.utf8))
                let records = try await harness.records()
                // The first request's settlement already made the hour a runaway's.
                let spent = try #require(records.last?.cost?.nanos)
                #expect(alert["type"] == "budget.anomaly")
                #expect(alert["budget_id"]?.stringValue == budget.id)
                #expect(alert["hour_start"]?.intValue.map(Int64.init) == hour)
                #expect(alert["hourly_median"] == "0.000000010")
                #expect(alert["last_hour"]?.stringValue == Money(nanos: spent, currency: .usd).decimalString)
                #expect(alert["ratio"]?.doubleValue == (Double(spent) / 10 * 100).rounded() / 100)
                #expect(alert["threshold_percent"] == nil)
            }
        }
    }
}
