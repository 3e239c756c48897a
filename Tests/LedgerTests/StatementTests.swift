import Ledger
import Testing
import TollgateCore

@Suite struct StatementTests {
    @Test(arguments: Backend.allCases)
    func aStatementHasTheOpeningBalanceThePeriodsTransfersAndTheClosingBalance(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 10_000_000_000)  // 10 USD before the period
            let from = f.clock.now() + 1_000
            f.clock.advance(milliseconds: 1_000)
            try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 1_234_567, code: .usage, reference: "req-1"))
            let held = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 5_000_000, code: .usage))
            try await f.store.submit(.post(pending: held.id, amount: 2_000_001))
            let to = f.clock.now() + 1
            f.clock.advance(milliseconds: 5_000)
            try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 999, code: .usage))

            let statement = try await Statement.build(store: f.store, owner: AccountOwner(.organization, "acme"), from: from, to: to)
            let section = try #require(statement.accounts.first)
            #expect(statement.accounts.count == 1)
            #expect(section.opening == 10_000_000_000)
            #expect(section.lines.map(\.debit) == [1_234_567, 2_000_001])
            #expect(section.closing == 10_000_000_000 - 3_234_568)
            // 9.996765432 USD rounds half-even to 10.00 with the remainder carried.
            #expect(section.closingRounded?.rounded == "10.00")
            #expect(section.closingRounded?.remainderNanos == -3_234_568)
            let csv = try StatementFormat.csv.render(statement)
            #expect(csv.contains("org:acme:usd,USD,opening,,,\(from),,,,,,10000000000"))
            #expect(csv.contains(",req-1,platform:revenue:usd,1234567,0,9998765433"))
            #expect(try StatementFormat.json.render(statement).contains("\"closing\" : 9996765432"))
        }
    }
}
