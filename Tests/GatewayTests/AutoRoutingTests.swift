import Foundation
import Gateway
import Ledger
import Pricing
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

/// The `auto` and `cascade` policies through real sockets: the harness's fake serves `cheap` and
/// `premium`, at the harness's prices.
@Suite struct AutoRoutingTests {
    static let hard = """
        A train leaves at 3:40 pm travelling 84 km/h; a second leaves the same station at 4:15 pm at 112 km/h. \
        First find when the second train catches up, then compute how far from the station that is, and finally \
        prove that the answer does not depend on the distance unit. Show each step.
        """
    static let routine = "Hello there"

    @Test func autoSendsARequestScoredAtOrAboveTheThresholdToThePremiumModelAndOneBelowToTheCheapOneSayingWhy() async throws {
        let classifier = AutoClassifier.shipped
        let hardScore = classifier.score(PromptFeatures(prompt: Self.hard))
        let routineScore = classifier.score(PromptFeatures(prompt: Self.routine))
        try #require(hardScore > routineScore, "the shipped classifier scores a multi-step maths problem above a greeting")
        let threshold = (hardScore + routineScore) / 2
        try await GatewayHarness.with(adjust: { configuration in
            var route = RouteDefinition(name: "smart", policy: .auto, candidates: ["premium", "cheap"])
            route.threshold = threshold
            configuration.routes.append(route)
        }) { harness in
            let hard = try await harness.post(json: GatewayHarness.chat("smart", Self.hard))
            #expect(hard.status == 200)
            #expect(hard.headers.first(name: "x-tollgate-model") == "premium")
            let route = try #require(hard.headers.first(name: "x-tollgate-route"))
            #expect(route.hasPrefix("smart: auto; score "), "\(route)")
            #expect(route.hasSuffix(": premium"), "\(route)")
            #expect(route.contains(" >= threshold "), "\(route)")

            let routine = try await harness.post(json: GatewayHarness.chat("smart", Self.routine))
            #expect(routine.status == 200)
            #expect(routine.headers.first(name: "x-tollgate-model") == "cheap")
            #expect(routine.headers.first(name: "x-tollgate-route")?.hasSuffix(": cheap") == true)

            let records = try await harness.records()
            #expect(Set(records.map { $0.modelUsed ?? "" }) == ["premium", "cheap"])
            #expect(records.allSatisfy { $0.route?.contains("threshold") == true })
        }
    }

    @Test func autoFallsBackToTheCheapModelWhenThePremiumOneFails() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            var route = RouteDefinition(name: "smart", policy: .auto, candidates: ["cheap", "premium"])
            route.threshold = 0
            configuration.routes.append(route)
        }) { harness in
            harness.fake.enqueue(.fail(status: 400))
            let reply = try await harness.post(json: GatewayHarness.chat("smart", Self.hard))
            #expect(reply.status == 400, "a 400 judges the request itself: not retried elsewhere")
            // The harness retries no candidate: the premium model fails once, then the cheap one answers.
            harness.fake.enqueue(.fail(status: 503))
            let fallback = try await harness.post(json: GatewayHarness.chat("smart", Self.hard))
            #expect(fallback.status == 200, "\(fallback.headers.first(name: "x-tollgate-route") ?? "") \(fallback.body)")
            #expect(fallback.headers.first(name: "x-tollgate-model") == "cheap")
        }
    }

    static func withCascade<R: Sendable>(_ body: @Sendable (GatewayHarness) async throws -> R) async throws -> R {
        try await GatewayHarness.with(adjust: { configuration in
            configuration.routes.append(RouteDefinition(name: "careful", policy: .cascade, candidates: ["premium", "cheap"]))
        }, body)
    }

    @Test func aCascadeAnswerCutOffByLengthEscalatesAndBothAttemptsAreBilledOnRecordsOfTheirOwn() async throws {
        try await Self.withCascade { harness in
            let before = try await harness.gateway.accounts.balance(of: harness.organization)
            let reply = try await harness.post(json: GatewayHarness.chat("careful", "Tell me a long story", maxTokens: 3))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "premium")
            let route = try #require(reply.headers.first(name: "x-tollgate-route"))
            #expect(route.hasPrefix("careful: cascade; escalated past cheap (cut off by length; billed as req_"), "\(route)")
            #expect(reply.json?["model"] == "premium")
            #expect(harness.fake.observations.requests.map { $0["model"]?.stringValue } == ["fake-cheap-v1", "premium"])

            let records = try await harness.records()
            #expect(records.count == 2)
            let cheap = try #require(records.first { $0.modelUsed == "cheap" })
            let premium = try #require(records.first { $0.modelUsed == "premium" })
            #expect(premium.id == reply.headers.first(name: "x-tollgate-request-id"))
            #expect(route.contains(cheap.id))
            #expect(cheap.status == 200)
            #expect(cheap.error == "escalated: cut off by length")
            #expect(cheap.route?.contains("cascade: cheap cut off by length, escalated") == true)
            #expect(cheap.usage.output == 3)
            #expect(cheap.cost == GatewayHarness.cheapPrice.cost(of: cheap.usage))
            #expect(premium.cost == GatewayHarness.premiumPrice.cost(of: premium.usage))
            #expect(premium.attempts.map(\.model) == ["cheap", "premium"])
            #expect([cheap.settlement, premium.settlement] == ["posted", "posted"])
            let after = try await harness.gateway.accounts.balance(of: harness.organization)
            #expect(before.nanos - after.nanos == (cheap.cost?.nanos ?? 0) + (premium.cost?.nanos ?? 0))
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aCascadeAnswerThatPassesItsCheckIsTheOnlyCall() async throws {
        try await Self.withCascade { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("careful", "Hello there"))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "cheap")
            #expect(reply.headers.first(name: "x-tollgate-route") == "careful: cascade")
            #expect(harness.fake.observations.requests.count == 1)
            #expect(try await harness.records().count == 1)
        }
    }

    @Test func aCascadeAnswerThatIsNotJSONWhereJSONWasRequiredEscalates() async throws {
        try await Self.withCascade { harness in
            var body = GatewayHarness.chat("careful", "List three colours as JSON")
            body["response_format"] = ["type": "json_object"]
            let reply = try await harness.post(json: body)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "premium")
            #expect(reply.headers.first(name: "x-tollgate-route")?.contains("cheap (invalid JSON where JSON was required") == true)
        }
    }

    @Test func aStreamedCascadeIsCheckedWholeBeforeTheClientGetsAnyOfItAndOnlyTheAnswerThatStandsIsRelayed() async throws {
        try await Self.withCascade { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("careful", "Tell me a long story", stream: true, maxTokens: 3,
                                                                         includeUsage: true))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "premium")
            let events = GatewayHarness.events(reply.body)
            #expect(events.last == "[DONE]")
            #expect(events.filter { $0 == "[DONE]" }.count == 1)
            let chunks = events.dropLast().compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            #expect(!chunks.isEmpty)
            #expect(chunks.allSatisfy { $0["model"] == "premium" }, "nothing of the cheap answer reaches the client")
            let usage = try #require(chunks.last?["usage"])
            #expect(usage["cost"] != nil)

            let records = try await harness.records()
            #expect(records.count == 2)
            let cheap = try #require(records.first { $0.modelUsed == "cheap" })
            #expect(cheap.streamed)
            #expect(cheap.usage.output == 3)
            #expect(cheap.cost == GatewayHarness.cheapPrice.cost(of: cheap.usage))
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }
}
