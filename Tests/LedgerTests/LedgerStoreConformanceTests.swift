import Ledger
import Testing
import TollgateCore

/// The behaviour every `LedgerStore` must have, run against SQLite and PostgreSQL.
@Suite struct LedgerStoreConformanceTests {
    @Test(arguments: Backend.allCases)
    func aSingleTransferMovesPostedBalancesOnBothSides(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 10_000)
            let t = try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 2_500, code: .usage,
                                                    reference: "req-1"))
            #expect(t.sequence == 2)
            #expect(t.timestamp == f.clock.now())
            let customer = try await f.account(a.customer)
            #expect(customer.balance == 7_500)
            #expect(customer.debitsPosted == 2_500 && customer.creditsPosted == 10_000)
            #expect(try await f.account(a.revenue).balance == 2_500)
            #expect(try await f.account(a.funding).balance == 10_000)
            #expect(try await f.store.transfer(id: t.id) == t)
        }
    }

    @Test(arguments: Backend.allCases)
    func repeatingAnIdWithIdenticalFieldsReturnsTheFirstResult(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 10_000)
            let request = TransferRequest.single(debit: a.customer, credit: a.revenue, amount: 100, code: .usage, reference: "r")
            let first = try await f.store.submit(request)
            f.clock.advance(milliseconds: 5_000)
            let again = try await f.store.submit(request)
            #expect(again == first)
            #expect(try await f.account(a.customer).debitsPosted == 100)
        }
    }

    @Test(arguments: Backend.allCases)
    func repeatingAnIdWithDifferentFieldsFailsNamingTheField(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 10_000)
            let id = TimeOrderedID()
            try await f.store.submit(.single(id: id, debit: a.customer, credit: a.revenue, amount: 100, code: .usage))
            let cases: [(TransferRequest, String)] = [
                (.single(id: id, debit: a.customer, credit: a.revenue, amount: 101, code: .usage), "amount"),
                (.single(id: id, debit: a.customer, credit: a.revenue, amount: 100, code: .refund), "code"),
                (.single(id: id, debit: a.customer, credit: a.funding, amount: 100, code: .usage), "credit_account_id"),
                (.pending(id: id, debit: a.customer, credit: a.revenue, amount: 100, code: .usage), "phase"),
            ]
            for (request, field) in cases {
                let error = try await #require(throws: TransferError.self) { try await f.store.submit(request) }
                #expect(error.reason == .existsWithDifferentField)
                #expect(error.reason.detail.contains(field), "\(error) should name \(field)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aPrepaidAccountRefusesDebitsBeyondItsCreditsCountingPendingOnes(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 600, code: .usage))
            let error = try await #require(throws: TransferError.self) {
                try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 401, code: .usage))
            }
            #expect(error.reason == .exceedsCredits)
            try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 400, code: .usage))
            #expect(try await f.account(a.customer).available == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func postingLessThanReservedReleasesTheRest(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let pending = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 800, code: .usage,
                                                            reference: "req-7"))
            #expect(try await f.account(a.customer).available == 200)
            let post = try await f.store.submit(.post(pending: pending.id, amount: 300))
            #expect(post.amount == 300 && post.debitAccountID == a.customer && post.pendingID == pending.id)
            #expect(post.reference == "req-7")
            let customer = try await f.account(a.customer)
            #expect(customer.debitsPending == 0 && customer.debitsPosted == 300 && customer.available == 700)
            #expect(try await f.account(a.revenue).creditsPending == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func postingWithoutAnAmountSettlesTheWholeReservation(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let pending = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 800, code: .usage))
            #expect(try await f.store.submit(.post(pending: pending.id)).amount == 800)
            #expect(try await f.account(a.revenue).balance == 800)
        }
    }

    @Test(arguments: Backend.allCases)
    func voidingReleasesTheWholeReservation(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let pending = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 800, code: .usage))
            let void = try await f.store.submit(.void(pending: pending.id))
            #expect(void.amount == 800 && void.phase == .void)
            let customer = try await f.account(a.customer)
            #expect(customer.debitsPending == 0 && customer.debitsPosted == 0 && customer.available == 1_000)
        }
    }

    @Test(arguments: Backend.allCases)
    func aPendingTransferResolvesAtMostOnce(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let pending = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 500, code: .usage))
            let post = TransferRequest.post(pending: pending.id, amount: 200)
            try await f.store.submit(post)
            try await f.store.submit(post)  // the same id again: the first result, not a second resolution
            for second in [TransferRequest.void(pending: pending.id), .post(pending: pending.id, amount: 100)] {
                let error = try await #require(throws: TransferError.self) { try await f.store.submit(second) }
                #expect(error.reason == .pendingAlreadyResolved)
            }
            #expect(try await f.account(a.customer).debitsPosted == 200)
        }
    }

    @Test(arguments: Backend.allCases)
    func postingMoreThanReservedOrResolvingANonPendingIsRefused(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let pending = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 500, code: .usage))
            let tooMuch = try await #require(throws: TransferError.self) {
                try await f.store.submit(.post(pending: pending.id, amount: 501))
            }
            #expect(tooMuch.reason == .postExceedsPending)
            let single = try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 1, code: .usage))
            let notPending = try await #require(throws: TransferError.self) { try await f.store.submit(.void(pending: single.id)) }
            #expect(notPending.reason == .notPending)
            let missing = try await #require(throws: TransferError.self) { try await f.store.submit(.void(pending: TimeOrderedID())) }
            #expect(missing.reason == .pendingNotFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func transfersBetweenUnitsOrToUnknownAccountsAreRefused(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            try await f.store.createAccounts([
                Account(id: "org:acme:tokens", unit: "tokens:deepseek", owner: AccountOwner(.organization, "acme"), kind: .liability),
            ])
            let units = try await #require(throws: TransferError.self) {
                try await f.store.submit(.single(debit: a.customer, credit: "org:acme:tokens", amount: 1, code: .usage))
            }
            #expect(units.reason == .unitsDiffer)
            let unknown = try await #require(throws: TransferError.self) {
                try await f.store.submit(.single(debit: a.customer, credit: "nobody", amount: 1, code: .usage))
            }
            #expect(unknown.reason == .accountNotFound && unknown.reason.detail.contains("nobody"))
            let zero = try await #require(throws: TransferError.self) {
                try await f.store.submit(.single(debit: a.customer, credit: a.revenue, amount: 0, code: .usage))
            }
            #expect(zero.reason == .amountMustBePositive)
        }
    }

    @Test(arguments: Backend.allCases)
    func aLinkedBatchCommitsAllOrNothingAndNamesTheFailingTransfer(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let ok = TransferRequest.single(debit: a.customer, credit: a.revenue, amount: 700, code: .usage)
            let over = TransferRequest.single(debit: a.customer, credit: a.revenue, amount: 400, code: .usage)
            let error = try await #require(throws: TransferError.self) { try await f.store.submit(linked: [ok, over]) }
            #expect(error.index == 1 && error.transferID == over.id && error.reason == .exceedsCredits)
            #expect(try await f.store.transfer(id: ok.id) == nil)
            #expect(try await f.account(a.customer).debitsPosted == 0)
            let both = try await f.store.submit(linked: [ok, .single(debit: a.customer, credit: a.revenue, amount: 300, code: .usage)])
            #expect(both.map(\.sequence) == [2, 3])
        }
    }

    @Test(arguments: Backend.allCases)
    func batchesInOneGroupSucceedOrFailEachOnTheirOwn(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let results = try await f.store.submit([
                TransferBatch([.single(debit: a.customer, credit: a.revenue, amount: 600, code: .usage)]),
                TransferBatch([.single(debit: a.customer, credit: a.revenue, amount: 600, code: .usage)]),
                TransferBatch([.single(debit: a.customer, credit: a.revenue, amount: 400, code: .usage)]),
            ])
            #expect((try? results[0].get()) != nil)
            #expect(throws: TransferError.self) { try results[1].get() }
            #expect(try results[2].get()[0].sequence == 3)
            #expect(try await f.account(a.customer).available == 0)
            #expect(try await LedgerVerifier(store: f.store).verify().transfers == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func groupCommitGivesEachConcurrentCallerItsOwnResult(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 50)
            let group = GroupCommit(store: f.store)
            let outcomes = await withTaskGroup(of: Bool.self) { tasks in
                for _ in 0..<100 {
                    tasks.addTask {
                        (try? await group.submit(.single(debit: a.customer, credit: a.revenue, amount: 1, code: .usage))) != nil
                    }
                }
                return await tasks.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 50)
            #expect(try await f.account(a.customer).available == 0)
            _ = try await LedgerVerifier(store: f.store).verify()
        }
    }

    @Test(arguments: Backend.allCases)
    func creatingAnAccountAgainIsIdempotentButDifferentFieldsAreNamed(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            try await f.standardAccounts(prepaid: 10)
            let again = try await f.store.createAccounts([
                Account(id: "org:acme:usd", unit: "USD", owner: AccountOwner(.organization, "acme"), kind: .liability,
                        flags: .debitsMustNotExceedCredits, priority: PrepaidFunds.paidCreditPriority),
            ])
            #expect(again[0].creditsPosted == 10)
            let error = try await #require(throws: AccountError.self) {
                try await f.store.createAccounts([
                    Account(id: "org:acme:usd", unit: "CNY", owner: AccountOwner(.organization, "acme"), kind: .liability),
                ])
            }
            #expect(error.isExistsWithDifferentField && error.detail.contains("unit"))
        }
    }

    @Test(arguments: Backend.allCases)
    func timedOutPendingsExpireAndCanNoLongerBePosted(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            let short = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 300,
                                                          timeoutMilliseconds: 1_000, code: .usage))
            let long = try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 200,
                                                         timeoutMilliseconds: 60_000, code: .usage))
            let service = ExpiryService(store: f.store, logger: LedgerFixture.logger) { _ in a.revenue }
            #expect(try await service.sweep().pendings == 0)
            f.clock.advance(milliseconds: 1_000)
            let late = try await #require(throws: TransferError.self) { try await f.store.submit(.post(pending: short.id)) }
            #expect(late.reason == .pendingAlreadyResolved)
            #expect(try await service.sweep().pendings == 1)
            #expect(try await service.sweep().pendings == 0)
            #expect(try await f.account(a.customer).debitsPending == 200)
            try await f.store.submit(.post(pending: long.id, amount: 50))
            _ = try await LedgerVerifier(store: f.store).verify()
        }
    }

    @Test(arguments: Backend.allCases)
    func verifyNamesAPendingLeftPastItsTimeout(backend: Backend) async throws {
        try await LedgerFixture.with(backend) { f in
            let a = try await f.standardAccounts(prepaid: 1_000)
            try await f.store.submit(.pending(debit: a.customer, credit: a.revenue, amount: 300, timeoutMilliseconds: 10, code: .usage))
            _ = try await LedgerVerifier(store: f.store).verify()
            f.clock.advance(milliseconds: 10)
            let violation = try await #require(throws: LedgerViolation.self) { try await LedgerVerifier(store: f.store).verify() }
            #expect(violation.detail.contains("past its timeout"))
        }
    }
}
