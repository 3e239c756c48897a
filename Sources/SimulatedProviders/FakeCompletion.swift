import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The answer a fake provider makes up for one chat request: deterministic text whose length
/// follows `max_tokens`, and usage counted the way the fake's provider counts it.
struct FakeCompletion: Sendable {
    let id: String
    let model: String
    let created: Int64
    let words: [String]
    let finishReason: String
    let promptTokens: Int
    let cachedTokens: Int
    let style: FakeUsageStyle
    /// The tool call the answer makes instead of text, if any.
    let toolCall: (id: String, name: String, arguments: String)?

    static let vocabulary = [
        "the", "gateway", "meters", "every", "token", "and", "settles", "each", "request", "on",
        "a", "ledger", "so", "that", "budgets", "hold", "while", "agents", "work", "through",
        "long", "tasks", "with", "cheap", "models", "for", "routine", "steps", "premium", "ones",
        "hard", "reasoning", "caching", "saves", "money", "when", "prompts", "repeat",
    ]

    /// The fake's token count of a prompt: about four characters a token plus four a message,
    /// deterministic so tests can predict it. Reads OpenAI and Anthropic requests alike.
    static func promptTokens(of request: JSONValue) -> Int {
        let messages = request["messages"]?.arrayValue ?? []
        var characters = request["system"]?.stringValue?.utf8.count ?? 0
        for block in request["system"]?.arrayValue ?? [] { characters += block["text"]?.stringValue?.utf8.count ?? 0 }
        for message in messages {
            if let text = message["content"]?.stringValue {
                characters += text.utf8.count
            } else if let parts = message["content"]?.arrayValue {
                for part in parts {
                    characters += part["text"]?.stringValue?.utf8.count ?? 0
                    characters += part["content"]?.stringValue?.utf8.count ?? 0
                }
            }
        }
        return max(1, (characters + 3) / 4) + 4 * messages.count + 3
    }

    /// The tool the fake calls: the first one offered, unless tools are off or the conversation
    /// already ends with a tool's result (then it answers in text, as a model would).
    static func toolToCall(in request: JSONValue) -> (name: String, arguments: JSONValue)? {
        guard let tool = request["tools"]?[0] else { return nil }
        let choice = request["tool_choice"]
        if choice?.stringValue == "none" || choice?["type"]?.stringValue == "none" { return nil }
        let last = request["messages"]?.arrayValue?.last
        if last?["role"]?.stringValue == "tool" { return nil }
        if last?["content"]?.arrayValue?.contains(where: { $0["type"]?.stringValue == "tool_result" }) == true { return nil }
        let name = tool["function"]?["name"]?.stringValue ?? tool["name"]?.stringValue ?? "tool"
        let schema = tool["function"]?["parameters"] ?? tool["input_schema"]
        var arguments = JSONObject()
        for property in schema?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] { arguments[property] = "example" }
        return (name, .object(arguments))
    }

    /// - Parameter cachedPrefix: the prompt tokens of the longest leading run of its messages the
    ///   provider has seen before (what its prefix cache holds).
    init(request: JSONValue, style: FakeUsageStyle, cachedPrefix: Int) {
        id = "chatcmpl-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        model = request["model"]?.stringValue ?? "unknown"
        created = Int64(Date().timeIntervalSince1970)
        self.style = style
        let promptTokens = FakeCompletion.promptTokens(of: request)
        self.promptTokens = promptTokens
        // The answer has a natural length of 12–40 words, chosen by the prompt so it is
        // repeatable; `max_tokens` cuts it short (finish reason "length") as it does a model's.
        let natural = 12 + promptTokens % 29
        let limit = request["max_completion_tokens"]?.intValue ?? request["max_tokens"]?.intValue
        let length = min(natural, max(0, limit ?? natural))
        if let tool = FakeCompletion.toolToCall(in: request) {
            toolCall = ("call_" + String(UInt64.random(in: 1...UInt64.max), radix: 36), tool.name, tool.arguments.jsonText)
            words = []
            finishReason = "tool_calls"
        } else {
            toolCall = nil
            words = (0..<length).map { FakeCompletion.vocabulary[($0 * 7 + promptTokens) % FakeCompletion.vocabulary.count] }
            finishReason = length < natural ? "length" : "stop"
        }
        let unit = style == .openai ? 128 : 64
        let minimum = style == .openai ? 1024 : 64
        cachedTokens = cachedPrefix >= minimum ? (min(cachedPrefix, promptTokens) / unit) * unit : 0
    }

    var completionTokens: Int { toolCall.map { 8 + $0.arguments.utf8.count / 4 } ?? words.count }
    var text: String { words.joined(separator: " ") }

    /// The content pieces a stream sends: one word (one token) each.
    var pieces: [String] { words.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element } }

    var usage: JSONValue {
        var usage: JSONValue = [
            "prompt_tokens": .int(Int64(promptTokens)),
            "completion_tokens": .int(Int64(completionTokens)),
            "total_tokens": .int(Int64(promptTokens + completionTokens)),
            "prompt_tokens_details": ["cached_tokens": .int(Int64(cachedTokens))],
        ]
        switch style {
        case .openai:
            usage["completion_tokens_details"] = ["reasoning_tokens": 0]
        case .deepseek:
            usage["prompt_cache_hit_tokens"] = .int(Int64(cachedTokens))
            usage["prompt_cache_miss_tokens"] = .int(Int64(promptTokens - cachedTokens))
        }
        return usage
    }

    func response(includeUsage: Bool) -> JSONValue {
        var message: JSONValue = ["role": "assistant", "content": .string(text), "refusal": nil]
        if let toolCall {
            message["content"] = nil as JSONValue
            message["tool_calls"] = [["id": .string(toolCall.id), "type": "function",
                                      "function": ["name": .string(toolCall.name), "arguments": .string(toolCall.arguments)]]]
        }
        var body: JSONValue = [
            "id": .string(id), "object": "chat.completion", "created": .int(created), "model": .string(model),
            "system_fingerprint": "fp_tollgate_fake",
            "choices": [[
                "index": 0,
                "message": message,
                "logprobs": nil, "finish_reason": .string(finishReason),
            ]],
        ]
        if includeUsage { body["usage"] = usage }
        return body
    }

    func chunk(delta: JSONValue, finishReason: String? = nil, usageField: Bool) -> JSONValue {
        var chunk: JSONValue = [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created),
            "model": .string(model), "system_fingerprint": "fp_tollgate_fake",
            "choices": [["index": 0, "delta": delta, "logprobs": nil,
                         "finish_reason": finishReason.map { .string($0) } ?? nil]],
        ]
        // OpenAI sends `"usage": null` on every chunk once the client asked for usage.
        if usageField { chunk["usage"] = nil as JSONValue }
        return chunk
    }

    func usageChunk() -> JSONValue {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created),
            "model": .string(model), "system_fingerprint": "fp_tollgate_fake",
            "choices": [], "usage": usage,
        ]
    }
}
