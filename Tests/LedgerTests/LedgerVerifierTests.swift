import Ledger
import Testing
import TollgateCore

/// `ledger verify` passes on an honest ledger and names the first thing tampered with.
@Suite struct LedgerVerifierTests {
    /// A small honest ledger: a top-up, a posted reservation, a voided one, a single charge.
    static func populate(_ f: LedgerFixture) async throws -> (customer: String, funding: String, revenue: String) {
        let a = try await f.standardAccounts(prepaid: 1_000)
        let first = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 300, code: .usage))
        try await f.store.submit(.post(pending: first.id, amount: 120))
        let second = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 50, code: .usage))
        try await f.store.submit(.void(pending: second.id))
        try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 7, code: .usage, reference: "r,\"x\""))
        return a
    }

    @Test(arguments: Backend.allCases)
    func anHonestLedgerVerifies(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            _ = try await Self.populate(f)
            let summary = try await LedgerVerifier(store: f.store).verify()
            #expect(summary.transfers == 6 && summary.accounts == 3 && summary.pendingOpen == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func anEditedAmountBreaksTheHashChain(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            _ = try await Self.populate(f)
            try await f.execute("UPDATE ledger_transfers SET amount = 8 WHERE seq = 6")
            let violation = try await #require(throws: LedgerViolation.self) { try await LedgerVerifier(store: f.store).verify() }
            #expect(violation.detail.contains("#6") && violation.detail.contains("hash"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeletedTransferIsAGapInTheChain(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            _ = try await Self.populate(f)
            try await f.execute("DELETE FROM ledger_transfers WHERE seq = 3")
            let violation = try await #require(throws: LedgerViolation.self) { try await LedgerVerifier(store: f.store).verify() }
            #expect(violation.detail.contains("#4") && violation.detail.contains("gap"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aCounterThatDisagreesWithTheTransfersIsNamed(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await Self.populate(f)
            try await f.execute("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = '\(a.revenue)'")
            let violation = try await #require(throws: LedgerViolation.self) { try await LedgerVerifier(store: f.store).verify() }
            #expect(violation.detail.contains(a.revenue) && violation.detail.contains("credits_posted"))
        }
    }

    @Test(arguments: Backend.allCases)
    func anOverdraftWrittenBehindTheStoresBackIsNamed(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await Self.populate(f)
            // Forge a whole, correctly chained transfer that overdraws the prepaid account.
            let head = try await f.store.chainHead()
            var forged = Transfer(sequence: head.sequence + 1, id: TimeOrderedID(), debitAccountID: a.customer,
                                  creditAccountID: a.revenue, amount: 10_000, phase: .single, code: .usage,
                                  timestamp: f.clock.now(), hash: "")
            forged.hash = TransferHash.chained(after: head.hash, forged)
            try await f.execute("""
                INSERT INTO ledger_transfers (seq, id, debit_account_id, credit_account_id, amount, phase, code, created_at, hash)
                VALUES (\(forged.sequence), '\(forged.id)', '\(a.customer)', '\(a.revenue)', 10000, 'single', 'usage',
                        \(forged.timestamp), '\(forged.hash)')
                """)
            let violation = try await #require(throws: LedgerViolation.self) { try await LedgerVerifier(store: f.store).verify() }
            #expect(violation.detail.contains(a.customer) && violation.detail.contains("over its credits"))
        }
    }
}

@Suite struct LedgerVerifyCommandTests {
    @Test func tollgateLedgerVerifyExitsOneNamingTheFirstViolation() async throws {
        try await LedgerFixture.with(.sqlite) { f in
            _ = try await LedgerVerifierTests.populate(f)
            let passing = await (try ChildProcess.start(["ledger", "verify", "--database", f.url.description])).finish()
            #expect(passing.status == 0 && passing.output.contains("6 transfers"), "\(passing)")
            try await f.execute("UPDATE ledger_transfers SET reference = 'edited' WHERE seq = 6")
            let child = try ChildProcess.start(["ledger", "verify", "--database", f.url.description])
            let failing = await child.finish()
            #expect(failing.status == 1)
            #expect(child.errors.contains("transfer #6") && child.errors.split(separator: "\n").count == 1, "\(child.errors)")
        }
    }
}
