@testable import Routing
import Testing
import TollgateTesting

@Suite struct CircuitBreakerTests {
    let configuration = CircuitBreaker.Configuration(window: .seconds(10), minimumRequests: 4, failureRatio: 0.5,
                                                     cooldown: .seconds(30), halfOpenProbes: 1)

    @Test func staysClosedBelowTheMinimumNumberOfCallsHoweverManyFail() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in 0..<3 { breaker.record(failed: true, at: .seconds(second)) }
        #expect(breaker.state(at: .seconds(3)) == .closed)
    }

    @Test func opensWhenTheFailureRatioOverTheWindowIsReached() {
        var breaker = CircuitBreaker(configuration: configuration)
        breaker.record(failed: false, at: .seconds(0))
        breaker.record(failed: false, at: .seconds(1))
        breaker.record(failed: true, at: .seconds(2))
        #expect(breaker.state(at: .seconds(2)) == .closed)
        breaker.record(failed: true, at: .seconds(3))
        #expect(breaker.state(at: .seconds(3)) == .open(since: .seconds(3)))
        let granted1 = breaker.acquire(at: .seconds(4))
        #expect(!granted1)
    }

    @Test func forgetsCallsOlderThanTheWindow() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in 0..<3 { breaker.record(failed: true, at: .seconds(second)) }
        // Twenty seconds on, the three old failures are out of the window: one new failure among
        // successes does not open it.
        for second in 20..<23 { breaker.record(failed: false, at: .seconds(second)) }
        breaker.record(failed: true, at: .seconds(23))
        #expect(breaker.state(at: .seconds(23)) == .closed)
    }

    @Test func turnsHalfOpenAfterTheCooldownAndLetsOneProbeThrough() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in 0..<4 { breaker.record(failed: true, at: .seconds(second)) }
        let granted2 = breaker.acquire(at: .seconds(32))
        #expect(!granted2)
        #expect(breaker.state(at: .seconds(33)) == .halfOpen(inFlight: 0))
        let granted3 = breaker.acquire(at: .seconds(33))
        #expect(granted3)
        let granted4 = breaker.acquire(at: .seconds(33))
        #expect(!granted4, "a second probe waits for the first")
    }

    @Test func aSuccessfulProbeClosesTheBreaker() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in 0..<4 { breaker.record(failed: true, at: .seconds(second)) }
        let granted5 = breaker.acquire(at: .seconds(40))
        #expect(granted5)
        breaker.record(failed: false, at: .seconds(41))
        #expect(breaker.state(at: .seconds(41)) == .closed)
        // The window starts afresh: the failures before it opened do not count again.
        breaker.record(failed: true, at: .seconds(42))
        #expect(breaker.state(at: .seconds(42)) == .closed)
    }

    @Test func aFailedProbeReopensTheBreakerForAnotherCooldown() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in 0..<4 { breaker.record(failed: true, at: .seconds(second)) }
        let granted6 = breaker.acquire(at: .seconds(40))
        #expect(granted6)
        breaker.record(failed: true, at: .seconds(41))
        #expect(breaker.state(at: .seconds(41)) == .open(since: .seconds(41)))
        let granted7 = breaker.acquire(at: .seconds(70))
        #expect(!granted7)
        let granted8 = breaker.acquire(at: .seconds(71))
        #expect(granted8)
    }

    @Test func aProbeGivenBackLetsAnotherThrough() {
        var breaker = CircuitBreaker(configuration: configuration)
        for second in 0..<4 { breaker.record(failed: true, at: .seconds(second)) }
        let granted9 = breaker.acquire(at: .seconds(40))
        #expect(granted9)
        breaker.release()
        let granted10 = breaker.acquire(at: .seconds(40))
        #expect(granted10)
    }

    @Test func routeHealthOpensTheProviderBreakerForEveryModelOfTheProvider() {
        let clock = ManualTimeSource()
        let health = RouteHealth(clock: clock, breakers: configuration)
        let one = RoutingFixtures.model("one", provider: "shared")
        let two = RoutingFixtures.model("two", provider: "shared")
        for _ in 0..<2 { health.record(one, failed: true) }
        for _ in 0..<2 { health.record(two, failed: true) }
        #expect(health.breakerState("provider:shared") == .open(since: .zero))
        #expect(health.breakerState("model:one") == .closed, "two failures are fewer than the minimum per model")
        #expect(health.openSince(two) == .zero)
        #expect(!health.acquire(two))
        clock.advance(by: .seconds(30))
        #expect(health.openSince(two) == nil)
        #expect(health.acquire(two))
        #expect(health.openSince(one) != nil, "the provider's one probe is under way")
        health.record(two, failed: false, latency: .milliseconds(120))
        #expect(health.breakerState("provider:shared") == .closed)
        #expect(health.averages("two").latency == 120)
    }

    @Test func movingAveragesWeighTheNewestSampleBySmoothing() {
        let health = RouteHealth(clock: ManualTimeSource(), smoothing: 0.5)
        let model = RoutingFixtures.model("m")
        health.record(model, failed: false, latency: .milliseconds(100), timeToFirstToken: .milliseconds(10))
        health.record(model, failed: false, latency: .milliseconds(300), timeToFirstToken: .milliseconds(30))
        #expect(health.averages("m") == RouteHealth.Averages(latency: 200, timeToFirstToken: 20))
        health.record(model, failed: true, latency: .milliseconds(5000))
        #expect(health.averages("m").latency == 200, "a failure's time is not a latency")
    }
}
