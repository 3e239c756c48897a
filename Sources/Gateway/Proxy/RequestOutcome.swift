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
/// its reservation released — and the route health (breakers and latency averages).
struct OutcomeSinks: Sendable {
    let records: RequestRecordWriter
    let health: RouteHealth
    let metrics: GatewayMetrics

    func deliver(_ outcome: RequestOutcome) {
        if let model = outcome.answered {
            let record = outcome.record
            // A stream's whole duration is its generation, not the provider's speed: streams feed
            // time to first token only.
            health.record(model, failed: outcome.failedAfterAnswer,
                          latency: record.streamed ? nil : .milliseconds(record.latencyMilliseconds),
                          timeToFirstToken: record.timeToFirstTokenMilliseconds.map { .milliseconds($0) })
        }
        if let metered = outcome.metered {
            metrics.record(metered.finish(outcome.record, usage: outcome.usage, fixed: outcome.fixedCharge))
        } else {
            records.submit(outcome.record)
            metrics.record(outcome.record)
        }
    }
}
