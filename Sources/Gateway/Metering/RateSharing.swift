import Logging
import ServiceLifecycle
import SQLKit
import Storage
import TollgateCore

/// Shares rate-limit windows between replicas through the database: every `interval` this
/// replica publishes its last minute's usage per limited subject (`rate_usage`) and reads what the
/// other replicas published, which `RateLimiter` then counts with its own.
///
/// Tolerance: a limit can be passed by what the other replicas admitted since their last publish
/// and this replica's last read — at most about two intervals of their traffic (0.5 s at the
/// default 250 ms). A replica that stops publishing stops counting after `staleAfter`.
final class RateSharing: Service, Sendable {
    let database: Database
    let limiter: RateLimiter
    /// This process's name in `rate_usage`.
    let replica: String
    let interval: Duration
    let staleAfter: Duration
    /// What published usage is dated by.
    let clock: any TimeSource
    let logger: Logger

    init(database: Database, limiter: RateLimiter, replica: String = "replica_" + TimeOrderedID().description,
         interval: Duration = .milliseconds(250), staleAfter: Duration = .seconds(3), clock: any TimeSource = SystemTimeSource(),
         logger: Logger) {
        self.database = database
        self.clock = clock
        self.limiter = limiter
        self.replica = replica
        self.interval = interval
        self.staleAfter = staleAfter
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await sync()
            } catch {
                logger.warning("could not share rate-limit usage", metadata: ["error": "\(error)"])
            }
            // Ends the moment shutdown begins, not after the sleep.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Publishes this replica's usage and reads the others'.
    func sync() async throws {
        let usage = limiter.usage()
        let now = Timestamp.milliseconds(clock.date())
        let (replica, staleAfter) = (replica, staleAfter)
        if !usage.isEmpty {
            try await database.transaction { sql in
                for chunk in stride(from: 0, to: usage.count, by: 500) {
                    var insert = sql.insert(into: "rate_usage").columns("subject", "replica", "requests", "tokens", "updated_at")
                    for row in usage[chunk..<min(chunk + 500, usage.count)] {
                        insert = insert.values(SQLBind(row.subject), SQLBind(replica), SQLBind(row.requests), SQLBind(row.tokens), SQLBind(now))
                    }
                    try await insert.onConflict(with: ["subject", "replica"]) { conflict in
                        conflict.set(excludedValueOf: "requests").set(excludedValueOf: "tokens").set(excludedValueOf: "updated_at")
                    }.run()
                }
            }
        }
        let fresh = now - staleAfter.components.seconds * 1000
        let rows = try await database.sql.raw("""
            SELECT subject, CAST(SUM(requests) AS BIGINT) AS requests, CAST(SUM(tokens) AS BIGINT) AS tokens FROM rate_usage
            WHERE replica <> \(bind: replica) AND updated_at > \(bind: fresh) GROUP BY subject
            """).all()
        var others: [String: (requests: Int64, tokens: Int64)] = [:]
        for row in rows {
            others[try row.decode(column: "subject", as: String.self)] =
                (try row.decode(column: "requests", as: Int64.self), try row.decode(column: "tokens", as: Int64.self))
        }
        limiter.setOthers(others)
    }
}
