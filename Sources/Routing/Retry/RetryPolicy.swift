#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How often and how soon a failed upstream call is tried again before the plan moves on to its
/// next candidate: exponential backoff with jitter, honouring a provider's `retry-after`, bounded
/// per request.
public struct RetryPolicy: Sendable, Hashable {
    /// Further calls to the same candidate after its first fails (0: straight to the next).
    public var retriesPerCandidate: Int
    /// The most upstream calls one request makes, over all its candidates.
    public var maxAttempts: Int
    /// The first backoff; each further one doubles, up to `maxBackoff`.
    public var baseBackoff: Duration
    public var maxBackoff: Duration
    /// The longest `retry-after` waited for; a provider asking for longer is left for the next
    /// candidate at once.
    public var maxRetryAfter: Duration

    public init(retriesPerCandidate: Int = 1, maxAttempts: Int = 4, baseBackoff: Duration = .milliseconds(100),
                maxBackoff: Duration = .seconds(2), maxRetryAfter: Duration = .seconds(5)) {
        self.retriesPerCandidate = retriesPerCandidate
        self.maxAttempts = maxAttempts
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// How long to wait before retrying a candidate whose `retry` th call (1-based) failed, or
    /// `nil` to move on to the next candidate: its retries are spent, or its `retry-after` is
    /// longer than `maxRetryAfter`.
    ///
    /// The backoff is "equal jitter": half the exponential delay, plus a random share of the other
    /// half, so retries of concurrent requests spread out but never come back at once.
    public func delay(afterFailure retry: Int, retryAfter: Duration?, using random: inout some RandomNumberGenerator) -> Duration? {
        guard retry <= retriesPerCandidate else { return nil }
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        }
        var exponential = baseBackoff
        for _ in 1..<max(1, retry) { exponential = min(exponential * 2, maxBackoff) }
        exponential = min(exponential, maxBackoff)
        let half = exponential / 2
        let jitterNanos = Int64(Double(half.components.seconds) * 1e9 + Double(half.components.attoseconds) / 1e9)
        return half + .nanoseconds(jitterNanos > 0 ? Int64.random(in: 0...jitterNanos, using: &random) : 0)
    }

    /// Reads a `retry-after` header: seconds (HTTP-dates are not waited for).
    public static func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite else {
            return nil
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}
