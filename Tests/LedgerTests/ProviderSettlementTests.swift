import Ledger
import Testing
import TollgateCore

@Suite struct ProviderSettlementTests {
    @Test(arguments: Backend.allCases)
    func aSettlementSaysWhatWasOwedAccruedPaidAndWhetherTheInvoiceAgrees(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let provider = AccountOwner(.provider, "deepseek")
            let platform = AccountOwner(.platform, "USD")
            try await f.store.createAccounts([
                Account(id: "provider:deepseek:USD:payable", unit: "USD", owner: provider, kind: .liability),
                Account(id: "platform:USD:usage", unit: "USD", owner: platform, kind: .liability),
                Account(id: "platform:USD:cash", unit: "USD", owner: platform, kind: .asset),
            ])
            // Before the period: 5 USD accrued.
            try await f.store.submit(.single(debit: "platform:USD:usage", credit: "provider:deepseek:USD:payable", amount: 5_000_000_000, code: .usage))
            f.clock.advance(milliseconds: 10)
            let from = f.clock.now()
            for cost in [1_000_000_001, 2_000_000_002, 333] as [Int64] {
                try await f.store.submit(.single(debit: "platform:USD:usage", credit: "provider:deepseek:USD:payable", amount: cost, code: .usage))
            }
            try await f.store.submit(.single(debit: "provider:deepseek:USD:payable", credit: "platform:USD:cash", amount: 5_000_000_000,
                                             code: .settlement, reference: "INV-2026-10"))
            try await f.store.submit(.single(debit: "provider:deepseek:USD:payable", credit: "platform:USD:usage", amount: 2,
                                             code: .correction))
            f.clock.advance(milliseconds: 10)
            let to = f.clock.now()

            let agreed = try await ProviderSettlement.build(store: f.store, provider: "deepseek", from: from, to: to,
                                                            invoiced: ["USD": 3_000_000_336])
            let line = try #require(agreed.accounts.first)
            #expect(line.openingOwed == 5_000_000_000)
            #expect(line.accrued == 3_000_000_336)
            #expect(line.accruedTransfers == 3)
            #expect(line.paid == 5_000_000_000)
            #expect(line.adjustments == -2)
            #expect(line.closingOwed == 3_000_000_334)
            #expect(line.closingOwedRounded?.rounded == "3.00")
            #expect(agreed.reconciles)

            let disputed = try await ProviderSettlement.build(store: f.store, provider: "deepseek", from: from, to: to,
                                                              invoiced: ["USD": 3_010_000_000])
            #expect(!disputed.reconciles)
            #expect(disputed.accounts.first?.difference == 9_999_664)
            let csv = try StatementFormat.csv.render(disputed)
            #expect(csv.contains("provider:deepseek:USD:payable,USD,5000000000,3000000336,3,5000000000,-2,3000000334,3.00,3010000000,9999664"))
        }
    }
}
