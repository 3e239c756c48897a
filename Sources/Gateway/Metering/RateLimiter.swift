import Synchronization
import TollgateCore

/// Requests and tokens per minute, per key, team and agent session, over a sliding minute of
/// one-second buckets.
///
/// A request is admitted against every limit that applies to it at once, or against none. Its
/// tokens count first as the estimate known before the call (the input) and are corrected to the
/// actual total when it is settled. Replicas share their windows through the database
/// (`RateSharing`): a request is checked against this process's window plus what the others
/// last published, so a limit can be passed only by what other replicas admitted since they last
/// shared (a fraction of a second).
final class RateLimiter: Sendable {
    /// One limit on one subject.
    struct Limit: Sendable, Hashable {
        /// What is limited, such as `key:key_123`, `team:org_1/search` or `session:org_1/run-42`.
        var subject: String
        var requestsPerMinute: Int64?
        var tokensPerMinute: Int64?
    }

    /// Why a request was refused, and when to retry (0: never — the request alone is over the limit).
    struct Refusal: Error, Sendable, Hashable {
        var subject: String
        /// `requests` or `tokens`.
        var dimension: String
        var limit: Int64
        var retryAfterSeconds: Int
    }

    private struct Window {
        /// (second, requests, tokens), oldest first, only the last 60 seconds.
        var buckets: [(second: Int64, requests: Int64, tokens: Int64)] = []

        mutating func trim(now: Int64) {
            if let index = buckets.firstIndex(where: { $0.second > now - 60 }) {
                if index > 0 { buckets.removeFirst(index) }
            } else {
                buckets.removeAll()
            }
        }

        // Corrections after settlement can leave a bucket negative when the admission's bucket has
        // already left the window: totals never count below zero.
        var requests: Int64 { max(0, buckets.reduce(0) { $0 + $1.requests }) }
        var tokens: Int64 { max(0, buckets.reduce(0) { $0 + $1.tokens }) }

        /// Seconds until enough old buckets leave the window for `needed` more of a dimension.
        func wait(for needed: Int64, limit: Int64, value: KeyPath<(second: Int64, requests: Int64, tokens: Int64), Int64>,
                  now: Int64) -> Int {
            var used = buckets.reduce(0) { $0 + $1[keyPath: value] }
            for bucket in buckets {
                if used + needed <= limit { break }
                used -= bucket[keyPath: value]
                if used + needed <= limit { return Int(bucket.second + 60 - now) }
            }
            return 60
        }

        mutating func add(requests: Int64, tokens: Int64, now: Int64) {
            if let last = buckets.indices.last, buckets[last].second == now {
                buckets[last].requests += requests
                buckets[last].tokens += tokens
            } else {
                buckets.append((now, requests, tokens))
            }
        }
    }

    private let windows = Mutex<[String: Window]>([:])
    /// What the other replicas last published, by subject: their last minute's requests and tokens.
    private let others = Mutex<[String: (requests: Int64, tokens: Int64)]>([:])
    private let clock: any TimeSource

    /// - Parameter clock: what the one-second buckets are counted on.
    init(clock: any TimeSource = SystemTimeSource()) {
        self.clock = clock
    }

    /// Admits one request of `tokens` estimated tokens against every limit, or refuses it with the
    /// first limit it would pass.
    func admit(_ limits: [Limit], tokens: Int64) throws(Refusal) {
        let limits = limits.filter { $0.requestsPerMinute != nil || $0.tokensPerMinute != nil }
        if limits.isEmpty { return }
        let now = clock.now().components.seconds
        let others = self.others.withLock { others in limits.map { others[$0.subject] ?? (0, 0) } }
        let refusal = windows.withLock { windows -> Refusal? in
            if windows.count > 100_000 { windows = windows.filter { $0.value.buckets.last.map { $0.second > now - 60 } ?? false } }
            for (limit, elsewhere) in zip(limits, others) {
                var window = windows[limit.subject] ?? Window()
                window.trim(now: now)
                windows[limit.subject] = window
                if let rpm = limit.requestsPerMinute, window.requests + elsewhere.requests + 1 > rpm {
                    return Refusal(subject: limit.subject, dimension: "requests", limit: rpm,
                                   retryAfterSeconds: window.wait(for: 1 + elsewhere.requests, limit: rpm, value: \.requests, now: now))
                }
                if let tpm = limit.tokensPerMinute, tokens > tpm {
                    // Waiting would never help: say so instead of asking for a retry.
                    return Refusal(subject: limit.subject, dimension: "tokens", limit: tpm, retryAfterSeconds: 0)
                }
                if let tpm = limit.tokensPerMinute, window.tokens + elsewhere.tokens + tokens > tpm {
                    return Refusal(subject: limit.subject, dimension: "tokens", limit: tpm,
                                   retryAfterSeconds: window.wait(for: tokens + elsewhere.tokens, limit: tpm, value: \.tokens, now: now))
                }
            }
            for limit in limits { windows[limit.subject]?.add(requests: 1, tokens: tokens, now: now) }
            return nil
        }
        if let refusal { throw refusal }
    }

    /// This process's last minute per subject, for the other replicas (subjects with nothing in
    /// the window are left out).
    func usage() -> [(subject: String, requests: Int64, tokens: Int64)] {
        let now = clock.now().components.seconds
        return windows.withLock { windows in
            windows.compactMap { subject, window in
                var window = window
                window.trim(now: now)
                return window.buckets.isEmpty ? nil : (subject, window.requests, window.tokens)
            }
        }
    }

    /// Replaces what the other replicas are known to have used.
    func setOthers(_ usage: [String: (requests: Int64, tokens: Int64)]) {
        others.withLock { $0 = usage }
    }

    /// Corrects the tokens counted for an admitted request (actual less estimated).
    func adjust(_ limits: [Limit], tokens delta: Int64) {
        guard delta != 0 else { return }
        let now = clock.now().components.seconds
        windows.withLock { windows in
            for limit in limits where limit.tokensPerMinute != nil {
                windows[limit.subject, default: Window()].add(requests: 0, tokens: delta, now: now)
            }
        }
    }
}
