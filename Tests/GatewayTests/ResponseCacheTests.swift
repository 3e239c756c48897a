import Foundation
@testable import Gateway
import Ledger
import Logging
import SQLKit
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

/// The exact response cache through real sockets: hit, miss and bypass, what a hit is charged and
/// saves, isolation between organizations, time to live, eviction, and streamed replays.
@Suite struct ResponseCacheTests {
    static func deterministic(_ model: String = "cheap", _ text: String = "What is a ledger?", stream: Bool = false) -> JSONValue {
        var body = GatewayHarness.chat(model, text, stream: stream, maxTokens: 40)
        body["temperature"] = 0
        return body
    }

    static let cached = [("cache-control", "max-age=600")]

    /// What the cache did for a reply (`x-tollgate-cache`).
    static func outcome(_ reply: GatewayHarness.Reply) -> String? { reply.headers.first(name: "x-tollgate-cache") }

    @Test(arguments: TestBackend.allCases)
    func aRepeatedDeterministicRequestIsAnsweredFromTheCacheWithoutAnUpstreamCall(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend) { harness async throws in
            let first = try await harness.post(json: Self.deterministic(), headers: Self.cached)
            #expect(first.status == 200)
            #expect(first.headers.first(name: "x-tollgate-cache") == "miss")
            let second = try await harness.post(json: Self.deterministic(), headers: Self.cached)
            #expect(second.status == 200)
            #expect(second.headers.first(name: "x-tollgate-cache") == "hit")
            #expect(second.headers.first(name: "x-tollgate-attempts") == "0")
            #expect(second.headers.first(name: "x-tollgate-cost") == "0.000000000 USD")
            #expect(harness.fake.observations.requests.count == 1)
            #expect(second.json?["choices"]?[0]?["message"]?["content"] == first.json?["choices"]?[0]?["message"]?["content"])
            #expect(second.json?["usage"]?["prompt_tokens"] == first.json?["usage"]?["prompt_tokens"])
            #expect(second.json?["usage"]?["cost"]?.doubleValue == 0)

            let records = try await harness.records()
            let miss = try #require(records.first { $0.cache == "miss" })
            let hit = try #require(records.first { $0.cache == "hit" })
            #expect(hit.status == 200)
            #expect(hit.usage == .zero)
            #expect(hit.cost?.nanos == 0)
            #expect(hit.savedTokens == Int64(miss.usage.total))
            #expect(hit.savedCost == miss.cost)
            #expect(hit.route?.hasSuffix("answered from the response cache") == true)
            // Charged once: the miss.
            let balance = try await harness.gateway.accounts.balance(of: harness.organization).nanos
            #expect(balance == 10 * Money.nanosPerUnit - (miss.cost?.nanos ?? 0))
            #expect(try await LedgerVerifier(store: harness.gateway.accounts.ledger).verify().pendingOpen == 0)
        }
    }

    @Test func keyOrderAndWhitespaceInTheRequestDoNotChangeItsEntry() async throws {
        try await GatewayHarness.with { harness async throws in
            let compact = #"{"model":"cheap","temperature":0,"max_tokens":40,"messages":[{"role":"user","content":"Order?"}]}"#
            let spaced = #"{ "messages" : [ { "content" : "Order?", "role" : "user" } ],  "max_tokens": 40, "temperature": 0.0, "model": "cheap" }"#
            #expect(Self.outcome(try await harness.post("/v1/chat/completions", body: Array(compact.utf8), headers: Self.cached)) == "miss")
            #expect(Self.outcome(try await harness.post("/v1/chat/completions", body: Array(spaced.utf8), headers: Self.cached)) == "hit")
            // A different prompt is a different entry.
            var other = Self.deterministic()
            other["messages"] = [["role": "user", "content": "Order!"]]
            #expect(Self.outcome(try await harness.post(json: other, headers: Self.cached)) == "miss")
        }
    }

    @Test func noStoreBypassesTheCacheAndNoCacheAsksUpstreamAndRefreshesIt() async throws {
        try await GatewayHarness.with { harness async throws in
            let bypassed = try await harness.post(json: Self.deterministic(), headers: [("cache-control", "no-store")])
            #expect(bypassed.headers.first(name: "x-tollgate-cache") == "bypass")
            let unasked = try await harness.post(json: Self.deterministic())
            #expect(unasked.headers.first(name: "x-tollgate-cache") == "bypass")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: Self.cached)) == "miss")
            let refreshed = try await harness.post(json: Self.deterministic(), headers: [("cache-control", "max-age=600, no-cache")])
            #expect(refreshed.headers.first(name: "x-tollgate-cache") == "miss")
            #expect(harness.fake.observations.requests.count == 4)
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: Self.cached)) == "hit")
            #expect(harness.fake.observations.requests.count == 4)
            let malformed = try await harness.post(json: Self.deterministic(), headers: [("cache-control", "max-age=soon")])
            #expect(malformed.status == 400)
            #expect(malformed.json?["error"]?["message"]?.stringValue?.contains("max-age") == true)
        }
    }

    @Test func onlyDeterministicRequestsAreCachedUnlessTheRouteSaysOtherwise() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            var any = RouteDefinition(name: "cached-any", policy: .ordered, candidates: ["cheap"])
            any.cacheTTL = .seconds(60)
            any.cachesNondeterministic = true
            var strict = RouteDefinition(name: "cached", policy: .ordered, candidates: ["cheap"])
            strict.cacheTTL = .seconds(60)
            configuration.routes += [any, strict]
        }) { harness async throws in
            let warm = GatewayHarness.chat("cheap", "Tell me a story", maxTokens: 40)
            #expect(Self.outcome(try await harness.post(json: warm, headers: Self.cached)) == "bypass")
            // The route asks for caching itself: no header needed.
            #expect(Self.outcome(try await harness.post(json: GatewayHarness.chat("cached", "Tell me a story", maxTokens: 40))) == "bypass")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic("cached", "Tell me a story"))) == "miss")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic("cached", "Tell me a story"))) == "hit")
            let story = GatewayHarness.chat("cached-any", "Tell me a story", maxTokens: 40)
            #expect(Self.outcome(try await harness.post(json: story)) == "miss")
            #expect(Self.outcome(try await harness.post(json: story)) == "hit")
        }
    }

    @Test func aKeyCanAskForCachingForAllItsRequests() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = "admin-secret" }) { harness async throws in
            let made = try await harness.post("/admin/orgs/acme/keys", json: ["name": "faq-bot", "cache_ttl_seconds": 120], key: "admin-secret")
            #expect(made.status == 201)
            #expect(made.json?["cache_ttl_seconds"] == 120)
            let key = try #require(made.json?["key"]?.stringValue)
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), key: key)) == "miss")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), key: key)) == "hit")
            // The request's own word comes first.
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), key: key, headers: [("cache-control", "no-store")])) == "bypass")
            // Other keys of the organization share the entry only when they ask for caching.
            #expect(Self.outcome(try await harness.post(json: Self.deterministic())) == "bypass")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: Self.cached)) == "hit")
            let refused = try await harness.post("/admin/orgs/acme/keys", json: ["cache_ttl_seconds": 0], key: "admin-secret")
            #expect(refused.status == 400)
            #expect(refused.json?["error"]?["param"] == "cache_ttl_seconds")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anotherReplicaOnTheSameDatabaseFindsTheEntry(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend) { harness async throws in
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: Self.cached)) == "miss")
            let database = harness.gateway.database
            let keys = try await database.sql.raw("SELECT cache_key, org_id FROM response_cache").all()
            #expect(keys.count == 1)
            let key = try #require(try keys.first?.decode(column: "cache_key", as: String.self))
            #expect(try keys.first?.decode(column: "org_id", as: String.self) == harness.organization.id)
            // A replica that has never seen it: an empty memory front, the same database.
            let replica = ResponseCache(database: database, settings: CacheSettings(), clock: SystemTimeSource(), logger: Logger(label: "replica"))
            let entry = try #require(try await replica.find(key, maxAge: .seconds(600)))
            #expect(entry.model == "cheap" && entry.provider == "fake")
            #expect(entry.usage.total > 0 && entry.response.finishReason == .stop)
            #expect(try await replica.find(key, maxAge: .zero) == nil)
        }
    }

    @Test func anEntryIsNeverServedToAnotherOrganization() async throws {
        try await GatewayHarness.with { harness async throws in
            let accounts = harness.gateway.accounts
            let other = try await accounts.createOrganization(name: "globex", currency: .usd)
            try await accounts.addCredit(Money(nanos: Money.nanosPerUnit, currency: .usd), to: other)
            let otherKey = try await accounts.createKey(for: other).secret
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: Self.cached)) == "miss")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), key: otherKey, headers: Self.cached)) == "miss")
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), key: otherKey, headers: Self.cached)) == "hit")
            #expect(harness.fake.observations.requests.count == 2)
        }
    }

    @Test func anEntryExpiresAfterItsTimeToLiveAndAShorterMaxAgeSkipsOlderEntries() async throws {
        let clock = ManualTimeSource(origin: Date())
        try await GatewayHarness.with(clock: clock) { harness async throws in
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: [("cache-control", "max-age=60")])) == "miss")
            clock.advance(by: .seconds(30))
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: [("cache-control", "max-age=60")])) == "hit")
            // Thirty seconds old is too old for a client that takes ten.
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: [("cache-control", "max-age=10")])) == "miss")
            clock.advance(by: .seconds(61))
            #expect(Self.outcome(try await harness.post(json: Self.deterministic(), headers: [("cache-control", "max-age=3600")])) == "miss")
            #expect(harness.fake.observations.requests.count == 3)
        }
    }

    @Test func theLeastRecentlyUsedEntryIsEvictedPastTheSizeLimit() async throws {
        let clock = ManualTimeSource(origin: Date())
        try await GatewayHarness.with(clock: clock, adjust: { configuration in
            configuration.cache.maxEntries = 2
            configuration.cache.memoryBytes = 0
        }) { harness async throws in
            func ask(_ text: String) async throws -> String? {
                clock.advance(by: .seconds(1))
                return try await harness.post(json: Self.deterministic("cheap", text), headers: Self.cached).headers.first(name: "x-tollgate-cache")
            }
            #expect(try await ask("a") == "miss")
            #expect(try await ask("b") == "miss")
            #expect(try await ask("a") == "hit")
            #expect(try await ask("c") == "miss")
            // b was the least recently used of the three.
            #expect(try await ask("a") == "hit")
            #expect(try await ask("b") == "miss")
        }
    }

    @Test func aStreamedRequestIsReplayedAsAStreamInTheOpenAIFormat() async throws {
        try await GatewayHarness.with { harness async throws in
            // Filled by a whole answer, replayed as a stream; and the other way round.
            let whole = try await harness.post(json: Self.deterministic(), headers: Self.cached)
            var streamed = Self.deterministic(stream: true)
            streamed["stream_options"] = ["include_usage": true]
            let replay = try await harness.post(json: streamed, headers: Self.cached)
            #expect(replay.headers.first(name: "x-tollgate-cache") == "hit")
            #expect(replay.headers.first(name: "content-type") == "text/event-stream")
            let events = GatewayHarness.events(replay.body)
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            let text = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(text == whole.json?["choices"]?[0]?["message"]?["content"]?.stringValue)
            #expect(chunks.last?["usage"]?["completion_tokens"] == whole.json?["usage"]?["completion_tokens"])
            #expect(chunks.last?["usage"]?["cost"]?.doubleValue == 0)
            #expect(chunks.contains { $0["choices"]?[0]?["finish_reason"] == "stop" })

            let fresh = Self.deterministic("cheap", "Another question", stream: true)
            let first = try await harness.post(json: fresh, headers: Self.cached)
            #expect(first.headers.first(name: "x-tollgate-cache") == "miss")
            let streamedText = GatewayHarness.events(first.body).dropLast().compactMap { try? JSONValue(parsing: Array($0.utf8)) }
                .compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            var plain = fresh
            plain["stream"] = nil
            let hit = try await harness.post(json: plain, headers: Self.cached)
            #expect(hit.headers.first(name: "x-tollgate-cache") == "hit")
            #expect(hit.json?["choices"]?[0]?["message"]?["content"]?.stringValue == streamedText)
            #expect(harness.fake.observations.requests.count == 2)
            let records = try await harness.records()
            #expect(records.filter { $0.cache == "hit" }.allSatisfy { $0.status == 200 && $0.savedTokens > 0 })
        }
    }

    @Test func aStreamedRequestIsReplayedAsAStreamInTheAnthropicFormat() async throws {
        try await GatewayHarness.with { harness async throws in
            var body = GatewayHarness.message("claude", "Explain escrow", stream: true, maxTokens: 60)
            body["temperature"] = 0
            let first = try await harness.post("/v1/messages", json: body, headers: Self.cached)
            #expect(first.headers.first(name: "x-tollgate-cache") == "miss")
            let replay = try await harness.post("/v1/messages", json: body, headers: Self.cached)
            #expect(replay.headers.first(name: "x-tollgate-cache") == "hit")
            func text(_ body: String) -> String {
                GatewayHarness.events(body).compactMap { try? JSONValue(parsing: Array($0.utf8)) }
                    .filter { $0["type"] == "content_block_delta" }.compactMap { $0["delta"]?["text"]?.stringValue }.joined()
            }
            #expect(!text(first.body).isEmpty)
            #expect(text(replay.body) == text(first.body))
            let types = GatewayHarness.events(replay.body).compactMap { try? JSONValue(parsing: Array($0.utf8)) }.compactMap { $0["type"]?.stringValue }
            #expect(types.first == "message_start")
            #expect(types.last == "message_stop")
            var whole = body
            whole["stream"] = nil
            let hit = try await harness.post("/v1/messages", json: whole, headers: Self.cached)
            #expect(hit.headers.first(name: "x-tollgate-cache") == "hit")
            #expect(hit.json?["type"] == "message")
            #expect(hit.json?["content"]?[0]?["text"]?.stringValue == text(first.body))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aHitIsChargedTheHitPriceOnTheLedger(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, adjust: { $0.cache.hitPriceMillionths = 250_000 }) { harness async throws in
            _ = try await harness.post(json: Self.deterministic(), headers: Self.cached)
            let hit = try await harness.post(json: Self.deterministic(), headers: Self.cached)
            #expect(hit.headers.first(name: "x-tollgate-cache") == "hit")
            let records = try await harness.records()
            let miss = try #require(records.first { $0.cache == "miss" })
            let charged = try #require(records.first { $0.cache == "hit" })
            let full = try #require(miss.cost?.nanos)
            let quarter = (full * 250_000 + 500_000) / 1_000_000
            #expect(quarter > 0)
            #expect(charged.cost?.nanos == quarter)
            #expect(charged.providerCost?.nanos == 0)
            #expect(charged.settlement == "posted")
            #expect(hit.headers.first(name: "x-tollgate-cost") == Money(nanos: quarter, currency: .usd).description)
            let accounts = harness.gateway.accounts
            #expect(try await accounts.balance(of: harness.organization).nanos == 10 * Money.nanosPerUnit - full - quarter)
            // The provider is owed for the one call it answered; the platform keeps the hit's price.
            #expect(try await accounts.ledger.account(id: LedgerChart.payable("fake", .usd))?.balance == miss.providerCost?.nanos)
            #expect(try await LedgerVerifier(store: accounts.ledger).verify().pendingOpen == 0)
        }
    }
}
