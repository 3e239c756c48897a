import AsyncHTTPClient
import Foundation
@testable import Gateway
import NIOCore
import Providers
import Testing
import TollgateCore
import TollgateTesting

@Suite struct InFlightLimitTests {
    /// A streamed chat request the fake answers a word every `ms` milliseconds (about 22 words):
    /// in flight for seconds, with no silence long enough to time out.
    static func slow(_ text: String, ms: Int) -> JSONValue {
        var body = GatewayHarness.chat("cheap", text, stream: true, maxTokens: 2000)
        body["user"] = .string(#"fake:{"paced_ms": \#(ms)}"#)
        return body
    }

    @Test func aKeyWithItsLimitInFlightIsRefused429UntilOneIsDoneAndNothingIsCharged() async throws {
        try await GatewayHarness.with { harness async throws in
            let (_, secret) = try await harness.gateway.accounts.createKey(for: harness.organization, name: "agent", maxConcurrent: 2)
            let held = (0..<2).map { index in
                Task { try await harness.post(json: Self.slow("held \(index)", ms: 300), key: secret) }
            }
            // Both are with the provider: the key has its two in flight.
            try await eventually { harness.fake.observations.requests.count == 2 }
            let refused = try await harness.post(json: GatewayHarness.chat("cheap", "one too many"), key: secret)
            #expect(refused.status == 429)
            #expect(refused.json?["error"]?["code"] == "concurrency_limit_exceeded")
            #expect(refused.headers.first(name: "retry-after") == "1")
            // Another key of the organization is not held back.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "someone else")).status == 200)
            for task in held { #expect(try await task.value.status == 200) }
            // Done, they gave their places back.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "after"), key: secret).status == 200)
            try await eventually { try await harness.records().count == 5 }
            let refusedRecord = try #require(try await harness.records().first { $0.status == 429 })
            #expect(refusedRecord.cost == nil || refusedRecord.cost?.nanos == 0)
            #expect(harness.fake.observations.requests.count == 4)
        }
    }

    @Test func aStreamHoldsItsPlaceUntilItEndsAndAClientThatLeavesGivesItBack() async throws {
        try await GatewayHarness.with { harness async throws in
            let (_, secret) = try await harness.gateway.accounts.createKey(for: harness.organization, name: "streamer", maxConcurrent: 1)
            // A stream paced 200 ms a word: its place is held while it runs, not just until its head.
            var body = GatewayHarness.chat("cheap", "a long answer", stream: true, maxTokens: 2000)
            body["user"] = .string(#"fake:{"paced_ms": 200}"#)
            var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(secret)")
            request.body = .bytes(ByteBuffer(bytes: body.encodedBytes()))
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let response = try await client.execute(request, timeout: .seconds(60))
            #expect(response.status.code == 200)
            var chunks = response.body.makeAsyncIterator()
            _ = try await chunks.next()
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "while streaming"), key: secret).status == 429)
            // The client leaves mid-stream: the gateway notices, ends the stream and gives the place back.
            try? await client.shutdown()
            try await eventually { harness.fake.observations.cancelledStreams == 1 }
            try await eventually { try await harness.post(json: GatewayHarness.chat("cheap", "after"), key: secret).status == 200 }
        }
    }

    @Test func theLimitIsSetThroughTheAdminAPIAndChecked() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = AdminAPITests.token }) { harness async throws in
            let admin = AdminAPITests()
            let created = try await admin.call(harness, .POST, "/admin/orgs/acme/keys", json: ["name": "bounded", "max_concurrent": 3])
            #expect(created.status == 201)
            #expect(created.json?["max_concurrent"] == 3)
            #expect(try await admin.call(harness, .POST, "/admin/orgs/acme/keys", json: ["max_concurrent": 0]).json?["error"]?["param"]
                    == "max_concurrent")
            #expect(try await admin.call(harness, .GET, "/admin/orgs/acme/keys").json?.arrayValue?.contains { $0["max_concurrent"] == 3 } == true)
        }
    }
}
