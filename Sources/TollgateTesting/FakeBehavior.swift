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
