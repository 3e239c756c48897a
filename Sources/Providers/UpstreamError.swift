/// Why an upstream call failed.
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The provider answered with an error status; `body` is what it said.
        case status(Int)
        /// No connection could be made.
        case unreachable
        /// The provider took longer than the configured time to answer or to send the next bytes.
        case timeout
        /// The provider's answer was not what its wire format promises.
        case malformed
        /// The response ended before it was complete.
        case truncated
    }

    public let kind: Kind
    public let provider: String
    /// The provider's own words: its error body, or the transport's error.
    public let detail: String
    /// The provider's `retry-after`, when it sent one.
    public let retryAfter: String?

    public init(_ kind: Kind, provider: String, detail: String, retryAfter: String? = nil) {
        self.kind = kind
        self.provider = provider
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// Whether another call — to the same provider after a backoff, or to the next candidate —
    /// may succeed where this one failed: the provider was unreachable, slow, overloaded or broken
    /// (408, 425, 429, 5xx, a timeout, a malformed or cut answer). A 4xx that judges the request
    /// itself (400, 413, 422) would fail anywhere.
    public var isRetryable: Bool {
        switch kind {
        case .status(let status): status == 408 || status == 425 || status == 429 || status >= 500
        case .unreachable, .timeout, .malformed, .truncated: true
        }
    }

    /// The HTTP status the provider answered with, when it answered.
    public var status: Int? {
        if case .status(let status) = kind { return status }
        return nil
    }

    public var description: String {
        switch kind {
        case .status(let status): "\(provider) answered \(status): \(detail)"
        case .unreachable: "\(provider) is unreachable: \(detail)"
        case .timeout: "\(provider) timed out: \(detail)"
        case .malformed: "\(provider) sent a malformed response: \(detail)"
        case .truncated: "\(provider) cut the response short: \(detail)"
        }
    }
}
