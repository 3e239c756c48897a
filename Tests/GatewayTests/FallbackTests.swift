import Foundation
import Gateway
import Ledger
import Pricing
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

/// Retries, fallbacks and circuit breakers, through real sockets: the harness's fake serves
/// `primary` (and the harness's own models); a second fake serves `backup`.
@Suite struct FallbackTests {
    static let backupPrice = TestPrice(input: 100, cachedInput: 10, output: 200)

    /// A gateway whose route `failover` tries `primary` (the harness's fake) then `backup` (a fake
    /// of its own), with `retries` per candidate and the test's clock.
    static func withFailover<R: Sendable>(
        retries: Int = 1, policy: RouteDefinition.Policy = .ordered, clock: ManualTimeSource = ManualTimeSource(),
        primaryURL: String? = nil,
        adjust: @escaping @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (GatewayHarness, FakeProvider) async throws -> R
    ) async throws -> R {
        try await FakeProvider.withRunning(style: .openai, apiKey: "sk-backup") { backupFake in
            try await GatewayHarness.with(clock: clock, adjust: { configuration in
                let main = configuration.providers[0]
                let primaryProvider = Provider(name: "primary-provider", kind: .openai, baseURL: primaryURL ?? main.baseURL,
                                               apiKey: "sk-upstream", region: "us")
                let backupProvider = Provider(name: "backup-provider", kind: .openai, baseURL: backupFake.baseURL, apiKey: "sk-backup",
                                              region: "eu")
                let primary = ModelDefinition(name: "primary", provider: primaryProvider, tokenizer: "o200k_base",
                                              contextWindow: 100_000, capabilities: [.tools, .json], fallbacks: ["backup"])
                let backup = ModelDefinition(name: "backup", provider: backupProvider, tokenizer: "o200k_base", contextWindow: 100_000,
                                             capabilities: [.json])
                configuration.providers += [primaryProvider, backupProvider]
                configuration.models += [primary, backup]
                configuration.setPrice(GatewayHarness.premiumPrice.config, for: primary)
                configuration.setPrice(backupPrice.config, for: backup)
                configuration.routes.append(RouteDefinition(name: "failover", policy: policy, candidates: ["primary", "backup"]))
                configuration.routing.retry.retriesPerCandidate = retries
                configuration.routing.breakers = .init(window: .seconds(60), minimumRequests: 4, failureRatio: 0.5, cooldown: .seconds(30))
                adjust(&configuration)
            }) { harness in try await body(harness, backupFake) }
        }
    }

