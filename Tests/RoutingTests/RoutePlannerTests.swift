import Pricing
@testable import Routing
import Testing
import TollgateCore
import TollgateTesting

@Suite struct RoutePlannerTests {
    let cheap = RoutingFixtures.model("cheap", region: "cn", capabilities: [.tools, .json], contextWindow: 1000)
    let mid = RoutingFixtures.model("mid", region: "eu", capabilities: [.tools], contextWindow: 4000)
    let premium = RoutingFixtures.model("premium", region: "us", capabilities: [.tools, .vision, .json], contextWindow: 100_000)
    let quotes = ["cheap": RoutingFixtures.quote(1, 2), "mid": RoutingFixtures.quote(3, 6), "premium": RoutingFixtures.quote(10, 30)]
    let breakers = CircuitBreaker.Configuration(window: .seconds(10), minimumRequests: 2, failureRatio: 0.5, cooldown: .seconds(30))

    func planner(_ policy: RouteDefinition.Policy = .cost, candidates: [String]? = nil, weights: [String: Int] = [:],
                 maxPrice: Money? = nil, health: RouteHealth? = nil, fallbacks: [String] = []) -> RoutePlanner {
        var cheap = cheap
        cheap.fallbacks = fallbacks
        return RoutePlanner(models: [cheap, mid, premium],
                            routes: [RouteDefinition(name: "auto", policy: policy, candidates: candidates ?? ["premium", "mid", "cheap"],
                                                     weights: weights, maxPrice: maxPrice)],
                            health: health ?? RouteHealth(clock: ManualTimeSource(), breakers: breakers))
    }

    func plan(_ planner: RoutePlanner, _ name: String = "auto", _ requirements: RouteRequirements = .init(currency: .usd),
              seed: UInt64 = 1) throws(RoutingError) -> RoutePlan {
        var random = SeededGenerator(seed: seed)
        return try planner.plan(name, for: requirements, quote: { quotes[$0.name] }, using: &random)
    }

    @Test func costPolicyTriesTheCheapestFirstAndTheRestAsFallbacksByPrice() throws {
        let plan = try plan(planner(.cost))
        #expect(plan.candidates.map(\.name) == ["cheap", "mid", "premium"])
        #expect(plan.reason == "auto: cost")
    }

    @Test func orderedPolicyKeepsTheListedOrder() throws {
        #expect(try plan(planner(.ordered)).candidates.map(\.name) == ["premium", "mid", "cheap"])
    }

