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
