import Ledger
import Testing
import TollgateCore

@Suite struct PrepaidFundsTests {
    static let owner = AccountOwner(.organization, "acme")

    static func fund(_ id: String, unit: String = "USD", priority: Int64, expiresAt: Int64? = nil, model: String? = nil,
                     available: Int64 = 100) -> Account {
        var account = Account(id: id, unit: unit, owner: owner, kind: .liability, flags: .debitsMustNotExceedCredits,
                              priority: priority, expiresAt: expiresAt, model: model)
        account.creditsPosted = available
        return account
    }

    @Test func fundsAreDrawnPackageForTheModelThenGrantedThenPaidEarliestExpiryFirst() {
        let funds = [
            Self.fund("paid", priority: PrepaidFunds.paidCreditPriority),
            Self.fund("granted-late", priority: PrepaidFunds.grantedCreditPriority, expiresAt: 9_000),
            Self.fund("granted-never", priority: PrepaidFunds.grantedCreditPriority),
            Self.fund("granted-soon", priority: PrepaidFunds.grantedCreditPriority, expiresAt: 5_000),
            Self.fund("package-other-model", priority: PrepaidFunds.tokenPackagePriority, model: "gpt-4o"),
            Self.fund("package", priority: PrepaidFunds.tokenPackagePriority, model: "deepseek-chat"),
            Self.fund("granted-expired", priority: PrepaidFunds.grantedCreditPriority, expiresAt: 1_000),
            Self.fund("empty", priority: 0, available: 0),
            Self.fund("other-unit", unit: "CNY", priority: 0),
        ]
        let order = PrepaidFunds.drawingOrder(funds, unit: "USD", model: "deepseek-chat", at: 2_000).map(\.id)
        #expect(order == ["package", "granted-soon", "granted-late", "granted-never", "paid"])
    }

    @Test func aChargeSplitsAcrossFundsInOrderOrIsRefusedWhenTheyHoldTooLittle() throws {
        let funds = [Self.fund("a", priority: 0, available: 30), Self.fund("b", priority: 1, available: 50)]
        let split = try #require(PrepaidFunds.split(60, across: funds))
        #expect(split.map(\.accountID) == ["a", "b"] && split.map(\.amount) == [30, 30])
        #expect(PrepaidFunds.split(81, across: funds) == nil)
    }

    @Test(arguments: Backend.allCases)
    func anExpiredFundRefusesDebitsAndItsRemainderMovesWithCodeExpiry(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let expiresAt = f.clock.now() + 60_000
            try await f.store.createAccounts([
                Account(id: "acme:grant", unit: "USD", owner: Self.owner, kind: .liability, flags: .debitsMustNotExceedCredits,
                        priority: PrepaidFunds.grantedCreditPriority, expiresAt: expiresAt),
                Account(id: "platform:grants", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .equity),
                Account(id: "platform:breakage", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .revenue),
                Account(id: "platform:revenue", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .revenue),
            ])
            try await f.store.submit(.single(debit: "platform:grants", credit: "acme:grant", amount: 1_000, code: .grant))
            let held = try await f.store.submit(.pending(debit: "acme:grant", credit: "platform:revenue", amount: 200,
                                                         timeoutMilliseconds: 600_000, code: .usage))
            let service = ExpiryService(store: f.store, logger: LedgerFixture.logger) { _ in "platform:breakage" }
            #expect(try await service.sweep().funds == 0)
            f.clock.advance(milliseconds: 60_000)
            let refused = try await #require(throws: TransferError.self) {
                try await f.store.submit(.single(debit: "acme:grant", credit: "platform:revenue", amount: 1, code: .usage))
            }
            #expect(refused.reason == .accountExpired)
            #expect(try await service.sweep().funds == 1)
            #expect(try await service.sweep().funds == 0)
            // A reservation made before expiry may still settle; what it releases expires on the next sweep.
            try await f.store.submit(.post(pending: held.id, amount: 50))
            #expect(try await service.sweep().funds == 1)
            let grant = try await f.account("acme:grant")
            #expect(grant.available == 0 && grant.balance == 0)
            let breakage = try await f.store.transfers(involving: ["platform:breakage"], from: .min, to: .max)
            #expect(breakage.map(\.amount) == [800, 150] && breakage.allSatisfy { $0.code == .expiry })
            _ = try await LedgerVerifier(store: f.store).verify()
        }
    }
}

@Suite struct PrepaidReservationTests {
    @Test(arguments: Backend.allCases)
    func aReservationDrawsTheGrantBeforePaidCreditAcrossBothWhenNeeded(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let owner = PrepaidFundsTests.owner
            try await f.store.createAccounts([
                Account(id: "acme:paid", unit: "USD", owner: owner, kind: .liability, flags: .debitsMustNotExceedCredits,
                        priority: PrepaidFunds.paidCreditPriority),
                Account(id: "acme:grant", unit: "USD", owner: owner, kind: .liability, flags: .debitsMustNotExceedCredits,
                        priority: PrepaidFunds.grantedCreditPriority, expiresAt: f.clock.now() + 86_400_000),
                Account(id: "platform:cash", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .asset),
                Account(id: "platform:revenue", unit: "USD", owner: AccountOwner(.platform, "tollgate"), kind: .revenue),
            ])
            try await f.store.submit(.single(debit: "platform:cash", credit: "acme:paid", amount: 500, code: .topUp))
            try await f.store.submit(.single(debit: "platform:cash", credit: "acme:grant", amount: 100, code: .grant))
            let held = try await PrepaidFunds.reserve(150, unit: "USD", model: nil, owner: owner, credit: "platform:revenue",
                                                      timeoutMilliseconds: 60_000, store: f.store)
            #expect(held.map(\.debitAccountID) == ["acme:grant", "acme:paid"] && held.map(\.amount) == [100, 50])
            let error = try await #require(throws: PrepaidFunds.InsufficientFunds.self) {
                try await PrepaidFunds.reserve(451, unit: "USD", model: nil, owner: owner, credit: "platform:revenue",
                                               timeoutMilliseconds: 60_000, store: f.store)
            }
            #expect(error.available == 450)
        }
    }
}
