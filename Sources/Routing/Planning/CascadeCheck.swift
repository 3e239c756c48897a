import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `cascade` policy's check of a cheap model's answer: why it should be asked of a dearer
/// model instead, or `nil` when it stands.
///
/// An answer fails when it was cut off by its length limit, is empty, is not JSON where the
/// request asked for JSON, calls a tool the request did not offer, or refuses (a content filter,
/// or a short answer that opens as a refusal does).
public enum CascadeCheck {
    /// - Parameters:
    ///   - tools: the tools the request offered, by name; `nil` when unknown (not checked).
    ///   - jsonRequired: whether the request asked for a JSON answer (`response_format`, `text.format`).
    public static func failure(of answer: ChatResponse, tools: Set<String>?, jsonRequired: Bool) -> String? {
        let parts = answer.parts
        if answer.finishReason == .length { return "cut off by length" }
        if answer.finishReason == .contentFilter { return "refused (content filter)" }
        let text = parts.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty && parts.toolCalls.isEmpty { return "empty answer" }
        if let tools, let unknown = parts.toolCalls.first(where: { !tools.contains($0.name) }) {
            return "called the unknown tool '\(unknown.name)'"
        }
        if let invalid = parts.toolCalls.first(where: { call in
            !call.arguments.isEmpty && (try? JSONValue(parsing: call.arguments.utf8))?.objectValue == nil
        }) {
            return "gave '\(invalid.name)' arguments that are not a JSON object"
        }
        if jsonRequired, parts.toolCalls.isEmpty, (try? JSONValue(parsing: text.utf8))?.objectValue == nil {
            return "invalid JSON where JSON was required"
        }
        if parts.toolCalls.isEmpty, isRefusal(text) { return "refused" }
        return nil
    }

    /// A short answer that opens the way refusals do.
    static func isRefusal(_ text: String) -> Bool {
        guard text.count <= 400 else { return false }
        let opening = text.prefix(80).lowercased().replacingOccurrences(of: "’", with: "'")
        return refusalOpenings.contains { opening.hasPrefix($0) }
            || opening.contains("i can't help with") || opening.contains("i cannot help with") || opening.contains("i can't assist with")
            || opening.contains("i cannot assist with") || opening.contains("i'm not able to help")
    }

    static let refusalOpenings = [
        "i'm sorry, but i can", "i am sorry, but i can", "sorry, i can't", "sorry, but i can't", "i can't help", "i cannot help",
        "i can't assist", "i cannot assist", "i'm unable to", "i am unable to", "i won't be able to", "i can't do that",
        "i cannot do that", "as an ai", "i'm not able to", "i am not able to",
    ]

    /// The answer a stream's events add up to: its text, reasoning, tool calls and finish reason.
    public static func answer(of events: [ChatStreamEvent]) -> ChatResponse {
        var text = "", reasoning = ""
        var calls: [Int: ToolCall] = [:]
        var finish: FinishReason?
        for event in events {
            switch event {
            case .text(let fragment): text += fragment
            case .thinking(let fragment): reasoning += fragment
            case .toolCallStart(let index, let id, let name): calls[index] = ToolCall(id: id, name: name, arguments: "")
            case .toolCallArguments(let index, let fragment): calls[index]?.arguments += fragment
            case .finish(let reason): finish = reason
            case .start, .usage, .end: break
            }
        }
        var content: [ContentPart] = []
        if !reasoning.isEmpty { content.append(.thinking(text: reasoning, signature: nil)) }
        if !text.isEmpty { content.append(.text(text)) }
        content += calls.keys.sorted().compactMap { calls[$0].map(ContentPart.toolCall) }
        return ChatResponse(id: "", model: "", content: content, finishReason: finish, usage: nil)
    }
}
