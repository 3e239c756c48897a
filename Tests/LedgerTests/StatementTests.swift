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

    @Test(arguments: Backend.allCases)
    func roundingRemaindersCarryIntoTheNextStatementSoRoundedMovementsAddUp(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 10_000_000_000)
            var bounds = [f.clock.now() + 1]
            var exact: [Int64] = []
            // Ten periods of odd usage: each statement's exact movement is not a whole number of cents.
            for period in 0..<10 {
                f.clock.advance(milliseconds: 10)
                let amount = Int64(3_333_333 + period * 1_234_567)
                try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: amount, code: .usage))
                exact.append(amount)
                f.clock.advance(milliseconds: 10)
                bounds.append(f.clock.now() + 1)
            }
            var statements: [AccountStatement] = []
            for (from, to) in zip(bounds, bounds.dropFirst()) {
                let statement = try await Statement.build(store: f.store, owner: AccountOwner(.organization, "acme"), from: from, to: to)
                statements.append(try #require(statement.accounts.first))
            }
            for (previous, next) in zip(statements, statements.dropFirst()) {
                // What one statement's rounding left over is where the next one starts.
                #expect(next.openingRounded?.remainderNanos == previous.closingRounded?.remainderNanos)
                #expect(next.openingRounded?.rounded == previous.closingRounded?.rounded)
            }
            let movements = statements.compactMap(\.movementRoundedMinor)
            let first = try #require(statements.first?.openingRounded?.minorUnits)
            let last = try #require(statements.last?.closingRounded?.minorUnits)
            #expect(movements.count == 10)
            #expect(movements.reduce(0, +) == last - first)
            // Rounding each period's own total instead would drift from the balance.
            let naive = exact.map { ($0 + 5_000_000) / 10_000_000 }.reduce(0, +)
            #expect(naive != first - last)
        }
    }
}
