import Foundation
import Ledger
import Testing
import TollgateCore
import TollgateTesting

/// Random sequences of account creation, pendings, posts, voids, expiries, linked batches and
/// retried ids, checked step by step against `LedgerModel`. A failure names its seed and step.
@Suite struct LedgerModelTests {
    static let steps = 120 * (Int(ProcessInfo.processInfo.environment["LEDGER_STRESS_SCALE"] ?? "") ?? 1)

    @Test(arguments: Backend.allCases, [1, 2, 3, 4] as [UInt64])
    func randomOperationsMatchThePlainModelAtEveryStep(backend: Backend, seed: UInt64) async throws {
        let clock = ManualClock()
        try await LedgerFixture.with(backend, clock: clock) { f in
            var rng = SeededGenerator(seed: seed)
            var model = LedgerModel(now: clock.now())
            let units = ["USD", "tokens:deepseek"]
            var accountIDs: [String] = []
            for i in 0..<6 {
                let flags: AccountFlags = [[], .debitsMustNotExceedCredits, .creditsMustNotExceedDebits][i % 3]
                let account = Account(id: "acct-\(i)", unit: units[i < 4 ? 0 : 1], owner: AccountOwner(.organization, "o\(i)"),
                                      kind: i % 2 == 0 ? .liability : .asset, flags: flags)
                _ = try await f.store.createAccounts([account])
                model.accounts[account.id] = account
                model.balances[account.id] = LedgerModel.Balances()
                accountIDs.append(account.id)
            }
            // Fund the limited accounts: each of these satisfies one debit-limited and one credit-limited account.
            for (debit, credit) in [("acct-2", "acct-1"), ("acct-5", "acct-4")] {
                let funding = TransferRequest.single(debit: debit, credit: credit, amount: 100, code: .topUp)
                try await f.store.submit(funding)
                #expect(model.apply([funding]) == nil)
            }
            accountIDs.append("missing")
            var history: [TransferRequest] = []
            var pendings: [TimeOrderedID] = []
            var outcomes: [String: Int] = [:]

            func randomNew() -> TransferRequest {
                // Mostly a valid pair in one unit, sometimes anything (unknown accounts, mixed units).
                let sameUnit = Bool.random(using: &rng) ? ["acct-0", "acct-1", "acct-2", "acct-3"] : ["acct-4", "acct-5"]
                let pool = Int.random(in: 0..<5, using: &rng) == 0 ? accountIDs : sameUnit
                // Half the time draw on a limited account, so limits and pending amounts matter.
                let debit = Bool.random(using: &rng) ? (pool == sameUnit ? sameUnit[1] : "acct-1") : pool.randomElement(using: &rng)!
                let credit = pool.randomElement(using: &rng)!
                let amount = Int64.random(in: -1...60, using: &rng)
                let code: TransferCode = [.usage, .topUp, .refund].randomElement(using: &rng)!
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<4:
                    return .single(debit: debit, credit: credit, amount: amount, code: code)
                case 4..<7:
                    let timeout: Int64? = Bool.random(using: &rng) ? nil : Int64.random(in: 1...3_000, using: &rng)
                    return .pending(debit: debit, credit: credit, amount: amount, timeoutMilliseconds: timeout, code: code)
                default:
                    let target = pendings.randomElement(using: &rng) ?? TimeOrderedID()
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: return .void(pending: target)
                    case 1: return .post(pending: target, amount: Bool.random(using: &rng) ? nil : Int64.random(in: 0...60, using: &rng))
                    default: return TransferRequest(.expire(pendingID: target), code: .usage)
                    }
                }
            }

            for step in 0..<Self.steps {
                let context = "seed \(seed) step \(step)"
                let roll = Int.random(in: 0..<20, using: &rng)
                if roll == 0 {
                    // Time passes and the expiry service runs.
                    clock.advance(milliseconds: Int64.random(in: 100...2_000, using: &rng))
                    model.now = clock.now()
                    let due = model.timedOut
                    let swept = try await ExpiryService(store: f.store, logger: LedgerFixture.logger) { _ in "acct-0" }.sweep()
                    #expect(swept.pendings == due.count, "\(context): expiry")
                    outcomes["expired", default: 0] += due.count
                    for id in due {
                        _ = model.apply([TransferRequest(id: TimeOrderedID(), .expire(pendingID: id), code: .usage)])
                    }
                    continue
                }
                var batch: [TransferRequest]
                if roll < 4, let previous = history.randomElement(using: &rng) {
                    batch = [previous]  // a retry, identical
                    if roll == 1, case .single(let d, let c, let amount) = previous.action {
                        batch = [TransferRequest(id: previous.id, .single(debit: d, credit: c, amount: amount + 1), code: previous.code)]
                    }
                } else if roll < 7 {
                    batch = (0..<Int.random(in: 2...3, using: &rng)).map { _ in randomNew() }
                } else {
                    batch = [randomNew()]
                }
                let expected = model.apply(batch)
                let actual = try await f.store.submit([TransferBatch(batch)])[0]
                switch (expected, actual) {
                case (nil, .success):
                    outcomes["accepted", default: 0] += 1
                case (let e?, .failure(let error)):
                    outcomes["\(e.reason == .linkedTransferFailed ? "linked" : "refused")", default: 0] += 1
                    #expect(error.index == e.index && error.reason == e.reason, "\(context): expected #\(e.index) \(e.reason) got \(error)")
                case (nil, .failure(let error)):
                    Issue.record("\(context): the model accepted \(batch) but the store refused: \(error)")
                case (let e?, .success):
                    Issue.record("\(context): the model refused #\(e.index) (\(e.reason)) but the store accepted \(batch)")
                }
                history.append(contentsOf: batch)
                for request in batch { if case .pending = request.action { pendings.append(request.id) } }
                for account in try await f.store.allAccounts() {
                    let b = model.balances[account.id]!
                    #expect(LedgerModel.Balances(debitsPending: account.debitsPending, debitsPosted: account.debitsPosted,
                                                 creditsPending: account.creditsPending, creditsPosted: account.creditsPosted) == b,
                            "\(context): \(account.id)")
                }
            }
            let summary = try await LedgerVerifier(store: f.store).verify()
            #expect(summary.transfers == model.recorded.count)
            // The sequence must have exercised both sides, or it proved little.
            #expect((outcomes["accepted"] ?? 0) >= 10 && (outcomes["refused"] ?? 0) >= 10, "\(outcomes)")
            #expect(model.resolved.count >= 3, "\(outcomes)")
        }
    }
}
