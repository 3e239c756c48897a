import Providers
import TollgateCore

/// What a fake provider does with a request, so tests can make it misbehave as real providers do.
public enum FakeBehavior: Sendable, Hashable {
    /// Answer normally.
    case normal
    /// Answer normally but report no usage, not even when a stream asks for it.
    case omitUsage
    /// Wait this long before sending the response head.
    case delayFirstByte(Duration)
    /// Send this many content chunks (none for a non-streamed answer), then go silent until the
    /// client gives up.
    case stall(afterChunks: Int)
    /// Answer with this HTTP status and the provider's error body (429 carries `retry-after`).
    case fail(status: Int)
    /// Send this many content chunks and then drop the connection mid-stream.
    case cutStream(afterChunks: Int)
    /// Send a body (or an SSE event) that is not valid JSON.
    case malformedJSON
    /// Answer normally, but send stream chunks this far apart, as a model generating tokens does.
    case paced(Duration)
    /// Fail every other call with this status (the first fails), answer the rest normally: a
    /// provider that is up and down. Only as the default behaviour.
    case flaky(status: Int)
    /// Answer normally, but write a stream one byte at a time, so that every event (and every
    /// UTF-8 sequence) is split at every byte boundary on its way to the gateway.
    case bytewise
}

/// How a fake reports usage: as OpenAI does, or as DeepSeek does.
public enum FakeUsageStyle: Sendable, Hashable {
    /// `prompt_tokens` including `prompt_tokens_details.cached_tokens`; caching applies to
    /// prompts of 1,024 tokens or more, in steps of 128.
    case openai
    /// `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` = `prompt_tokens`; caching in
    /// units of 64 tokens.
    case deepseek
}

extension FakeBehavior {
    /// Reads a behaviour from its JSON form, for the fake's control endpoint: `"normal"`,
    /// `"omit_usage"`, `"malformed_json"`, `{"fail": 429}`, `{"delay_first_byte_ms": 500}`,
    /// `{"stall_after": 3}`, `{"cut_after": 3}`, `{"paced_ms": 20}`, `{"flaky": 503}`, `"bytewise"`.
    public init?(json: JSONValue) {
        switch json.stringValue {
        case "normal": self = .normal
        case "omit_usage": self = .omitUsage
        case "malformed_json": self = .malformedJSON
        case "bytewise": self = .bytewise
        default:
            if let status = json["fail"]?.intValue {
                self = .fail(status: status)
            } else if let ms = json["delay_first_byte_ms"]?.intValue {
                self = .delayFirstByte(.milliseconds(ms))
            } else if let after = json["stall_after"]?.intValue {
                self = .stall(afterChunks: after)
            } else if let after = json["cut_after"]?.intValue {
                self = .cutStream(afterChunks: after)
            } else if let ms = json["paced_ms"]?.intValue {
                self = .paced(.milliseconds(ms))
            } else if let status = json["flaky"]?.intValue {
                self = .flaky(status: status)
            } else {
                return nil
            }
        }
    }
}

extension FakeBehavior {
    /// The prefix of a request's own behaviour: OpenAI's `user` (or Anthropic's
    /// `metadata.user_id`) set to `fake:` and a behaviour's JSON form, such as
    /// `fake:{"cut_after": 3}`. It lets concurrent requests each misbehave their own way, where the
    /// fake's shared script would hand behaviours out in arrival order.
    public static let requestPrefix = "fake:"

    /// The behaviour a request asks for itself, if it does.
    public init?(requestedBy body: JSONValue) {
        guard let tag = body["user"]?.stringValue ?? body["metadata"]?["user_id"]?.stringValue, tag.hasPrefix(Self.requestPrefix),
              let json = try? JSONValue(parsing: Array(tag.utf8.dropFirst(Self.requestPrefix.utf8.count))),
              let behavior = FakeBehavior(json: json) else { return nil }
        self = behavior
    }
}
