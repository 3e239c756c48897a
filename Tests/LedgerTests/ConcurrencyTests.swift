import Foundation
import Ledger
import Storage
import Testing
import TollgateCore

/// Many writers against one limited prepaid account: never overdrawn, every accepted reservation
/// resolved, and the whole history verifies. `LEDGER_STRESS_SCALE` multiplies the work (the
/// default keeps a debug `swift test` quick).
@Suite struct ConcurrencyTests {
    static let scale = Int(ProcessInfo.processInfo.environment["LEDGER_STRESS_SCALE"] ?? "") ?? 1

    @Test(arguments: Backend.allCases)
    func sixteenTasksReservingAgainstOneAccountNeverOverdrawIt(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 3_000 * Int64(Self.scale))
            let perTask = 125 * Self.scale
            let counts = try await withThrowingTaskGroup(of: (accepted: Int, refused: Int).self) { tasks in
                for worker in 0..<16 {
                    tasks.addTask {
                        var accepted = 0, refused = 0
                        for index in 0..<perTask {
                            let pending = TransferRequest.pending(debit: a.customer, credit: a.revenue, amount: 10,
                                                                  timeoutMilliseconds: 60_000, code: .usage)
                            do { try await f.store.submit(pending) } catch is TransferError { refused += 1; continue }
                            accepted += 1
                            if (index + worker) % 4 == 0 {
                                try await f.store.submit(.void(pending: pending.id))
                            } else {
                                try await f.store.submit(.post(pending: pending.id, amount: 3))
                            }
                        }
                        return (accepted, refused)
                    }
                }
                return try await tasks.reduce(into: (accepted: 0, refused: 0)) { $0.accepted += $1.accepted; $0.refused += $1.refused }
            }
            print("ledger concurrency (\(backend)): 16 tasks, \(16 * perTask) reservations, \(counts.accepted) accepted, \(counts.refused) refused")
            #expect(counts.accepted + counts.refused == 16 * perTask)
            #expect(counts.refused > 0, "the account should have run dry (accepted \(counts.accepted))")
            let customer = try await f.account(a.customer)
            #expect(customer.debitsPending == 0)
            #expect(customer.debitsPosted <= customer.creditsPosted && customer.available >= 0)
            let summary = try await LedgerVerifier(store: f.store).verify()
            // every accepted reservation is one pending plus one post or void, after the top-up
            #expect(summary.transfers == 1 + 2 * counts.accepted)
            #expect(summary.pendingOpen == 0)
        }
    }

    @Test func twoProcessesReservingAgainstOnePostgresAccountNeverOverdrawIt() async throws {
        guard Backend.postgresURL != nil else {
            try Test.cancel("PostgreSQL tests skipped: TOLLGATE_TEST_POSTGRES is unset")
        }
        try await LedgerFixture.with(.postgres, clock: ManualClock(Timestamp.millisecondsNow())) { f in
            let a = try await f.standardAccounts(prepaid: 6_000 * Int64(Self.scale))
            guard case .postgres(let url) = f.url else { return }
            let reservations = 1_000 * Self.scale
            let children = try (0..<2).map { _ in
                try ChildProcess.start(["ledger", "load", "--database", url, "--debit", a.customer, "--credit", a.revenue,
                                        "--reservations", "\(reservations)", "--tasks", "8", "--amount", "10"])
            }
            var accepted = 0, refused = 0
            for child in children {
                let (status, output) = await child.finish()
                #expect(status == 0, "child failed: \(output)")
                let counts = try JSONDecoder().decode([String: Int].self, from: Data(output.utf8))
                accepted += counts["accepted"] ?? 0
                refused += counts["refused"] ?? 0
                #expect(counts["accepted"] == (counts["posted"] ?? 0) + (counts["voided"] ?? 0))
            }
            print("ledger concurrency (postgres, 2 processes × 8 tasks): \(2 * reservations) reservations, \(accepted) accepted, \(refused) refused")
            #expect(accepted + refused == 2 * reservations)
            #expect(refused > 0, "the account should have run dry (accepted \(accepted))")
            let customer = try await f.account(a.customer)
            #expect(customer.debitsPending == 0 && customer.available >= 0)
            let summary = try await LedgerVerifier(store: f.store).verify()
            #expect(summary.transfers == 1 + 2 * accepted)
        }
    }

    @Test(arguments: Backend.allCases)
    func verifyingWhileWritersRunSeesOneConsistentSnapshot(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000_000)
            let group = GroupCommit(store: f.store)
            let writers = Task {
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for _ in 0..<8 {
                        tasks.addTask {
                            for _ in 0..<60 {
                                let pending = TransferRequest.pending(debit: a.customer, credit: a.revenue, amount: 5, code: .usage)
                                try await group.submit(pending)
                                try await group.submit(.post(pending: pending.id, amount: 2))
                            }
                        }
                    }
                    try await tasks.waitForAll()
                }
            }
            var verified: [Int] = []
            while verified.count < 8 {
                verified.append(try await LedgerVerifier(store: f.store).verify().transfers)
            }
            try await writers.value
            #expect(try await LedgerVerifier(store: f.store).verify().transfers == 1 + 8 * 60 * 2)
            #expect(verified == verified.sorted(), "snapshots should only grow: \(verified)")
        }
    }
}
