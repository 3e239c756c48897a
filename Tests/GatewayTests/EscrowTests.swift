import Foundation
@testable import Gateway
import Ledger
import Pricing
import Routing
import Storage
import Testing
import TollgateCore
import TollgateTesting

/// Escrow: reservations carved in memory from slices a replica reserved ahead, settled exactly as
/// reservations of their own, and stepping aside near a limit.
@Suite struct EscrowTests {
    @Test(arguments: TestBackend.allCases)
    func requestsComingOftenAreCarvedFromSlicesAndSettleToTheNano(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, credit: 10 * Money.nanosPerUnit) { harness in
            let escrow = try #require(harness.gateway.metering.meter?.escrow)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in 0..<15 {
                            let reply = try await harness.post(json: GatewayHarness.chat("cheap", "Carve \(worker).\(index)", maxTokens: 20))
                            #expect(reply.status == 200)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Most are carved on a quiet machine; a loaded one refills more slowly.
            #expect(escrow.counts.carved >= 10, "\(escrow.counts)")
            await harness.gateway.recordWriter.flush()
            let records = try await harness.records()
            #expect(records.count == 120)
            #expect(records.allSatisfy { $0.settlement == "posted" })
            let charged = records.compactMap(\.cost?.nanos).reduce(0, +)
            let ledger = harness.gateway.accounts.ledger
            let fund = try #require(try await ledger.account(id: LedgerChart.granted(LedgerChart.owner(organization: harness.organization.id), .usd)))
            #expect(fund.balance == 10 * Money.nanosPerUnit - charged)
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 10 * Money.nanosPerUnit - charged)
            let slices = try await harness.gateway.database.sql.raw(
                "SELECT COUNT(*) AS n FROM ledger_transfers WHERE reference = 'escrow' AND phase = 'pending'")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            #expect(slices >= 10)
            let summary = try await LedgerVerifier(store: ledger).verify()
            #expect(summary.pendingOpen == 0)
        }
    }

    @Test func anAccountNearItsLimitGetsNoSliceAndItsRequestsReserveAloneUpToTheLastOne() async throws {
        // About seven worst cases: too little for a slice of four pieces at a quarter of it.
        try await GatewayHarness.with(credit: 100_000) { harness in
            let escrow = try #require(harness.gateway.metering.meter?.escrow)
            var statuses: [Int] = []
            for index in 0..<30 {
                statuses.append(try await harness.post(json: GatewayHarness.chat("cheap", "Near \(index)", maxTokens: 20)).status)
                if statuses.last == 402 { break }
            }
            #expect(statuses.last == 402)
            #expect(statuses.dropLast().allSatisfy { $0 == 200 })
            #expect(escrow.counts.carved == 0)
            await harness.gateway.recordWriter.flush()
            let charged = try await harness.records().compactMap(\.cost?.nanos).reduce(0, +)
            #expect(charged <= 100_000)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 100_000 - charged)
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aReservationThatNeedsWhatTheReplicasOwnSlicesHoldGetsThemBack(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, credit: 2_000_000) { harness in
            let (meter, escrow, fundID, key, model) = try await Self.warmed(harness)
            await harness.gateway.recordWriter.flush()
            let held = escrow.free(fundID)
            let available = try #require(try await harness.gateway.accounts.ledger.account(id: fundID)).available
            // More than the ledger shows available, less than that and this replica's free slices.
            let worst = available + held / 2
            let reservation = try await meter.reserve(requestID: "req_big", key: key, organization: harness.organization, session: nil,
                                                      model: model, estimate: Meter.Estimate(tokens: 1_000, sell: Money(nanos: worst, currency: .usd)),
                                                      at: Date())
            #expect(reservation.reserved == worst)
            harness.gateway.recordWriter.release(reservation)
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test func aHardBudgetWithRoomIsSlicedAndNeverPassedByMoreThanOneReservation() async throws {
        try await GatewayHarness.with(credit: 10 * Money.nanosPerUnit) { harness in
            let escrow = try #require(harness.gateway.metering.meter?.escrow)
            // About 140 worst cases, 300 answers.
            let budget = Budget(organizationID: harness.organization.id, scope: .organization, subject: harness.organization.id,
                                amount: Money(nanos: 2_000_000, currency: .usd), period: .day, createdAt: Date())
            try await harness.gateway.budgets.create(budget)
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var statuses: [Int] = []
                        for index in 0..<60 {
                            let reply = try await harness.post(json: GatewayHarness.chat("cheap", "Budget \(worker).\(index)", maxTokens: 20))
                            statuses.append(reply.status)
                            if reply.status == 402 { break }
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 402 })
            #expect(statuses.contains(402))
            #expect(escrow.counts.carved > 0, "\(escrow.counts)")
            await harness.gateway.recordWriter.flush()
            let records = try await harness.records()
            let spent = records.filter { $0.status == 200 }.compactMap(\.cost?.nanos).reduce(0, +)
            let largestReservation = records.map(\.reserved).max() ?? 0
            #expect(spent <= budget.amount.nanos + largestReservation)
            #expect(spent > budget.amount.nanos / 2)
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func slicesNobodyTakesAreReleasedAndAPieceIsSizedToThePowerOfTwoAboveTheRequest() async throws {
        #expect(Escrow.size(for: 1) == 1)
        #expect(Escrow.size(for: 14_280) == 16_384)
        #expect(Escrow.size(for: 16_384) == 16_384)
        #expect(Escrow.size(for: 16_385) == 32_768)
        try await GatewayHarness.with(credit: 10 * Money.nanosPerUnit) { harness in
            let (_, escrow, fundID, _, _) = try await Self.warmed(harness)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "One more", maxTokens: 20)).status == 200)
            // The sweeper gives an idle pool back (2 s without a request), without being asked.
            for _ in 0..<100 where escrow.free(fundID) > 0 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(escrow.free(fundID) == 0)
            let charged = try await harness.records().compactMap(\.cost?.nanos).reduce(0, +)
            // Its release is written just after: the whole balance is available again.
            var balance = try await harness.gateway.accounts.balance(of: harness.organization).nanos
            for _ in 0..<50 where balance != 10 * Money.nanosPerUnit - charged {
                try await Task.sleep(for: .milliseconds(100))
                balance = try await harness.gateway.accounts.balance(of: harness.organization).nanos
            }
            #expect(balance == 10 * Money.nanosPerUnit - charged)
        }
    }

    /// The meter, its escrow, the organization's fund and a key and model to reserve with, once
    /// small reservations through the meter have made a slice of the fund.
    static func warmed(_ harness: GatewayHarness) async throws -> (Meter, Escrow, String, VirtualKey, ModelDefinition) {
        let meter = try #require(harness.gateway.metering.meter)
        let escrow = try #require(meter.escrow)
        let fundID = LedgerChart.granted(LedgerChart.owner(organization: harness.organization.id), .usd)
        let (key, _) = try await harness.gateway.accounts.createKey(for: harness.organization)
        let model = try #require(harness.gateway.configuration.models.first { $0.name == "cheap" })
        #expect(try await warm(meter, harness: harness, key: key, model: model, fund: fundID) > 0)
        return (meter, escrow, fundID, key, model)
    }

    /// Reserves and releases small requests through the meter until a slice of `fund` is ready;
    /// returns what it holds free.
    static func warm(_ meter: Meter, harness: GatewayHarness, key: VirtualKey, model: ModelDefinition, fund: String) async throws -> Int64 {
        let escrow = try #require(meter.escrow)
        for index in 0..<2_000 {
            if escrow.free(fund) > 0 { return escrow.free(fund) }
            let reservation = try await meter.reserve(requestID: "req_warm_\(index)", key: key, organization: harness.organization,
                                                      session: nil, model: model,
                                                      estimate: Meter.Estimate(tokens: 40, sell: Money(nanos: 14_000, currency: .usd)), at: Date())
            harness.gateway.recordWriter.release(reservation)
            if index % 8 == 7 { try await Task.sleep(for: .milliseconds(2)) }
        }
        return escrow.free(fund)
    }
}
