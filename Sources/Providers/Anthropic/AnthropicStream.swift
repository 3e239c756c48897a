import TollgateCore

/// Reads Anthropic's stream events into chat stream events.
public struct AnthropicStreamDecoder: Sendable {
    /// Content block index → tool call index, for the blocks that are tool calls.
    private var toolBlocks: [Int: Int] = [:]

    public init() {}

    /// The events one Anthropic event (its parsed `data:`) stands for.
    /// - Throws: `UpstreamError` for an `error` event.
    public mutating func decode(_ event: JSONValue, provider: String) throws -> [ChatStreamEvent] {
        switch event["type"]?.stringValue {
        case "message_start":
            let message = event["message"]
            var events: [ChatStreamEvent] = [.start(id: message?["id"]?.stringValue ?? "", model: message?["model"]?.stringValue ?? "")]
            if let usage = UsageReport.find(in: message, shape: .anthropic) { events.append(.usage(usage)) }
            return events
        case "content_block_start":
            let block = event["content_block"]
            let index = event["index"]?.intValue ?? 0
            switch block?["type"]?.stringValue {
            case "tool_use":
                let call = toolBlocks.count
                toolBlocks[index] = call
                return [.toolCallStart(index: call, id: block?["id"]?.stringValue ?? "", name: block?["name"]?.stringValue ?? "")]
            case "text":
                let text = block?["text"]?.stringValue ?? ""
                return text.isEmpty ? [] : [.text(text)]
            default:
                return []
            }
        case "content_block_delta":
            let delta = event["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta": return [.text(delta?["text"]?.stringValue ?? "")]
            case "thinking_delta": return [.thinking(delta?["thinking"]?.stringValue ?? "")]
            case "input_json_delta":
                guard let call = toolBlocks[event["index"]?.intValue ?? -1] else { return [] }
                return [.toolCallArguments(index: call, fragment: delta?["partial_json"]?.stringValue ?? "")]
            default: return []
            }
        case "message_delta":
            var events: [ChatStreamEvent] = []
            if let reason = AnthropicMessagesFormat.finishReason(event["delta"]?["stop_reason"]?.stringValue) { events.append(.finish(reason)) }
            if let usage = UsageReport.find(in: event, shape: .anthropic) { events.append(.usage(usage)) }
            return events
        case "message_stop":
            return [.end]
        case "error":
            throw UpstreamError(.status(event["error"]?["type"]?.stringValue == "overloaded_error" ? 503 : 502),
                                provider: provider, detail: event["error"]?.jsonText ?? "error event")
        default:
            return [] // ping, content_block_stop, and event types added later
        }
    }
}

/// Writes chat stream events as Anthropic stream events.
///
/// Tool calls are held until they are complete and then written as whole blocks: OpenAI streams
/// may interleave the arguments of several calls, and Anthropic's content blocks cannot.
public struct AnthropicStreamEncoder: Sendable {
    private enum Block: Equatable { case text, thinking }
    private struct PendingCall: Sendable {
        let index: Int
        let id: String
        let name: String
        var arguments = ""
    }
    private var open: Block?
    private var blockIndex = -1
    private var pendingCalls: [PendingCall] = []
    private var finishReason: FinishReason?

    public init() {}

    /// The events for one chat event.
    /// - Parameter usage: the answer's usage as the price book read it, for `message_delta`.
    public mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?) -> [ServerSentEvent] {
        switch event {
        case .start(let id, let model):
            // An OpenAI-compatible provider reports usage only at the end: message_delta has it.
            let message: JSONValue = [
                "id": .string(id.hasPrefix("msg_") ? id : "msg_\(id)"), "type": "message", "role": "assistant", "content": [],
                "model": .string(model), "stop_reason": nil, "stop_sequence": nil,
                "usage": AnthropicMessagesFormat.usageObject(.zero),
            ]
            return [sse("message_start", ["type": "message_start", "message": message])]
        case .text(let text):
            return flushCalls() + switchTo(.text) + [sse("content_block_delta", ["type": "content_block_delta", "index": .int(Int64(blockIndex)),
                                                                              "delta": ["type": "text_delta", "text": .string(text)]])]
        case .thinking(let text):
            return flushCalls() + switchTo(.thinking) + [sse("content_block_delta", ["type": "content_block_delta", "index": .int(Int64(blockIndex)),
                                                                                  "delta": ["type": "thinking_delta", "thinking": .string(text)]])]
        case .toolCallStart(let index, let id, let name):
            pendingCalls.append(PendingCall(index: index, id: id, name: name))
            return closeBlock()
        case .toolCallArguments(let index, let fragment):
            if let position = pendingCalls.firstIndex(where: { $0.index == index }) { pendingCalls[position].arguments += fragment }
            return []
        case .finish(let reason):
            finishReason = reason
            return flushCalls()
        case .usage:
            return []
        case .end:
            var events = flushCalls() + closeBlock()
            let delta: JSONValue = ["stop_reason": .string(AnthropicMessagesFormat.stopReasonText(finishReason ?? .stop)), "stop_sequence": nil]
            events.append(sse("message_delta", ["type": "message_delta", "delta": delta,
                                                "usage": AnthropicMessagesFormat.usageObject(usage ?? .zero)]))
            events.append(sse("message_stop", ["type": "message_stop"]))
            return events
        }
    }

    /// Writes the held tool calls, each as one whole tool_use block.
    private mutating func flushCalls() -> [ServerSentEvent] {
        guard !pendingCalls.isEmpty else { return [] }
        var events = closeBlock()
        for call in pendingCalls.sorted(by: { $0.index < $1.index }) {
            blockIndex += 1
            let index = JSONValue.int(Int64(blockIndex))
            events.append(sse("content_block_start", ["type": "content_block_start", "index": index,
                                                      "content_block": ["type": "tool_use", "id": .string(call.id),
                                                                        "name": .string(call.name), "input": [:]]]))
            if !call.arguments.isEmpty {
                events.append(sse("content_block_delta", ["type": "content_block_delta", "index": index,
                                                          "delta": ["type": "input_json_delta", "partial_json": .string(call.arguments)]]))
            }
            events.append(sse("content_block_stop", ["type": "content_block_stop", "index": index]))
        }
        pendingCalls.removeAll()
        return events
    }

    private mutating func switchTo(_ block: Block) -> [ServerSentEvent] {
        guard open != block else { return [] }
        var events = closeBlock()
        blockIndex += 1
        open = block
        let start: JSONValue = block == .text ? ["type": "text", "text": ""] : ["type": "thinking", "thinking": ""]
        events.append(sse("content_block_start", ["type": "content_block_start", "index": .int(Int64(blockIndex)), "content_block": start]))
        return events
    }

    private mutating func closeBlock() -> [ServerSentEvent] {
        guard open != nil else { return [] }
        open = nil
        return [sse("content_block_stop", ["type": "content_block_stop", "index": .int(Int64(blockIndex))])]
    }

    private func sse(_ name: String, _ data: JSONValue) -> ServerSentEvent {
        ServerSentEvent(event: name, data: data.jsonText)
    }
}
