import Foundation
@testable import Gateway
import Logging
import Storage
import Testing
import TollgateTesting

@Suite struct RateLimitTests {
    @Test func aSlidingMinuteRefusesWithTheSecondsUntilThereIsRoom() throws {
        let clock = ManualTimeSource()
        let limiter = RateLimiter(clock: clock)
        let limit = RateLimiter.Limit(subject: "key:k", requestsPerMinute: 3, tokensPerMinute: 1_000)
        try limiter.admit([limit], tokens: 100)
        clock.advance(by: .seconds(20))
        try limiter.admit([limit], tokens: 100)
        try limiter.admit([limit], tokens: 100)
        clock.advance(by: .seconds(10))
        #expect(throws: RateLimiter.Refusal(subject: "key:k", dimension: "requests", limit: 3, retryAfterSeconds: 30)) {
            try limiter.admit([limit], tokens: 1)
        }
        clock.advance(by: .seconds(30))
        try limiter.admit([limit], tokens: 600)  // the first request has left the window
        // Settling corrects the estimate: 600 became 700 actual, and the window is full.
        limiter.adjust([limit], tokens: 100)
        clock.advance(by: .seconds(1))
        #expect(throws: RateLimiter.Refusal.self) { try limiter.admit([limit], tokens: 1) }
        // A refusal by one limit takes nothing from the others.
        let other = RateLimiter.Limit(subject: "team:t", requestsPerMinute: 10)
        #expect(throws: RateLimiter.Refusal.self) { try limiter.admit([other, limit], tokens: 1) }
        #expect(limiter.usage().first { $0.subject == "team:t" } == nil)
    }

    @Test(arguments: TestBackend.allCases)
    func replicasOnOneDatabaseShareTheirWindows(_ backend: TestBackend) async throws {
        let logger = Logger(label: "test")
        let (url, remove) = try await TestDatabase.make(backend, logger: logger)
        let database = try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger)
        do {
            let (a, b) = (RateLimiter(), RateLimiter())
            // Staleness is the last step's business: under a loaded CI machine one sync can take
            // longer than the default 3 s, and the other replica's row must not expire meanwhile.
            let shareA = RateSharing(database: database, limiter: a, replica: "a", staleAfter: .seconds(600), logger: logger)
            let shareB = RateSharing(database: database, limiter: b, replica: "b", staleAfter: .seconds(600), logger: logger)
            let limit = RateLimiter.Limit(subject: "key:shared", requestsPerMinute: 10)
            for _ in 0..<6 { try a.admit([limit], tokens: 0) }
            try await shareA.sync()
            try await shareB.sync()
            for _ in 0..<4 { try b.admit([limit], tokens: 0) }
            #expect(throws: RateLimiter.Refusal.self) { try b.admit([limit], tokens: 0) }
            try await shareB.sync()
            try await shareA.sync()
            #expect(throws: RateLimiter.Refusal.self) { try a.admit([limit], tokens: 0) }
            // A replica that stops publishing stops counting.
            let late = RateSharing(database: database, limiter: b, replica: "b", staleAfter: .zero, logger: logger)
            try await Task.sleep(for: .milliseconds(5))
            try await late.sync()
            try b.admit([limit], tokens: 0)
        } catch {
            try? await database.close()
            await remove()
            throw error
        }
        try await database.close()
        await remove()
    }
}
