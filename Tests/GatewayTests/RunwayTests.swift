import Foundation
@testable import Gateway
import Testing
import TollgateCore
import TollgateTesting

/// Burn rates, runways and the runaway flag from the hourly totals, against the records' figures.
@Suite struct RunwayTests {
    @Test func theRunwayIsTheFundsOverTheTrailingDaysSpendAndABurstHourIsFlagged() async throws {
        let clock = ManualTimeSource(origin: Date(timeIntervalSince1970: 1_796_551_800))
        try await GatewayHarness.with(clock: clock, adjust: { $0.adminToken = "admin-secret" }) { harness async throws in
            let keyID = try #require(try await harness.gateway.accounts.keys(of: harness.organization).first?.id)
            let made = try await harness.post("/admin/orgs/acme/budgets", json: ["scope": "key", "subject": .string(keyID), "amount": "1",
                                                                                "period": "day"], key: "admin-secret")
            #expect(made.status == 201)
            // Six quiet hours of one request each, then a burst of eight in the current hour.
            for _ in 0..<6 {
                #expect(try await harness.post(json: GatewayHarness.chat("cheap", "same", maxTokens: 5)).status == 200)
                clock.advance(by: .seconds(3_600))
            }
            let steady = try await harness.get("/admin/orgs/acme/runway", token: "admin-secret").json
            #expect(steady?["scopes"]?[0]?["anomaly"] == false)
            for _ in 0..<8 { #expect(try await harness.post(json: GatewayHarness.chat("cheap", "same", maxTokens: 5)).status == 200) }
            let records = try await harness.records()
            let spent = records.reduce(Int64(0)) { $0 + ($1.cost?.nanos ?? 0) }
            let each = try #require(records.first?.cost?.nanos)
            #expect(records.allSatisfy { $0.cost?.nanos == each })

            await harness.settled()
            let reply = try await harness.get("/admin/orgs/acme/runway", token: "admin-secret")
            #expect(reply.status == 200)
            let scopes = try #require(reply.json?["scopes"]?.arrayValue)
            let organization = try #require(scopes.first)
            #expect(organization["scope"] == "organization" && organization["subject"] == "acme")
            let money = { (nanos: Int64) in JSONValue.string(Money(nanos: nanos, currency: .usd).decimalString) }
            #expect(organization["spent_day"] == money(spent))
            #expect(organization["spent_week"] == money(spent))
            #expect(organization["rate_per_day_week"] == money(spent / 7))
            let available = 10 * Money.nanosPerUnit - spent
            #expect(organization["available"] == money(available))
            #expect(organization["runway_days"]?.doubleValue == (Double(available) / Double(spent) * 10).rounded() / 10)
            #expect(organization["last_hour"] == money(8 * each))
            #expect(organization["hourly_median"] == money(each))
            #expect(organization["anomaly"] == true)
            let key = try #require(scopes.first { $0["scope"] == "key" })
            #expect(key["subject"]?.stringValue == keyID && key["anomaly"] == true)
            // The key's daily budget: what is left of 1 USD at the same rate.
            let budget = try #require(key["budgets"]?[0])
            #expect(budget["remaining"] == money(Money.nanosPerUnit - spent))
            #expect(budget["runway_days"]?.doubleValue == (Double(Money.nanosPerUnit - spent) / Double(spent) * 10).rounded() / 10)
            #expect(try await harness.get("/admin/orgs/nobody/runway", token: "admin-secret").status == 404)
        }
    }

    @Test func aScopeThatSpendsNothingHasNoRunwayAndNoAnomaly() {
        let line = BurnRate.Line(scope: .key, subject: "key_1")
        #expect(line.runwayDays(1_000) == nil && !line.anomaly)
        var quiet = BurnRate.Line(scope: .key, subject: "key_1", spentDay: 0, spentWeek: 7_000, lastHour: 0, hourlyMedian: 100)
        // Nothing in the last day: the week's rate.
        #expect(quiet.runwayDays(10_000) == 10.0)
        quiet.lastHour = 500
        #expect(!quiet.anomaly)
        quiet.lastHour = 501
        #expect(quiet.anomaly)
    }
}
