import Foundation
@testable import Gateway
import Providers
import SQLKit
import Storage
import Testing
import TollgateCore
import TollgateTesting

/// The gateway reads the time from its `TimeSource` only: with a test clock set years ahead, every
/// row it writes — keys, revocations, budgets, request records, ledger transfers, shared
/// rate-limit usage — carries the test clock's date, not the machine's.
@Suite struct ClockTests {
    static let future = Date(timeIntervalSince1970: 1_900_000_000)  // 2030-03-17

    @Test func everyRowTheGatewayWritesIsDatedByItsClock() async throws {
        let clock = ManualTimeSource(origin: Self.future)
        try await GatewayHarness.with(clock: clock) { harness in
            clock.advance(by: .seconds(90))
            let expected = Timestamp.milliseconds(clock.date())
            let accounts = harness.gateway.accounts
            let (key, secret) = try await accounts.createKey(for: harness.organization, name: "dated", tokensPerMinute: 1_000_000)
            #expect(Timestamp.milliseconds(key.createdAt) == expected)

            let budget = try AdminInput.budget(organization: harness.organization, scope: "organization", subject: nil, amount: "5",
                                               period: "month", hard: true, thresholds: nil, webhookURL: nil,
                                               createdAt: clock.date())
            try await harness.gateway.budgets.create(budget)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 20), key: secret).status == 200)
            #expect(try await accounts.revokeKey(id: key.id))
            try await harness.gateway.rateSharing.sync()

            let records = try await harness.records()
            #expect(records.map { Timestamp.milliseconds($0.createdAt) } == [expected])
            let sql = harness.gateway.database.sql
            let revoked = try await sql.raw("SELECT revoked_at FROM api_keys WHERE id = \(bind: key.id)").first()
            #expect(try revoked?.decode(column: "revoked_at", as: Int64.self) == expected)
            // The request's reservation and settlement: the setup's credit was written before the
            // gateway (and its clock) existed.
            let transfers = try await sql.raw("SELECT created_at FROM ledger_transfers WHERE created_at >= \(bind: expected)").all()
            #expect(transfers.count >= 2)
            #expect(try transfers.allSatisfy { try $0.decode(column: "created_at", as: Int64.self) == expected })
            let shared = try await sql.raw("SELECT updated_at FROM rate_usage").all()
            #expect(!shared.isEmpty)
            #expect(try shared.allSatisfy { try $0.decode(column: "updated_at", as: Int64.self) == expected })
        }
    }
}
