import Providers
import TollgateCore

/// One answer kept in the response cache: the model's answer in Tollgate's chat form (so it can
/// be written for a client of any format, whole or as a stream), what it used, and who served it.
struct CachedAnswer: Sendable, Hashable {
    var response: ChatResponse
    /// What the call that filled the entry used: what a hit saves.
    var usage: TokenUsage
    /// The model (its configured name) and provider that answered.
    var model: String
    var provider: String
    /// When it was filled, in milliseconds since the Unix epoch.
    var createdAt: Int64
    /// When it stops being served, in milliseconds.
    var expiresAt: Int64

    /// The bytes it takes in memory, roughly: what the in-memory front's size limit counts.
    var size: Int { answerText.utf8.count + model.utf8.count + provider.utf8.count + 96 }

    /// The answer as the `answer` column holds it.
    var answerText: String {
        let parts: [JSONValue] = response.content.compactMap { part in
            switch part {
            case .text(let text): ["type": "text", "text": .string(text)]
            case .thinking(let text, let signature):
                ["type": "thinking", "text": .string(text), "signature": signature.map(JSONValue.string) ?? nil]
            case .toolCall(let call): ["type": "tool_call", "id": .string(call.id), "name": .string(call.name), "arguments": .string(call.arguments)]
            case .image, .toolResult: nil
            }
        }
        let value: JSONValue = ["id": .string(response.id), "model": .string(response.model), "content": .array(parts),
                                "finish_reason": response.finishReason.map { .string($0.rawValue) } ?? nil]
        return value.jsonText
    }

    static func response(fromAnswerText text: String) throws -> ChatResponse {
        let value = try JSONValue(parsing: Array(text.utf8))
        let content: [ContentPart] = (value["content"]?.arrayValue ?? []).compactMap { part in
            switch part["type"]?.stringValue {
            case "text": part["text"]?.stringValue.map(ContentPart.text)
            case "thinking": part["text"]?.stringValue.map { .thinking(text: $0, signature: part["signature"]?.stringValue) }
            case "tool_call":
                .toolCall(ToolCall(id: part["id"]?.stringValue ?? "", name: part["name"]?.stringValue ?? "",
                                   arguments: part["arguments"]?.stringValue ?? ""))
            default: nil
            }
        }
        return ChatResponse(id: value["id"]?.stringValue ?? "", model: value["model"]?.stringValue ?? "", content: content,
                            finishReason: value["finish_reason"]?.stringValue.flatMap(FinishReason.init(rawValue:)), usage: nil)
    }
}
