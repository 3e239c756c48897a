import Prometheus
import Routing
import Synchronization
import TollgateCore

/// Prometheus metrics of the gateway, fed by the request outcome (one of its sinks) and read at
/// `GET /metrics`.
///
/// Labels are bounded: configured model and provider names, organization ids, configured route
/// names (`direct` otherwise) and status codes — never a key, a secret, a user or a session.
public final class GatewayMetrics: Sendable {
    /// Where the metrics live; the command line also hands it to swift-metrics, so libraries'
    /// metrics are exported with Tollgate's.
    public let registry = PrometheusCollectorRegistry()
    private let escrowReported = Mutex((carved: 0, missed: 0))
    private let routes: Set<String>

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]

    init(routes: [RouteDefinition]) {
        self.routes = Set(routes.map(\.name))
    }

    private static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tollgate", metricName: name, unitName: unit, helpText: help)
    }

    private static var requests: MetricNameDescriptor { descriptor("requests", "total", "Proxied requests by model, provider, organization, route and status.") }
    private static var tokens: MetricNameDescriptor { descriptor("tokens", "total",
                                           "Billed tokens by kind (input is uncached input; output excludes reasoning).") }
    private static var cost: MetricNameDescriptor { descriptor("cost_nano", "total", "What requests were charged, in nano-units of the currency.") }
    private static var duration: MetricNameDescriptor { descriptor("request_duration", "seconds", "Time from the request to the end of its answer.") }
    private static var firstToken: MetricNameDescriptor { descriptor("time_to_first_token", "seconds", "Time from the request to the first generated token.") }
    private static var upstreamErrors: MetricNameDescriptor { descriptor("upstream_errors", "total", "Failed upstream calls, retried or not, by status.") }
    private static var breaker: MetricNameDescriptor { descriptor("circuit_breaker", "state", "Circuit breakers: 0 closed, 1 half-open, 2 open.") }
    private static var cache: MetricNameDescriptor { descriptor("cache_requests", "total", "Proxied requests by what the response cache did.") }
    private static var openReservations: MetricNameDescriptor {
        descriptor("open", "reservations", "Reservations held on the ledger now: made, not yet settled or released, not expired.")
    }
    private static var escrowRequests: MetricNameDescriptor {
        descriptor("escrow_requests", "total", "Reservations by how they were made: carved from this replica's escrow slices, or alone on the ledger.")
    }
    private static var budgetRemaining: MetricNameDescriptor {
        descriptor("budget_remaining", "nano", "What is left of each budget this period, in nano-units of its currency.")
    }

    /// Counts one finished request.
    func record(_ record: RequestRecord) {
        let model = record.modelUsed ?? "none"
        let provider = record.provider ?? "none"
        let organization = record.organizationID ?? "none"
        let route = record.modelRequested.flatMap { routes.contains($0) ? $0 : nil } ?? "direct"
        registry.makeCounter(descriptor: Self.requests, labels: [("model", model), ("provider", provider), ("org", organization),
                                                                  ("route", route), ("status", String(record.status))]).increment()
        let usage = record.usage
        for (kind, count) in [("input", usage.input), ("cached_input", usage.cachedInput), ("cache_write", usage.cacheWrite),
                              ("output", usage.output), ("reasoning", usage.reasoning)] where count > 0 {
            registry.makeCounter(descriptor: Self.tokens, labels: [("kind", kind), ("model", model), ("provider", provider),
                                                                    ("org", organization)]).increment(by: Int64(count))
        }
        if let cost = record.cost, cost.nanos != 0 {
            registry.makeCounter(descriptor: Self.cost, labels: [("currency", cost.currency.code), ("model", model), ("provider", provider),
                                                                  ("org", organization)]).increment(by: cost.nanos)
        }
        if record.modelUsed != nil {
            registry.makeDurationHistogram(descriptor: Self.duration, labels: [("model", model), ("provider", provider)],
                                           buckets: Self.durationBuckets).record(.milliseconds(record.latencyMilliseconds))
            if let ttft = record.timeToFirstTokenMilliseconds {
                registry.makeDurationHistogram(descriptor: Self.firstToken, labels: [("model", model), ("provider", provider)],
                                               buckets: Self.durationBuckets).record(.milliseconds(ttft))
            }
        }
        if let outcome = record.cache {
            registry.makeCounter(descriptor: Self.cache, labels: [("result", outcome), ("org", organization)]).increment()
        }
        for attempt in record.attempts where attempt.status.map({ !(200..<300).contains($0) }) ?? true {
            registry.makeCounter(descriptor: Self.upstreamErrors, labels: [("model", attempt.model), ("provider", attempt.provider),
                                                                            ("status", attempt.status.map(String.init) ?? "none")]).increment()
        }
    }

    /// The text exposition, with the breakers' states, the reservations held and the budgets'
    /// remainders as they are now.
    func exposition(models: [ModelDefinition], health: RouteHealth, openReservations: Int?,
                    budgets: [(budget: Budget, remaining: Int64)], escrow: (@Sendable () -> (carved: Int, missed: Int))? = nil) -> [UInt8] {
        if let openReservations {
            registry.makeGauge(descriptor: Self.openReservations).set(Double(openReservations))
        }
        if let escrow {
            // The escrow counts since start; the counters move by what changed since the last scrape.
            // Read under the lock: two scrapes at once must not move a counter backwards.
            let (carved, alone) = escrowReported.withLock { reported in
                let counts = escrow()
                defer { reported = counts }
                return (max(0, counts.carved - reported.carved), max(0, counts.missed - reported.missed))
            }
            registry.makeCounter(descriptor: Self.escrowRequests, labels: [("path", "carved")]).increment(by: Int64(carved))
            registry.makeCounter(descriptor: Self.escrowRequests, labels: [("path", "alone")]).increment(by: Int64(alone))
        }
        for (budget, remaining) in budgets {
            registry.makeGauge(descriptor: Self.budgetRemaining, labels: [
                ("org", budget.organizationID), ("scope", budget.scope.rawValue), ("period", budget.period.rawValue), ("budget", budget.id),
                ("currency", budget.amount.currency.code),
            ]).set(Double(remaining))
        }
        for (key, label) in models.map({ ("model:" + $0.name, ("model", $0.name)) })
            + Set(models.map(\.provider.name)).sorted().map({ ("provider:" + $0, ("provider", $0)) }) {
            let value: Double = switch health.breakerState(key) {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
            registry.makeGauge(descriptor: Self.breaker, labels: [("target", label.0), ("name", label.1)]).set(value)
        }
        return registry.emitToBuffer()
    }
}
