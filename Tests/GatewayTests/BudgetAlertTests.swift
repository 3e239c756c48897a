import AsyncHTTPClient
import Crypto
import Foundation
@testable import Gateway
import HTTPTypes
import Hummingbird
import Logging
import Providers
import SQLKit
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
}
