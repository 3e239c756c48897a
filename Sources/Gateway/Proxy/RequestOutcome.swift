import Logging
import Pricing
import Providers
import Routing
import TollgateCore

/// What is known of a request at its end — route and reason, attempts, usage and its source,
/// charge, timings, replay status, error — in its record, with what settles it. Every way a
/// request ends makes one and hands it to `OutcomeSinks`.
struct RequestOutcome: Sendable {
    var record: RequestRecord
    /// What bills it; `nil` releases its reservation.
    var usage: BillableUsage?
    /// Its metering, once a reservation was made.
    var metered: MeteredRequest?
    /// The model that answered, when one did.
    var answered: ModelDefinition?
    /// The answer failed after it began (a cut or malformed stream, a provider's error event).
    var failedAfterAnswer = false
    /// What it is charged when no provider was paid (a cache hit): settles instead of `usage`.
    var fixedCharge: Money?
}

/// Where outcomes go: the record writer with settlement — the one place a request is settled or
/// its reservation released — the route health (breakers and latency averages), the metrics, the
/// request's trace span, and the log (one line per request at info level).
struct OutcomeSinks: Sendable {
    let records: RequestRecordWriter
    let health: RouteHealth
    let metrics: GatewayMetrics
    let tracing: RequestTracing
    var logger = Logger(label: "tollgate.requests")

    func deliver(_ outcome: RequestOutcome) {
        if let model = outcome.answered {
            let record = outcome.record
            // A stream's whole duration is its generation, not the provider's speed: streams feed
            // time to first token only.
            health.record(model, failed: outcome.failedAfterAnswer,
                          latency: record.streamed ? nil : .milliseconds(record.latencyMilliseconds),
                          timeToFirstToken: record.timeToFirstTokenMilliseconds.map { .milliseconds($0) })
        }
        let record: RequestRecord
        if let metered = outcome.metered {
            record = metered.finish(outcome.record, usage: outcome.usage, fixed: outcome.fixedCharge)
        } else {
            record = outcome.record
            records.submit(record)
        }
        metrics.record(record)
        tracing.finish(record)
        log(record)
    }

    /// One line for the request: who (organization, team, key id — never a secret), what it asked
    /// and what served it, tokens, cost, timings, the cache, the error. Headers are never logged.
    func log(_ record: RequestRecord) {
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "request": "\(record.id)", "status": "\(record.status)", "latency_ms": "\(record.latencyMilliseconds)",
            "input_tokens": "\(record.usage.totalInput)", "output_tokens": "\(record.usage.totalOutput)",
        ]
        let optional: [(String, String?)] = [
            ("org", record.organizationID), ("team", record.team), ("key", record.keyID), ("session", record.sessionID),
            ("model_requested", record.modelRequested), ("model", record.modelUsed), ("provider", record.provider),
            ("cost", record.cost.map(\.description)), ("cache", record.cache), ("ttft_ms", record.timeToFirstTokenMilliseconds.map(String.init)),
            ("attempts", record.attempts.isEmpty ? nil : String(record.attempts.count)),
            ("streamed", record.streamed ? "true" : nil), ("error", record.error),
        ]
        for (key, value) in optional { if let value { metadata[key] = "\(value)" } }
        logger.info("request", metadata: metadata)
    }
}
