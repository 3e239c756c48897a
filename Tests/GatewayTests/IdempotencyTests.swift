import Foundation
@testable import Gateway
import Providers
import Testing
import TollgateCore
import TollgateTesting

/// `idempotency-key`: a client's retry gets the first answer, and is neither sent nor charged again.
@Suite struct IdempotencyTests {
    @Test func aRetryWithTheSameKeyGetsTheFirstAnswerAndIsNotChargedAgain() async throws {
        try await GatewayHarness.with(credit: 1_000_000_000) { harness in
            let key = [("idempotency-key", "order-7781")]
            let body = GatewayHarness.chat("cheap", "Charge me once", maxTokens: 20)
            let first = try await harness.post(json: body, headers: key)
            let again = try await harness.post(json: body, headers: key)
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(again.body == first.body)
            #expect(again.headers.first(name: "x-tollgate-idempotent-replay") == "true")
            #expect(again.headers.first(name: "x-tollgate-request-id") == first.headers.first(name: "x-tollgate-request-id"))
            #expect(again.headers.first(name: "x-tollgate-cost") == first.headers.first(name: "x-tollgate-cost"))
            #expect(harness.fake.observations.requests.count == 1)
            let records = try await harness.records()
            #expect(records.count == 1)
            let cost = try #require(records.first?.cost?.nanos)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 1_000_000_000 - cost)

            let other = try await harness.post(json: GatewayHarness.chat("cheap", "Something else"), headers: key)
            #expect(other.status == 422)
            #expect(other.json?["error"]?["code"] == "idempotency_key_reused")
            #expect(try await harness.post(json: body, headers: [("idempotency-key", "bad key")]).status == 400)
            // Another key is another request.
            #expect(try await harness.post(json: body, headers: [("idempotency-key", "order-7782")]).headers
                .first(name: "x-tollgate-idempotent-replay") == nil)
        }
    }

    @Test func aFailedRequestLeavesItsKeyFreeForTheRetry() async throws {
        try await GatewayHarness.with { harness in
            let key = [("idempotency-key", "retry-me")]
            harness.fake.enqueue(.fail(status: 500))
            #expect(try await harness.post(json: GatewayHarness.chat(), headers: key).status == 502)
            let retried = try await harness.post(json: GatewayHarness.chat(), headers: key)
            #expect(retried.status == 200)
            #expect(retried.headers.first(name: "x-tollgate-idempotent-replay") == nil)
            #expect(harness.fake.observations.requests.count == 2)
        }
    }

    @Test func aStreamIsReplayedWholeAndAConcurrentDuplicateIsTurnedAway() async throws {
        try await GatewayHarness.with { harness in
            let key = [("idempotency-key", "stream-1")]
            let body = GatewayHarness.chat("premium", "Stream it once", stream: true, includeUsage: true)
            let first = try await harness.post(json: body, headers: key)
            let again = try await harness.post(json: body, headers: key)
            #expect(first.status == 200)
            #expect(again.body == first.body)
            #expect(again.headers.first(name: "content-type") == "text/event-stream")
            #expect(GatewayHarness.events(again.body).last == "[DONE]")
            #expect(harness.fake.observations.requests.count == 1)

            harness.fake.enqueue(.delayFirstByte(.milliseconds(400)))
            let slow = [("idempotency-key", "slow-1")]
            async let one = harness.post(json: GatewayHarness.chat(), headers: slow)
            // The first has claimed its key once the provider has it (a fixed pause lost the race
            // on a loaded machine).
            try await eventually { harness.fake.observations.requests.count == 2 }
            let two = try await harness.post(json: GatewayHarness.chat(), headers: slow)
            #expect(two.status == 409)
            #expect(two.json?["error"]?["code"] == "idempotency_in_progress")
            #expect(two.headers.first(name: "retry-after") == "1")
            #expect(try await one.status == 200)
        }
    }
}
