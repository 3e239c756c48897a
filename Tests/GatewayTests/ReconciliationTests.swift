import AsyncHTTPClient
import Foundation
@testable import Gateway
import Ledger
import NIOCore
import Providers
import SQLKit
import Storage
import Testing
import TollgateCore
import TollgateTesting

/// The correctness evidence for metering: a long mixed run through real sockets, after which the
/// request records and the ledger agree to the nano-unit.
@Suite struct ReconciliationTests {
    /// The kinds of request in the run, in turn.
    enum Kind: Int, CaseIterable {
        case plain, streamed, failing, cut, abandoned, usageless, anthropic, throttled
    }

    @Test(arguments: TestBackend.allCases)
    func twoThousandMixedRequestsReconcileToTheNano(_ backend: TestBackend) async throws {
        let total = 2_000
        try await GatewayHarness.with(backend: backend, credit: 1_000 * Money.nanosPerUnit) { harness in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<64 {
                    group.addTask {
                        for index in stride(from: worker, to: total, by: 64) {
                            try await Self.send(Kind(rawValue: index % Kind.allCases.count)!, index: index, harness: harness)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Abandoned streams are recorded once the gateway notices the client has gone.
            let store = harness.gateway.requestRecords
            try await eventually {
                await harness.gateway.recordWriter.flush()
                return try await store.recent(limit: 10 * total).count == total
            }
            let records = try await store.recent(limit: 10 * total)
            #expect(records.count == total)
            let statuses = Dictionary(grouping: records, by: \.status).mapValues(\.count)
            #expect(statuses[200, default: 0] >= total / 2)
            #expect(statuses[499, default: 0] > 0)
            #expect(statuses[502, default: 0] > 0)
            #expect(records.contains { $0.usageSource == .counted })

            // Per request: what the ledger took from the customer is what the record says it cost.
            let database = harness.gateway.database
            let usage = LedgerChart.usage(.usd)
            let charged = try await database.sql.raw("""
                SELECT reference, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_transfers
                WHERE code = 'usage' AND phase IN ('post', 'single') AND credit_account_id = \(bind: usage)
                  AND debit_account_id <> \(bind: LedgerChart.margin(.usd))
                GROUP BY reference
                """).all().reduce(into: [String: Int64]()) { result, row in
                    result[try row.decode(column: "reference", as: String.self)] = try row.decode(column: "total", as: Int64.self)
                }
            var mismatches: [String] = []
            for record in records where (record.cost?.nanos ?? 0) != charged[record.id, default: 0] {
                mismatches.append("\(record.id) status \(record.status): record \(record.cost?.nanos ?? 0), ledger \(charged[record.id, default: 0])")
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
            #expect(Set(charged.keys).subtracting(records.map(\.id)).isEmpty)

            // Per account: the organization's funds fell by the records' total; the provider is owed
            // their cost; the clearing account is empty; nothing is left reserved.
            let accounts = harness.gateway.accounts
            await harness.settled()
            let spent = records.compactMap(\.cost?.nanos).reduce(0, +)
            let providerCost = records.compactMap(\.providerCost?.nanos).reduce(0, +)
            #expect(spent > 0)
            #expect(try await accounts.balance(of: harness.organization).nanos == 1_000 * Money.nanosPerUnit - spent)
            let payables = try await accounts.ledger.accounts(owner: AccountOwner(.provider, "fake")).map(\.balance).reduce(0, +)
                + (try await accounts.ledger.accounts(owner: AccountOwner(.provider, "fake-anthropic")).map(\.balance).reduce(0, +))
            #expect(payables == providerCost)
            #expect(try await accounts.ledger.account(id: usage)?.balance == 0)
            #expect(try await MeteringTests.openReservations(harness) == 0)
            let summary = try await LedgerVerifier(store: accounts.ledger).verify()
            #expect(summary.pendingOpen == 0)
        }
    }

    static func send(_ kind: Kind, index: Int, harness: GatewayHarness) async throws {
        func tagged(_ body: JSONValue, _ behavior: String) -> JSONValue {
            var body = body
            body["user"] = .string(FakeBehavior.requestPrefix + behavior)
            return body
        }
        let text = "Request number \(index) of the reconciliation run"
        switch kind {
        case .plain:
            _ = try await harness.post(json: GatewayHarness.chat("cheap", text, maxTokens: 30))
        case .streamed:
            _ = try await harness.post(json: GatewayHarness.chat("premium", text, stream: true, includeUsage: index % 2 == 0))
        case .failing:
            _ = try await harness.post(json: tagged(GatewayHarness.chat("premium", text), #"{"fail": 500}"#))
        case .cut:
            _ = try await harness.post(json: tagged(GatewayHarness.chat("cheap", text, stream: true), #"{"cut_after": 3}"#))
        case .abandoned:
            var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(harness.key)")
            request.body = .bytes(ByteBuffer(data: tagged(GatewayHarness.chat("cheap", text, stream: true), #"{"paced_ms": 5}"#).encoded()))
            let response = try await harness.client.execute(request, timeout: .seconds(30))
            for try await _ in response.body { break }
        case .usageless:
            _ = try await harness.post(json: tagged(GatewayHarness.chat("premium", text, maxTokens: 25), #""omit_usage""#))
        case .anthropic:
            var body = GatewayHarness.message("claude", text, stream: index % 2 == 0, maxTokens: 40)
            body["metadata"] = ["user_id": "fake:\"normal\""]
            _ = try await harness.post("/v1/messages", json: body)
        case .throttled:
            _ = try await harness.post(json: tagged(GatewayHarness.chat("cheap", text), #"{"fail": 429}"#))
        }
    }
}
