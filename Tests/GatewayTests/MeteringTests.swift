import Foundation
@testable import Gateway
import Ledger
import Providers
import SQLKit
import Storage
import Testing
import TollgateCore
import TollgateTesting

/// The request path on the ledger: reserve the worst case, call, settle the actual cost (or
/// release), through real sockets, on SQLite and PostgreSQL.
@Suite struct MeteringTests {
    @Test(arguments: TestBackend.allCases)
    func aRequestIsReservedThenSettledAtSellPriceWithProviderAndMarginLegs(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend) { harness in
            let accounts = harness.gateway.accounts
            let reseller = try await accounts.createOrganization(name: "resold", currency: .usd, markupBasisPoints: 2_000)
            try await accounts.addCredit(Money(nanos: 1_000_000_000, currency: .usd), to: reseller)
            let (_, key) = try await accounts.createKey(for: reseller)
            let reply = try await harness.post(json: GatewayHarness.chat("cheap", "What does a ledger do?", maxTokens: 30), key: key)
            #expect(reply.status == 200)
            let record = try #require(try await harness.records().first)
            let cost = GatewayHarness.cheapPrice.cost(of: record.usage).nanos
            // 20% over cost, rounded half-even to the nano-unit once.
            let (tenths, remainder) = (cost * 12).quotientAndRemainder(dividingBy: 10)
            let sell = remainder > 5 || (remainder == 5 && tenths % 2 == 1) ? tenths + 1 : tenths
            #expect(record.providerCost?.nanos == cost)
            #expect(record.cost?.nanos == sell)
            #expect(record.settlement == "posted")
            #expect(record.reserved >= sell)
            #expect(reply.headers.first(name: "x-tollgate-cost") == Money(nanos: sell, currency: .usd).description)

            let ledger = accounts.ledger
            let owner = LedgerChart.owner(organization: reseller.id)
            #expect(try await ledger.account(id: LedgerChart.granted(owner, .usd))?.available == 1_000_000_000 - sell)
            #expect(try await ledger.account(id: LedgerChart.payable("fake", .usd))?.balance == cost)
            #expect(try await ledger.account(id: LedgerChart.margin(.usd))?.balance == sell - cost)
            #expect(try await ledger.account(id: LedgerChart.usage(.usd))?.balance == 0)
            #expect(try await Self.openReservations(harness) == 0)
            let summary = try await LedgerVerifier(store: ledger).verify()
            #expect(summary.pendingOpen == 0)
        }
    }

    @Test func everyRefusalLeavesNothingReserved() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            let accounts = harness.gateway.accounts
            let limited = try await accounts.createKey(for: harness.organization, requestsPerMinute: 1).secret
            let narrow = try await accounts.createKey(for: harness.organization, allowedModels: ["premium"]).secret
            let broke = try await accounts.createOrganization(name: "broke", currency: .usd)
            let brokeKey = try await accounts.createKey(for: broke).secret

            #expect(try await harness.post(json: GatewayHarness.chat(), key: limited).status == 200)
            let limitedAgain = try await harness.post(json: GatewayHarness.chat(), key: limited)
            #expect(limitedAgain.status == 429)
            #expect(limitedAgain.json?["error"]?["code"] == "rate_limit_exceeded")
            #expect(Int(limitedAgain.headers.first(name: "retry-after") ?? "") ?? 0 >= 1)
            #expect(try await harness.post(json: GatewayHarness.chat("nope")).status == 404)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: narrow).status == 403)
            let unpaid = try await harness.post(json: GatewayHarness.chat(), key: brokeKey)
            #expect(unpaid.status == 402)
            #expect(unpaid.json?["error"]?["code"] == "insufficient_funds")
            let tooBig = try await harness.post(json: GatewayHarness.chat("premium", maxTokens: 1_000_000))
            #expect(tooBig.status == 402)
            // Reserved, then the provider fails: released.
            harness.fake.enqueue(.fail(status: 500))
            #expect(try await harness.post(json: GatewayHarness.chat()).status == 502)

            let records = try await harness.records()
            let charged = records.compactMap(\.cost?.nanos).reduce(0, +)
            #expect(records.filter { $0.status == 200 }.count == 1)
            #expect(records.first { $0.status == 502 }?.settlement == "voided")
            #expect(try await Self.openReservations(harness) == 0)
            #expect(try await accounts.balance(of: harness.organization).nanos == 1_000_000_000 - charged)
            #expect(try await accounts.balance(of: broke).nanos == 0)
            #expect(try await LedgerVerifier(store: accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aTokenPackageForTheModelPaysInTokensBeforeMoney() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            let accounts = harness.gateway.accounts
            let package = try await accounts.grantPackage(to: harness.organization, model: "cheap", tokens: 10_000,
                                                          price: Money(nanos: 2_000_000, currency: .usd))
            let reply = try await harness.post(json: GatewayHarness.chat("cheap", "Spend tokens", maxTokens: 50))
            #expect(reply.status == 200)
            #expect(reply.json?["usage"]?["cost"] == .double(0))
            let premium = try await harness.post(json: GatewayHarness.chat("premium", "Spend money", maxTokens: 50))
            #expect(premium.status == 200)

            let records = try await harness.records()
            let cheap = try #require(records.first { $0.modelUsed == "cheap" })
            #expect(cheap.cost?.nanos == 0)
            #expect(cheap.packageTokens == Int64(cheap.usage.total))
            #expect(reply.headers.first(name: "x-tollgate-package-tokens") == String(cheap.usage.total))
            let left = try #require(try await accounts.packages(of: harness.organization).first { $0.id == package.id })
            #expect(left.remaining == 10_000 - Int64(cheap.usage.total))
            let premiumCost = try #require(records.first { $0.modelUsed == "premium" }?.cost?.nanos)
            #expect(try await accounts.balance(of: harness.organization).nanos == 1_000_000_000 - premiumCost)
            // The provider is still owed for the package's tokens, at cost.
            let payable = try await accounts.ledger.account(id: LedgerChart.payable("fake", .usd))?.balance
            #expect(payable == GatewayHarness.cheapPrice.cost(of: cheap.usage).nanos + premiumCost)
            #expect(try await Self.openReservations(harness) == 0)
        }
    }

    @Test func theKeyPaysFirstThenItsTeamThenItsOrganization() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            let accounts = harness.gateway.accounts
            let organization = harness.organization
            let (key, secret) = try await accounts.createKey(for: organization, team: "search")
            try await accounts.addCredit(Money(nanos: 15_000, currency: .usd), to: organization, holder: .key(key.id))
            try await accounts.addCredit(Money(nanos: 500_000, currency: .usd), to: organization, holder: .team("search"))
            for _ in 0..<3 {
                #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Who pays?", maxTokens: 20), key: secret).status == 200)
            }
            let costs = try await harness.records().reversed().map { $0.cost?.nanos ?? 0 }
            // The key's 15,000 covers the first worst case (about 10,000) but not the second.
            #expect(try await accounts.balance(of: organization, holder: .key(key.id)).nanos == 15_000 - costs[0])
            #expect(try await accounts.balance(of: organization, holder: .team("search")).nanos == 500_000 - costs[1] - costs[2])
            #expect(try await accounts.balance(of: organization).nanos == 1_000_000_000)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aHardBudgetHoldsUnder64ConcurrentRequests(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, credit: 1_000_000_000) { harness in
            let budget = Budget(organizationID: harness.organization.id, scope: .organization, subject: harness.organization.id,
                                amount: Money(nanos: 150_000, currency: .usd), period: .day, createdAt: Date())
            try await harness.gateway.budgets.create(budget)
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for index in 0..<64 {
                    group.addTask {
                        let reply = try await harness.post(json: GatewayHarness.chat("cheap", "Request \(index)", maxTokens: 20))
                        return (reply.status, reply.json?["error"]?["code"]?.stringValue)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let records = try await harness.records()
            let accepted = records.filter { $0.status == 200 }
            let spent = accepted.compactMap(\.cost?.nanos).reduce(0, +)
            let largestReservation = records.map(\.reserved).max() ?? 0
            #expect(!accepted.isEmpty)
            #expect(statuses.contains { $0 == (402, "budget_exceeded") })
            #expect(statuses.allSatisfy { $0.0 == 200 || $0 == (402, "budget_exceeded") })
            #expect(spent <= budget.amount.nanos + largestReservation)
            // Reservations are for the worst case, so the budget is never passed at all here.
            #expect(spent <= budget.amount.nanos)
            #expect(try await Self.openReservations(harness) == 0)
        }
    }

    @Test func aSoftBudgetLetsRequestsThroughAndAKeyBudgetOnlyItsKey() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            let accounts = harness.gateway.accounts
            let (key, secret) = try await accounts.createKey(for: harness.organization)
            try await harness.gateway.budgets.create(Budget(organizationID: harness.organization.id, scope: .organization,
                                                            subject: harness.organization.id, amount: Money(nanos: 1, currency: .usd),
                                                            period: .month, hard: false, createdAt: Date()))
            try await harness.gateway.budgets.create(Budget(organizationID: harness.organization.id, scope: .key, subject: key.id,
                                                            amount: Money(nanos: 5_000, currency: .usd), period: .week, createdAt: Date()))
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 20)).status == 200)
            let refused = try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 20), key: secret)
            #expect(refused.status == 402)
            #expect(refused.json?["error"]?["code"] == "budget_exceeded")
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("weekly budget of key \(key.id)") == true)
            #expect(try await Self.openReservations(harness) == 0)
        }
    }

    @Test func sessionsAreTotalledCappedAndGuardedAgainstRunaways() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000, adjust: { $0.metering.sessionRequestsPerMinute = 3 }) { harness in
            try await harness.gateway.budgets.create(Budget(organizationID: harness.organization.id, scope: .session, subject: "*",
                                                            amount: Money(nanos: 35_000, currency: .usd), period: .total, createdAt: Date()))
            let session = [("x-tollgate-session", "agent-run-7")]
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "step one", maxTokens: 20), headers: session).status == 200)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "step two", maxTokens: 20), headers: session).status == 200)
            let capped = try await harness.post(json: GatewayHarness.chat("cheap", "step three", maxTokens: 60), headers: session)
            #expect(capped.status == 402)
            #expect(capped.json?["error"]?["code"] == "session_budget_exceeded")
            #expect(capped.json?["error"]?["message"]?.stringValue?.contains("session 'agent-run-7'") == true)
            let runaway = try await harness.post(json: GatewayHarness.chat("cheap", "step four", maxTokens: 20), headers: session)
            #expect(runaway.status == 429)
            #expect(runaway.json?["error"]?["code"] == "session_runaway")
            #expect(runaway.json?["error"]?["message"]?.stringValue?.contains("'agent-run-7'") == true)
            // Another session is not held back by this one.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 20), headers: [("x-tollgate-session", "other")]).status == 200)
            let bad = try await harness.post(json: GatewayHarness.chat(), headers: [("x-tollgate-session", "has space")])
            #expect(bad.status == 400)

            await harness.gateway.recordWriter.flush()
            let totals = try await harness.gateway.requestRecords.sessionTotals(organizationID: harness.organization.id, sessionID: "agent-run-7")
            let records = try await harness.records().filter { $0.sessionID == "agent-run-7" }
            #expect(totals.requests == 4)
            #expect(totals.costNanos == records.compactMap(\.cost?.nanos).reduce(0, +))
            #expect(totals.usage.input == records.map(\.usage.input).reduce(0, +))
            #expect(try await Self.openReservations(harness) == 0)
        }
    }

    @Test func aReservationLeftByACrashIsReleasedAtStartUp() async throws {
        let orphan = TimeOrderedID()
        try await GatewayHarness.with(credit: 1_000_000_000, prepare: { accounts in
            // A process reserved and died: its pending transfer's timeout has already passed.
            let organization = try #require(try await accounts.organization(named: "acme"))
            let fund = LedgerChart.granted(LedgerChart.owner(organization: organization.id), .usd)
            try await accounts.chart.ensure(LedgerChart.settlementAccounts(.usd, provider: "fake"))
            try await accounts.ledger.submit(.pending(id: orphan, debit: fund, credit: LedgerChart.usage(.usd), amount: 400_000_000,
                                                      timeoutMilliseconds: 1, code: .usage, reference: "req_crashed"))
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await accounts.balance(of: organization).nanos == 600_000_000)
        }) { harness in
            // Released, and the fund whole again, within five seconds of start-up (on a loaded CI
            // machine the two reads once straddled the release).
            var released = false
            var balance: Int64 = 0
            for _ in 0..<100 where !released {
                balance = try await harness.gateway.accounts.balance(of: harness.organization).nanos
                released = try await Self.openReservations(harness) == 0 && balance == 1_000_000_000
                if !released { try await Task.sleep(for: .milliseconds(50)) }
            }
            let open = try await Self.openReservations(harness)
            #expect(released, "open reservations: \(open), balance \(balance)")
            #expect(balance == 1_000_000_000)
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aChargeAboveItsReservationIsBookedAsOwedWhenTheFundsRunOut() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            // The fake bills a long run of one letter at a quarter token per byte; the tokenizer
            // packs it far tighter, so the provider's count passes the reservation's estimate.
            // (Under 1,024 billed tokens, so the fake's prompt cache does not make the second cheaper.)
            let prompt = String(repeating: "a", count: 4_000)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", prompt, maxTokens: 10)).status == 200)
            let probe = try #require(try await harness.records().first)
            let reserved = probe.reserved
            let cost = try #require(probe.cost?.nanos)
            try #require(cost > reserved, "the premise: this request settles above its reservation")
            #expect(probe.settlement == "posted")  // the ample fund paid the excess itself

            let accounts = harness.gateway.accounts
            let tight = try await accounts.createOrganization(name: "tight", currency: .usd)
            try await accounts.addCredit(Money(nanos: reserved, currency: .usd), to: tight)
            let key = try await accounts.createKey(for: tight).secret
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", prompt, maxTokens: 10), key: key).status == 200)
            let record = try #require(try await harness.records().first { $0.organizationID == tight.id })
            #expect(record.settlement == "posted_with_debt")
            #expect(record.cost?.nanos == cost)
            let owner = LedgerChart.owner(organization: tight.id)
            #expect(try await accounts.balance(of: tight).nanos == 0)
            #expect(try await accounts.ledger.account(id: LedgerChart.owed(owner, unit: "USD"))?.balance == cost - reserved)
            #expect(try await Self.openReservations(harness) == 0)
            #expect(try await LedgerVerifier(store: accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aStreamThatOutlivesItsReservationIsStillChargedInFull() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000, adjust: { $0.metering.reservationTimeout = .milliseconds(150) }) { harness in
            var body = GatewayHarness.chat("premium", "A slow and careful answer, please", stream: true, includeUsage: true)
            body["user"] = .string(FakeBehavior.requestPrefix + #"{"paced_ms": 25}"#)
            let reply = try await harness.post(json: body)
            #expect(reply.status == 200)
            let record = try #require(try await harness.records().first)
            #expect(record.latencyMilliseconds > 150)
            #expect(record.settlement == "booked_after_expiry")
            let cost = try #require(record.cost?.nanos)
            #expect(cost == GatewayHarness.premiumPrice.cost(of: record.usage).nanos)
            // The timed-out hold is released by the expiry service; the charge stays.
            try await harness.gateway.expiry.sweep()
            #expect(try await Self.openReservations(harness) == 0)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 1_000_000_000 - cost)
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aHardBudgetTooShortForTheExcessBooksAnOverrunAndLeavesTheFundsToPay() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            let prompt = String(repeating: "a", count: 4_000)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", prompt, maxTokens: 10)).status == 200)
            let probe = try #require(try await harness.records().first)
            let (reserved, cost) = (probe.reserved, try #require(probe.cost?.nanos))
            try #require(cost > reserved, "the premise: this request settles above its reservation")

            let accounts = harness.gateway.accounts
            let capped = try await accounts.createOrganization(name: "capped", currency: .usd)
            try await accounts.addCredit(Money(nanos: 1_000_000_000, currency: .usd), to: capped)
            let key = try await accounts.createKey(for: capped).secret
            let budget = Budget(organizationID: capped.id, scope: .organization, subject: capped.id,
                                amount: Money(nanos: reserved, currency: .usd), period: .month, createdAt: Date())
            try await harness.gateway.budgets.create(budget)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", prompt, maxTokens: 10), key: key).status == 200)
            let record = try #require(try await harness.records().first { $0.organizationID == capped.id })
            #expect(record.settlement == "posted_over_budget")
            #expect(try await accounts.balance(of: capped).nanos == 1_000_000_000 - cost)  // no debt: the funds paid
            #expect(try await harness.gateway.budgetSpent(budget, at: Date()).nanos == cost)
            // The budget is spent: the next request is refused.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "more", maxTokens: 10), key: key).status == 402)
            #expect(try await Self.openReservations(harness) == 0)
            #expect(try await LedgerVerifier(store: accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func sessionNamesWithColonsKeepTheirOwnBudgetsAndAnOversizedRequestIsTold() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000, adjust: { $0.metering.sessionTokensPerMinute = 50 }) { harness in
            try await harness.gateway.budgets.create(Budget(organizationID: harness.organization.id, scope: .session, subject: "*",
                                                            amount: Money(nanos: 1_000_000, currency: .usd), period: .total, createdAt: Date()))
            for session in ["abc", "abc:over", "abc:over:session:x"] {
                let reply = try await harness.post(json: GatewayHarness.chat("cheap", "hi", maxTokens: 5), headers: [("x-tollgate-session", session)])
                #expect(reply.status == 200, "\(session): \(reply.body)")
            }
            let big = try await harness.post(json: GatewayHarness.chat("cheap", String(repeating: "word ", count: 200), maxTokens: 5),
                                             headers: [("x-tollgate-session", "abc")])
            #expect(big.status == 400)
            #expect(big.json?["error"]?["code"] == "request_exceeds_rate_limit")
            #expect(try await Self.openReservations(harness) == 0)
        }
    }

    @Test func aFailureAfterTheReservationTimedOutIsReleasedNotLoggedAsFailed() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000, adjust: { $0.metering.reservationTimeout = .milliseconds(100) }) { harness in
            harness.fake.enqueue(.delayFirstByte(.milliseconds(300)))
            harness.fake.enqueue(.fail(status: 500))
            // The first succeeds late (settled after its hold timed out); the second fails fast.
            #expect(try await harness.post(json: GatewayHarness.chat()).status == 200)
            harness.fake.enqueue(.stall(afterChunks: 0))
            #expect(try await harness.post(json: GatewayHarness.chat()).status == 502)
            #expect(try await harness.post(json: GatewayHarness.chat()).status == 504)
            let records = try await harness.records()
            #expect(records.map(\.settlement) == ["voided", "voided", "booked_after_expiry"])
            try await harness.gateway.expiry.sweep()
            #expect(try await Self.openReservations(harness) == 0)
            let charged = records.compactMap(\.cost?.nanos).reduce(0, +)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 1_000_000_000 - charged)
        }
    }

    @Test func theEndUserAndTagsAreRecorded() async throws {
        try await GatewayHarness.with { harness in
            let headers = [("x-tollgate-user", "customer-991"), ("x-tollgate-tags", "checkout, eu ,beta")]
            #expect(try await harness.post(json: GatewayHarness.chat(), headers: headers).status == 200)
            let record = try #require(try await harness.records().first)
            #expect(record.endUser == "customer-991")
            #expect(record.tags == ["checkout", "eu", "beta"])
            let many = (0..<17).map { "t\($0)" }.joined(separator: ",")
            #expect(try await harness.post(json: GatewayHarness.chat(), headers: [("x-tollgate-tags", many)]).status == 400)
        }
    }

    /// Pending transfers not yet posted, voided or expired.
    @Test func withMeteringOffRequestsArePricedAndRecordedButNothingTouchesTheLedger() async throws {
        try await GatewayHarness.with(adjust: { $0.metering.enabled = false }) { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 5))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-cost") != nil)
            let record = try #require(try await harness.records().first)
            #expect(record.cost != nil && record.reserved == 0 && record.settlement == nil)
            let transfers = try await harness.gateway.database.sql.raw("SELECT COUNT(*) AS n FROM ledger_transfers WHERE code = 'usage'")
                .first()?.decode(column: "n", as: Int.self)
            #expect(transfers == 0)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 10 * Money.nanosPerUnit)
        }
    }

    /// Reservations held once every request has settled and the escrow's free slices are back.
    static func openReservations(_ harness: GatewayHarness) async throws -> Int {
        await harness.settled()
        return try await harness.gateway.database.sql.raw("""
            SELECT COUNT(*) AS n FROM ledger_transfers p WHERE p.phase = 'pending'
              AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)
            """).first()?.decode(column: "n", as: Int.self) ?? -1
    }
}