    @Test func latencyPolicyPutsUnmeasuredFirstThenTheFastestMovingAverage() throws {
        let health = RouteHealth(clock: ManualTimeSource(), breakers: breakers)
        health.record(premium, failed: false, latency: .milliseconds(900), timeToFirstToken: .milliseconds(50))
        health.record(mid, failed: false, latency: .milliseconds(300), timeToFirstToken: .milliseconds(200))
        let planner = planner(.latency, health: health)
        #expect(try plan(planner).candidates.map(\.name) == ["cheap", "mid", "premium"])
        health.record(cheap, failed: false, latency: .milliseconds(500), timeToFirstToken: .milliseconds(100))
        #expect(try plan(planner).candidates.map(\.name) == ["mid", "cheap", "premium"])
        let streamed = RouteRequirements(streamed: true, currency: .usd)
        #expect(try plan(planner, "auto", streamed).candidates.map(\.name) == ["premium", "cheap", "mid"],
                "a stream is ordered by time to first token")
    }

    @Test func weightedPolicyDrawsTheFirstCandidateInProportionToItsWeight() throws {
        let planner = planner(.weighted, weights: ["premium": 1, "mid": 3, "cheap": 0])
        var firsts: [String: Int] = [:]
        for seed in 0..<4000 {
            let plan = try plan(planner, seed: UInt64(seed))
            firsts[plan.candidates[0].name, default: 0] += 1
            #expect(plan.candidates.last?.name == "cheap", "weight 0 is only ever the last fallback")
            #expect(plan.candidates.count == 3)
        }
        let midShare = Double(firsts["mid"] ?? 0) / 4000
        #expect(abs(midShare - 0.75) < 0.03, "mid drawn first \(midShare) of the time, expected 0.75")
        #expect(firsts["cheap"] == nil)
    }

    @Test func candidatesLackingACapabilityTheRequestNeedsAreSkippedWithTheReason() throws {
        let plan = try plan(planner(.cost), "auto", RouteRequirements(capabilities: [.vision], currency: .usd))
        #expect(plan.candidates.map(\.name) == ["premium"])
        #expect(plan.reason == "auto: cost; skipped mid (lacks vision), cheap (lacks vision)")
    }

    @Test func aModelThatListsNoCapabilitiesIsNotChecked() throws {
        let unknown = RoutingFixtures.model("unknown")
        let planner = RoutePlanner(models: [unknown], routes: [], health: RouteHealth(clock: ManualTimeSource()))
        var random = SeededGenerator(seed: 1)
        let plan = try planner.plan("unknown", for: RouteRequirements(capabilities: [.tools, .vision], currency: .usd),
                                    quote: { _ in RoutingFixtures.quote(1, 1) }, using: &random)
        #expect(plan.candidates.map(\.name) == ["unknown"])
    }

    @Test func candidatesWhoseContextWindowCannotHoldThePromptAndMaxTokensAreSkipped() throws {
        let requirements = RouteRequirements(promptTokens: ["cheap": 800, "mid": 820, "premium": 790], maxOutputTokens: 500,
                                             currency: .usd)
        let plan = try plan(planner(.cost), "auto", requirements)
        #expect(plan.candidates.map(\.name) == ["mid", "premium"])
        #expect(plan.skipped == [SkippedCandidate(model: "cheap", reason: .contextWindow(needed: 1300, window: 1000))])
    }

    @Test func candidatesOutsideTheAllowedRegionsAreSkippedAndADirectRequestIsRefused() throws {
        let usOnly = RouteRequirements(allowedRegions: ["us"], currency: .usd)
        let plan = try plan(planner(.cost), "auto", usOnly)
        #expect(plan.candidates.map(\.name) == ["premium"])
        #expect(plan.skipped.map(\.description) == ["mid (region eu)", "cheap (region cn)"])
        #expect(throws: RoutingError.self) { try self.plan(planner(), "cheap", usOnly) }
        do {
            _ = try self.plan(planner(), "cheap", usOnly)
        } catch {
            #expect(error.code == .regionNotAllowed)
        }
    }

    @Test func aProviderWithNoRegionIsOutsideEveryRestriction() throws {
        let nowhere = RoutingFixtures.model("nowhere", region: nil)
        let planner = RoutePlanner(models: [nowhere], routes: [], health: RouteHealth(clock: ManualTimeSource()))
        var random = SeededGenerator(seed: 1)
        #expect(throws: RoutingError.self) {
            try planner.plan("nowhere", for: RouteRequirements(allowedRegions: ["us", "eu"], currency: .usd),
                             quote: { _ in RoutingFixtures.quote(1, 1) }, using: &random)
        }
    }

    @Test func regionListsOfKeyAndOrganizationIntersect() {
        #expect(RouteRequirements.regions(nil, nil) == nil)
        #expect(RouteRequirements.regions(["us", "eu"], nil) == ["us", "eu"])
        #expect(RouteRequirements.regions(nil, ["cn"]) == ["cn"])
        #expect(RouteRequirements.regions(["us", "eu"], ["eu", "cn"]) == ["eu"])
    }

    @Test func candidatesDearerThanTheRoutesMaxPriceAreSkipped() throws {
        let cap = Money(nanos: 6 * Money.nanosPerUnit, currency: .usd)
        let plan = try plan(planner(.cost, maxPrice: cap))
        #expect(plan.candidates.map(\.name) == ["cheap", "mid"])
        #expect(plan.skipped.map(\.description) == ["premium (over max_price)"])
    }

    @Test func candidatesTheKeyMayNotUseAreSkippedUnlessTheKeyMayUseTheRoute() throws {
        let onlyMid = RouteRequirements(allows: { $0 == "mid" }, currency: .usd)
        #expect(try plan(planner(.cost), "auto", onlyMid).candidates.map(\.name) == ["mid"])
        let theRoute = RouteRequirements(allows: { $0 == "auto" }, currency: .usd)
        #expect(try plan(planner(.cost), "auto", theRoute).candidates.count == 3)
        let nothing = RouteRequirements(allows: { _ in false }, currency: .usd)
        do {
            _ = try plan(planner(.cost), "auto", nothing)
            Issue.record("a key allowed nothing was planned a route")
        } catch {
            #expect(error.code == .modelNotAllowed)
        }
    }

    @Test func candidatesPricedInAnotherCurrencyAreSkipped() throws {
        do {
            _ = try plan(planner(.cost), "auto", RouteRequirements(currency: .cny))
            Issue.record("a CNY payer was planned USD-priced models")
        } catch {
            #expect(error.code == .currencyMismatch)
            #expect(error.message.contains("premium (other currency)"))
        }
    }

    @Test func anUnknownNameIsNotFound() {
        do {
            _ = try plan(planner(), "nonexistent")
            Issue.record("planned an unknown model")
        } catch {
            #expect(error.code == .modelNotFound)
        }
    }

    @Test func aDirectRequestTriesTheModelThenItsFallbacks() throws {
        let plan = try plan(planner(fallbacks: ["premium", "mid"]), "cheap")
        #expect(plan.candidates.map(\.name) == ["cheap", "premium", "mid"])
        #expect(plan.reason == "direct")
    }

    @Test func aDirectRequestTooLongForTheModelGoesToAFallbackThatHoldsIt() throws {
        let requirements = RouteRequirements(promptTokens: ["cheap": 2000, "premium": 2000], currency: .usd)
        let plan = try plan(planner(fallbacks: ["premium"]), "cheap", requirements)
        #expect(plan.candidates.map(\.name) == ["premium"])
        do {
            _ = try self.plan(planner(), "cheap", requirements)
            Issue.record("a prompt over the window was planned")
        } catch {
            #expect(error.code == .contextExceeded)
        }
    }

    @Test func openBreakersMoveCandidatesOutOfThePlan() throws {
        let clock = ManualTimeSource()
        let health = RouteHealth(clock: clock, breakers: breakers)
        for _ in 0..<2 { health.record(cheap, failed: true) }
        let plan = try plan(planner(.cost, health: health))
        #expect(plan.candidates.map(\.name) == ["mid", "premium"])
        #expect(plan.reason == "auto: cost; skipped cheap (circuit open)")
    }

    @Test func whenEveryBreakerIsOpenTheOneOpenedLongestAgoIsTried() throws {
        let clock = ManualTimeSource()
        let health = RouteHealth(clock: clock, breakers: breakers)
        for model in [premium, cheap, mid] {
            for _ in 0..<2 { health.record(model, failed: true) }
            clock.advance(by: .seconds(5))
        }
        let plan = try plan(planner(.cost, health: health))
        #expect(plan.candidates.map(\.name) == ["premium"])
        #expect(plan.lastResort)
    }
}
