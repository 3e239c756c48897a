import Foundation
import Ledger
import Storage
import Testing
import TollgateCore
#if canImport(Glibc)
import Glibc
#endif

/// A writer killed with SIGKILL mid-stream leaves a ledger that verifies, with no batch half-applied.
@Suite struct CrashTests {
    @Test(arguments: Backend.allCases)
    func aWriterKilledMidStreamLeavesAConsistentLedger(backend: Backend) async throws {
        // The child stamps transfers with the real clock, so the verifier must use it too.
        try await LedgerFixture.with(backend, clock: ManualClock(Timestamp.millisecondsNow())) { f in
            let a = try await f.standardAccounts(prepaid: 1_000_000_000)
            let url = f.url.description
            let child = try ChildProcess.start(["ledger", "load", "--database", url, "--debit", a.customer,
                                                "--credit", a.revenue, "--reservations", "1000000", "--tasks", "8",
                                                "--linked-every", "3"])
            // Kill it once it is well into the stream: a clock would not tell us that, the chain head does.
            var head: Int64 = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while head < 1_000, ContinuousClock.now < deadline, child.process.isRunning {
                try await Task.sleep(for: .milliseconds(20))
                head = try await f.store.chainHead().sequence
            }
            try #require(child.process.isRunning, "the writer exited before it could be killed")
            kill(child.process.processIdentifier, SIGKILL)
            let (status, _) = await child.finish()
            #expect(status == SIGKILL)

            let summary = try await LedgerVerifier(store: f.store).verify()
            print("ledger crash (\(backend)): killed after \(head)+ transfers; verified \(summary.transfers) transfers, \(summary.pendingOpen) pending open")
            #expect(summary.transfers >= 1_000)
            // Linked pairs: every reservation recorded with a fee has its fee, and no fee is alone.
            let all = try await f.store.transfers(involving: [a.customer], from: .min, to: .max)
            let references = Set(all.compactMap(\.reference))
            for transfer in all {
                guard let reference = transfer.reference, reference.hasPrefix("load-") else { continue }
                if reference.hasSuffix(":fee") {
                    #expect(references.contains(String(reference.dropLast(4))), "fee \(reference) without its reservation")
                } else if let index = Int(reference.split(separator: "-").last!), index % 3 == 0 {
                    #expect(references.contains(reference + ":fee"), "reservation \(reference) without its fee")
                }
            }
        }
    }
}
