import TollgateCore

/// A provider's usage object as it arrived, and the wire shape it arrived in.
///
/// Providers only find usage in responses and events; reading it into billable counts is the
/// price book's job (Pricing's normalizers), so each family's overlaps are undone in one place.
public struct UsageReport: Hashable, Sendable {
    public enum Shape: Hashable, Sendable {
        /// OpenAI-compatible: `prompt_tokens`, `completion_tokens` and the families' extensions
        /// (DeepSeek's cache hits and misses, DashScope's cache details).
        case openai
        /// Anthropic: `input_tokens`, cache reads and writes, `output_tokens`; in a stream,
        /// `message_start` carries the start and each `message_delta` the running totals.
        case anthropic
    }

    public let shape: Shape
    public let object: JSONValue

    public init(shape: Shape, object: JSONValue) {
        self.shape = shape
        self.object = object
    }

    /// The report in `value`'s `usage` field, if there is one (not absent, not null).
    static func find(in value: JSONValue?, shape: Shape) -> UsageReport? {
        guard let object = value?["usage"], case .object = object else { return nil }
        return UsageReport(shape: shape, object: object)
    }
}
