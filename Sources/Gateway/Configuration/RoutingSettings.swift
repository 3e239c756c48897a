import Routing

/// How upstream calls are retried and when providers are skipped: `routing:` in `tollgate.yaml`.
///
/// ```yaml
/// routing:
///   retries: 1                  # further calls to a failing candidate before the next (default 1)
///   max_attempts: 4             # upstream calls per request, all candidates together (default 4)
///   backoff_ms: 100             # first backoff, doubling, with jitter (default 100)
///   max_backoff_ms: 2000        # (default 2000)
///   max_retry_after_seconds: 5  # a longer retry-after moves on to the next candidate (default 5)
///   breaker:
///     window_seconds: 30        # failures counted over this window (default 30)
///     minimum_requests: 10      # fewer calls never open it (default 10)
///     failure_ratio: 0.5        # share of failed calls that opens it (default 0.5)
///     cooldown_seconds: 15      # open this long before a probe (default 15)
///   affinity_seconds: 300       # a session (or a long shared prefix) stays on the model that last
///                               # answered it while idle less than this, so prompt caches hit; 0: off
/// ```
public struct RoutingSettings: Sendable, Hashable {
    public var retry = RetryPolicy()
    public var breakers = CircuitBreaker.Configuration()
    /// How long a session or prefix stays on the model that last answered it; zero turns affinity off.
    public var affinity: Duration = .seconds(300)

    public init(retry: RetryPolicy = RetryPolicy(), breakers: CircuitBreaker.Configuration = .init()) {
        self.retry = retry
        self.breakers = breakers
    }
}
