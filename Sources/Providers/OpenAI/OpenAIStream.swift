import TollgateCore

/// Reads OpenAI stream chunks into chat stream events.
public struct OpenAIStreamDecoder: Sendable {
    private var started = false
    /// OpenAI numbers tool calls by `index` within the choice; the first chunk of a call has its id.
    private var knownToolCalls: Set<Int> = []

    public init() {}

    /// The events one chunk (a parsed `data:` line) stands for; `[DONE]` is `.end`.
    public mutating func decode(_ chunk: JSONValue) -> [ChatStreamEvent] {
        var events: [ChatStreamEvent] = []
        if !started {
            started = true
            events.append(.start(id: chunk["id"]?.stringValue ?? "", model: chunk["model"]?.stringValue ?? ""))
        }
        if let choice = chunk["choices"]?[0] {
            let delta = choice["delta"]
            if let reasoning = delta?["reasoning_content"]?.stringValue, !reasoning.isEmpty { events.append(.thinking(reasoning)) }
            if let text = delta?["content"]?.stringValue, !text.isEmpty { events.append(.text(text)) }
            for call in delta?["tool_calls"]?.arrayValue ?? [] {
                let index = call["index"]?.intValue ?? 0
                if !knownToolCalls.contains(index) {
                    knownToolCalls.insert(index)
                    events.append(.toolCallStart(index: index, id: call["id"]?.stringValue ?? "call_\(index)",
                                                 name: call["function"]?["name"]?.stringValue ?? ""))
                }
                if let fragment = call["function"]?["arguments"]?.stringValue, !fragment.isEmpty {
                    events.append(.toolCallArguments(index: index, fragment: fragment))
                }
            }
            if let reason = OpenAIChatFormat.finishReason(choice["finish_reason"]?.stringValue) { events.append(.finish(reason)) }
        }
        if let usage = UsageReport.find(in: chunk, shape: .openai) { events.append(.usage(usage)) }
        return events
    }
}

/// Writes chat stream events as OpenAI stream chunks.
public struct OpenAIStreamEncoder: Sendable {
    private let includeUsage: Bool
    private let created: Int64
    private var id = ""
    private var model = ""
    private var finished = false

    /// - Parameter includeUsage: whether the client asked for the final usage chunk.
    public init(includeUsage: Bool, created: Int64) {
        self.includeUsage = includeUsage
        self.created = created
    }

    /// The `data:` payloads for an event, in order; `[DONE]` at the end.
    /// - Parameters:
    ///   - usage: the answer's usage as the price book read it, for the final usage chunk.
    ///   - extraUsage: fields to add to the usage object (Tollgate's `cost`).
    public mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?,
                                extraUsage: (TokenUsage) -> [String: JSONValue] = { _ in [:] }) -> [String] {
        switch event {
        case .start(let id, let model):
            self.id = id.hasPrefix("chatcmpl") ? id : "chatcmpl-\(id)"
            self.model = model
            return [chunk(delta: ["role": "assistant", "content": ""])]
        case .text(let text):
            return [chunk(delta: ["content": .string(text)])]
        case .thinking(let text):
            return [chunk(delta: ["reasoning_content": .string(text)])]
        case .toolCallStart(let index, let id, let name):
            return [chunk(delta: ["tool_calls": [["index": .int(Int64(index)), "id": .string(id), "type": "function",
                                                  "function": ["name": .string(name), "arguments": ""]]]])]
        case .toolCallArguments(let index, let fragment):
            return [chunk(delta: ["tool_calls": [["index": .int(Int64(index)), "function": ["arguments": .string(fragment)]]]])]
        case .finish(let reason):
            finished = true
            return [chunk(delta: [:], finishReason: OpenAIChatFormat.finishReasonText(reason))]
        case .usage:
            return []
        case .end:
            var out: [String] = []
            if !finished { out.append(chunk(delta: [:], finishReason: "stop")) }
            if includeUsage, let usage {
                var object = OpenAIChatFormat.usageObject(usage)
                for (key, value) in extraUsage(usage) { object[key] = value }
                let final: JSONValue = ["id": .string(id), "object": "chat.completion.chunk", "created": .int(created),
                                        "model": .string(model), "choices": [], "usage": object]
                out.append(final.jsonText)
            }
            out.append("[DONE]")
            return out
        }
    }

    private func chunk(delta: JSONValue, finishReason: String? = nil) -> String {
        let body: JSONValue = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
            "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason.map { .string($0) } ?? nil]],
        ]
        return body.jsonText
    }
}