    @Test func aProviderThatKeepsFailingIsRetriedThenTheNextCandidateAnswersAndOnlyItIsBilled() async throws {
        let clock = ManualTimeSource()
        try await Self.withFailover(clock: clock) { harness, backup in
            harness.fake.enqueue(.fail(status: 500), .fail(status: 503))
            let reply = try await harness.post(json: GatewayHarness.chat("failover", "Which model answers?"))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "backup")
            #expect(reply.headers.first(name: "x-tollgate-provider") == "backup-provider")
            #expect(reply.headers.first(name: "x-tollgate-attempts") == "3")
            #expect(reply.headers.first(name: "x-tollgate-route") == "failover: ordered; fell back past primary (503)")
            #expect(backup.observations.requests.count == 1)
            #expect(clock.sleeps.count == 1, "one backoff before the retry on primary, none before moving on")

            let record = try #require(try await harness.records().first)
            #expect(record.modelUsed == "backup")
            #expect(record.route == "failover: ordered; fell back past primary (503)")
            #expect(record.attempts.map(\.model) == ["primary", "primary", "backup"])
            #expect(record.attempts.map(\.status) == [500, 503, 200])
            let usage = try #require(openAITokens(reply.json?["usage"]))
            #expect(record.cost == Self.backupPrice.cost(of: usage))
            #expect(record.settlement == "posted")
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos
                        == 10 * Money.nanosPerUnit - Self.backupPrice.cost(of: usage).nanos)
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aRetryAfterIsWaitedForOnTheSameCandidate() async throws {
        let clock = ManualTimeSource()
        try await Self.withFailover(clock: clock) { harness, backup in
            harness.fake.enqueue(.fail(status: 429))
            let reply = try await harness.post(json: GatewayHarness.chat("failover"))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "primary")
            #expect(reply.headers.first(name: "x-tollgate-attempts") == "2")
            #expect(clock.sleeps == [.seconds(1)], "the fake's retry-after: 1")
            #expect(backup.observations.requests.isEmpty)
        }
    }

    @Test func aRequestForAModelFallsBackToTheModelsFallbacks() async throws {
        try await Self.withFailover(retries: 0) { harness, _ in
            harness.fake.enqueue(.fail(status: 502))
            let reply = try await harness.post(json: GatewayHarness.chat("primary"))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "backup")
            #expect(reply.headers.first(name: "x-tollgate-route") == "direct; fell back past primary (502)")
        }
    }

    @Test func aFailureThatJudgesTheRequestIsNeitherRetriedNorFallenBackFrom() async throws {
        try await Self.withFailover { harness, backup in
            harness.fake.enqueue(.fail(status: 400))
            let reply = try await harness.post(json: GatewayHarness.chat("failover"))
            #expect(reply.status == 400)
            #expect(reply.headers.first(name: "x-tollgate-attempts") == "1")
            #expect(backup.observations.requests.isEmpty)
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test func anExhaustedPlanAnswersTheLastFailureAndLeavesNothingReserved() async throws {
        try await Self.withFailover(retries: 0) { harness, backup in
            harness.fake.enqueue(.fail(status: 500))
            backup.enqueue(.fail(status: 503))
            let reply = try await harness.post(json: GatewayHarness.chat("failover"))
            #expect(reply.status == 503)
            #expect(reply.json?["error"]?["code"] == "upstream_unavailable")
            #expect(reply.headers.first(name: "x-tollgate-attempts") == "2")
            let record = try #require(try await harness.records().first)
            #expect(record.attempts.map(\.status) == [500, 503])
            #expect(record.settlement == "voided")
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 10 * Money.nanosPerUnit)
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func aRefusedConnectionMovesOnToTheNextCandidateAtOnce() async throws {
        // Port 1 on loopback: nothing listens, the connection is refused.
        try await Self.withFailover(retries: 0, primaryURL: "http://127.0.0.1:1/v1", adjust: { configuration in
            configuration.upstream.connectTimeout = .seconds(30)
        }) { harness, _ in
            let started = ContinuousClock.now
            let reply = try await harness.post(json: GatewayHarness.chat("failover"))
            let elapsed = ContinuousClock.now - started
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "backup")
            #expect(reply.headers.first(name: "x-tollgate-route") == "failover: ordered; fell back past primary (unreachable)")
            // Well under the connect timeout, however loaded the machine.
            #expect(elapsed < .seconds(15), "a refused connection waited \(elapsed), as if for the 30 s connect timeout")
        }
    }

    @Test func aProviderSilentPastTheReadTimeoutBeforeItsFirstByteIsLeftForTheNext() async throws {
        try await Self.withFailover(retries: 0) { harness, _ in
            harness.fake.enqueue(.delayFirstByte(.seconds(4)))
            let reply = try await harness.post(json: GatewayHarness.chat("failover", stream: true))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "backup")
            #expect(reply.headers.first(name: "x-tollgate-route") == "failover: ordered; fell back past primary (timeout)")
            #expect(GatewayHarness.events(reply.body).last == "[DONE]")
        }
    }

    @Test(arguments: [FakeBehavior.cutStream(afterChunks: 1), .stall(afterChunks: 1)])
    func aStreamThatFailsAfterItsFirstByteIsNotRetried(_ failure: FakeBehavior) async throws {
        try await Self.withFailover { harness, backup in
            harness.fake.enqueue(failure)
            let reply = try await harness.post(json: GatewayHarness.chat("failover", stream: true))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "primary")
            #expect(reply.headers.first(name: "x-tollgate-attempts") == "1")
            let events = GatewayHarness.events(reply.body)
            #expect(!events.contains("[DONE]"))
            let last = try #require(events.last.flatMap { try? JSONValue(parsing: Array($0.utf8)) })
            #expect(["upstream_error", "timeout"].contains(last["error"]?["type"]?.stringValue ?? ""), "\(last)")
            #expect(backup.observations.requests.isEmpty)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .counted)
        }
    }

    @Test func aStreamRefusedBeforeItsFirstByteFallsBack() async throws {
        try await Self.withFailover(retries: 0) { harness, _ in
            harness.fake.enqueue(.fail(status: 503))
            let reply = try await harness.post(json: GatewayHarness.chat("failover", stream: true, includeUsage: true))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "backup")
            let usage = try #require(GatewayHarness.events(reply.body).compactMap { try? JSONValue(parsing: Array($0.utf8)) }
                .last { $0["usage"] != nil && $0["usage"] != .null }?["usage"])
            let tokens = try #require(openAITokens(usage))
            #expect(usage["cost"] == .double(Self.backupPrice.cost(of: tokens).approximateUnits))
        }
    }

    @Test func aFlakyProviderOpensItsBreakerThenAProbeClosesItAfterTheCooldown() async throws {
        let clock = ManualTimeSource()
        try await Self.withFailover(retries: 1, clock: clock) { harness, backup in
            harness.fake.setDefault(.flaky(status: 500))
            // Every call alternates failure and success: each request's retry succeeds, and after
            // two requests the provider's window holds two failures in four calls.
            for _ in 0..<2 {
                let reply = try await harness.post(json: GatewayHarness.chat("failover"))
                #expect(reply.headers.first(name: "x-tollgate-model") == "primary")
                #expect(reply.headers.first(name: "x-tollgate-attempts") == "2")
            }
            #expect(harness.gateway.health.breakerState("provider:primary-provider") != .closed)
            let skipped = try await harness.post(json: GatewayHarness.chat("failover"))
            #expect(skipped.headers.first(name: "x-tollgate-model") == "backup")
            #expect(skipped.headers.first(name: "x-tollgate-route") == "failover: ordered; skipped primary (circuit open)")
            #expect(skipped.headers.first(name: "x-tollgate-attempts") == "1")
            let callsBefore = harness.fake.observations.requests.count
            clock.advance(by: .seconds(31))
            harness.fake.setDefault(.normal)
            let probe = try await harness.post(json: GatewayHarness.chat("failover"))
            #expect(probe.headers.first(name: "x-tollgate-model") == "primary")
            #expect(harness.fake.observations.requests.count == callsBefore + 1)
            #expect(harness.gateway.health.breakerState("provider:primary-provider") == .closed)
            #expect(backup.observations.requests.count == 1)
        }
    }

    @Test func whenEveryCandidatesBreakerIsOpenTheOldestOpenedIsTriedAnyway() async throws {
        let clock = ManualTimeSource()
        try await Self.withFailover(retries: 0, clock: clock) { harness, backup in
            let registry = harness.gateway.configuration.models
            let primary = try #require(registry.first { $0.name == "primary" })
            let backupModel = try #require(registry.first { $0.name == "backup" })
            for _ in 0..<4 { harness.gateway.health.record(primary, failed: true) }
            clock.advance(by: .seconds(1))
            for _ in 0..<4 { harness.gateway.health.record(backupModel, failed: true) }
            let reply = try await harness.post(json: GatewayHarness.chat("failover"))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "primary")
            #expect(reply.headers.first(name: "x-tollgate-route")?.contains("every breaker open") == true)
            #expect(backup.observations.requests.isEmpty)
        }
    }

    @Test func aKeyLimitedToARegionIsRefusedAModelOutsideItAndARouteSkipsSuchCandidates() async throws {
        try await Self.withFailover { harness, backup in
            let (_, euKey) = try await harness.gateway.accounts.createKey(for: harness.organization, name: "eu", allowedRegions: ["eu"])
            let direct = try await harness.post(json: GatewayHarness.chat("primary"), key: euKey)
            #expect(direct.status == 403)
            #expect(direct.json?["error"]?["code"] == "region_not_allowed")
            #expect(harness.fake.observations.requests.isEmpty)
            let routed = try await harness.post(json: GatewayHarness.chat("failover"), key: euKey)
            #expect(routed.status == 200)
            #expect(routed.headers.first(name: "x-tollgate-model") == "backup")
            #expect(routed.headers.first(name: "x-tollgate-route") == "failover: ordered; skipped primary (region us)")
            #expect(harness.fake.observations.requests.isEmpty)
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test func anOrganizationsRegionsBindEveryKeyOfIt() async throws {
        try await Self.withFailover { harness, _ in
            let accounts = harness.gateway.accounts
            let organization = try await accounts.createOrganization(name: "eu-only", currency: .usd, allowedRegions: ["eu"])
            try await accounts.addCredit(Money(nanos: Money.nanosPerUnit, currency: .usd), to: organization)
            let (_, key) = try await accounts.createKey(for: organization, name: "any")
            #expect(try await harness.post(json: GatewayHarness.chat("primary"), key: key).status == 403)
            let routed = try await harness.post(json: GatewayHarness.chat("failover"), key: key)
            #expect(routed.headers.first(name: "x-tollgate-model") == "backup")
        }
    }

    @Test func aRouteSkipsCandidatesLackingACapabilityTheRequestUses() async throws {
        try await Self.withFailover(policy: .cost) { harness, _ in
            var body = GatewayHarness.chat("failover")
            body["tools"] = [["type": "function", "function": ["name": "lookup", "parameters": ["type": "object"]]]]
            let reply = try await harness.post(json: body)
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-tollgate-model") == "primary")
            #expect(reply.headers.first(name: "x-tollgate-route") == "failover: cost; skipped backup (lacks tools)")
        }
    }

    @Test func aPromptTooLongForEveryCandidateIsRefusedBeforeAnythingIsReserved() async throws {
        try await Self.withFailover(adjust: { configuration in
            for index in configuration.models.indices where ["primary", "backup"].contains(configuration.models[index].name) {
                configuration.models[index].contextWindow = 50
            }
        }) { harness, _ in
            let reply = try await harness.post(json: GatewayHarness.chat("failover", "Hello", maxTokens: 100))
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?["code"] == "context_length_exceeded")
            #expect(harness.fake.observations.requests.isEmpty)
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test func afterARunOfMixedFailuresOnlyAnsweringModelsAreChargedAndTheLedgerVerifies() async throws {
        try await Self.withFailover(retries: 1) { harness, backup in
            // Primary's script: every way a provider fails before its answer, and some answers.
            harness.fake.enqueue(.fail(status: 500), .normal, .fail(status: 429), .fail(status: 503), .malformedJSON, .normal,
                                 .fail(status: 502), .fail(status: 502), .cutStream(afterChunks: 1), .normal, .fail(status: 400))
            backup.enqueue(.fail(status: 503))
            var statuses: [Int] = []
            for index in 0..<12 {
                let reply = try await harness.post(json: GatewayHarness.chat("failover", "Mixed \(index)", stream: index % 3 == 2))
                statuses.append(reply.status)
            }
            let records = try await harness.records()
            #expect(records.count == 12)
            #expect(statuses.count == 12)
            #expect(records.contains { $0.attempts.count > 1 && $0.modelUsed == "primary" }, "a retry that succeeded")
            #expect(records.contains { $0.attempts.count > 2 && $0.modelUsed == "backup" }, "a fallback after retries")
            for record in records where record.status == 200 {
                #expect(record.modelUsed == record.attempts.last?.model)
                let price = record.modelUsed == "backup" ? Self.backupPrice : GatewayHarness.premiumPrice
                #expect(record.cost == price.cost(of: record.usage), "\(record.id) billed at another model's price")
            }
            for record in records where record.status != 200 {
                #expect(record.cost == nil || record.cost?.nanos == 0)
                #expect(record.settlement == "voided" || record.settlement == nil)
            }
            let charged = records.compactMap(\.cost?.nanos).reduce(0, +)
            #expect(try await MeteringTests.openReservations(harness) == 0)
            #expect(try await harness.gateway.accounts.balance(of: harness.organization).nanos == 10 * Money.nanosPerUnit - charged)
            let summary = try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify()
            #expect(summary.pendingOpen == 0)
        }
    }

    @Test func streamsFeedTheTimeToFirstTokenAverageAndWholeAnswersTheLatencyAverage() async throws {
        try await GatewayHarness.with { harness in
            _ = try await harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 5))
            _ = try await harness.records()
            #expect(harness.gateway.health.averages("premium").latency == nil, "a stream's duration is its generation")
            #expect(harness.gateway.health.averages("premium").timeToFirstToken != nil)
            _ = try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 5))
            _ = try await harness.records()
            #expect(harness.gateway.health.averages("cheap").latency != nil)
        }
    }

    @Test func theGatewaysCachesRunOnItsClock() async throws {
        let clock = ManualTimeSource()
        try await GatewayHarness.with(clock: clock) { harness in
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 5)).status == 200)
            // Revoked through another store, as the CLI does: the gateway's key cache still holds it.
            let other = AccountStore(database: harness.gateway.database)
            let key = try #require(try await other.keys(of: harness.organization).first)
            #expect(try await other.revokeKey(id: key.id))
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 5)).status == 200)
            clock.advance(by: .seconds(3))
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", maxTokens: 5)).status == 401)
        }
    }
}
