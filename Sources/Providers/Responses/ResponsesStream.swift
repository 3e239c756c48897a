import TollgateCore

/// Writes chat stream events as the Responses API's event sequence: `response.created`,
/// `response.in_progress`, then per output item `response.output_item.added`, its deltas
/// (`response.output_text.delta`, `response.function_call_arguments.delta`,
/// `response.reasoning_summary_text.delta`) and `response.output_item.done`, and at the end
/// `response.completed` (or `response.incomplete` when cut by `max_output_tokens`) with the whole
/// response and its usage. Every event carries `type` and a `sequence_number`.
public struct ResponsesStreamEncoder: Sendable {
    private enum Item: Sendable {
        case message(text: String)
        case reasoning(text: String)
        case functionCall(ToolCall)
    }

    private let context: AnswerContext
    private let id: String
    private var model = ""
    private var sequence = 0
    /// Every item so far, by output index.
    private var items: [(id: String, item: Item, done: Bool)] = []
    /// The open text or reasoning item, which the next text or reasoning goes to.
    private var open: Int?
    /// Output index of each tool call, by the call's stream index.
    private var calls: [Int: Int] = [:]
    private var finishReason: FinishReason?

    public init(context: AnswerContext) {
        self.context = context
        id = ResponsesFormat.responseID(for: context.requestID)
    }

    /// The events for one chat event.
    /// - Parameters:
    ///   - usage: the answer's usage as the price book read it, for the final response.
    ///   - usageFields: fields added to that usage (Tollgate's cost).
    public mutating func encode(_ event: ChatStreamEvent, usage: TokenUsage?,
                                usageFields: () -> [String: JSONValue]? = { nil }) -> [ServerSentEvent] {
        switch event {
        case .start(_, let model):
            self.model = model
            let response = snapshot(status: "in_progress", usage: nil)
            return [emit("response.created", ["response": response]), emit("response.in_progress", ["response": response])]
        case .text(let text):
            var events = openItem(.message(text: ""))
            guard let index = open, case .message(let sofar) = items[index].item else { return events }
            items[index].item = .message(text: sofar + text)
            events.append(emit("response.output_text.delta", ["item_id": .string(items[index].id), "output_index": .int(Int64(index)),
                                                              "content_index": 0, "delta": .string(text), "logprobs": []]))
            return events
        case .thinking(let text):
            var events = openItem(.reasoning(text: ""))
            guard let index = open, case .reasoning(let sofar) = items[index].item else { return events }
            items[index].item = .reasoning(text: sofar + text)
            events.append(emit("response.reasoning_summary_text.delta", ["item_id": .string(items[index].id),
                                                                         "output_index": .int(Int64(index)),
                                                                         "summary_index": 0, "delta": .string(text)]))
            return events
        case .toolCallStart(let callIndex, let callID, let name):
            var events = closeOpen()
            let index = items.count
            let call = ToolCall(id: callID, name: name, arguments: "")
            items.append((id: "fc_\(id.dropFirst(5))_\(callIndex)", item: .functionCall(call), done: false))
            calls[callIndex] = index
            events.append(emit("response.output_item.added", ["output_index": .int(Int64(index)),
                                                              "item": itemValue(index, status: "in_progress")]))
            return events
        case .toolCallArguments(let callIndex, let fragment):
            guard let index = calls[callIndex], case .functionCall(var call) = items[index].item else { return [] }
            call.arguments += fragment
            items[index].item = .functionCall(call)
            return [emit("response.function_call_arguments.delta", ["item_id": .string(items[index].id),
                                                                    "output_index": .int(Int64(index)), "delta": .string(fragment)])]
        case .finish(let reason):
            finishReason = reason
            return []
        case .usage:
            return []
        case .end:
            var events: [ServerSentEvent] = []
            for index in items.indices where !items[index].done { events += close(index) }
            open = nil
            let incomplete = finishReason == .length
            var response = snapshot(status: incomplete ? "incomplete" : "completed", usage: usage)
            if usage != nil, let fields = usageFields() {
                for (key, value) in fields { response["usage"]?[key] = value }
            }
            events.append(emit(incomplete ? "response.incomplete" : "response.completed", ["response": response]))
            return events
        }
    }

    /// The final response object once `response.completed` (or `.incomplete`) is written: what a
    /// stored response keeps.
    public var finalResponse: JSONValue? { lastResponse }
    private var lastResponse: JSONValue?

    /// Starts a text or reasoning item unless one of that kind is open.
    private mutating func openItem(_ kind: Item) -> [ServerSentEvent] {
        if let open {
            switch (items[open].item, kind) {
            case (.message, .message), (.reasoning, .reasoning): return []
            default: break
            }
        }
        var events = closeOpen()
        let index = items.count
        let prefix = if case .message = kind { "msg" } else { "rs" }
        items.append((id: "\(prefix)_\(id.dropFirst(5))_\(index)", item: kind, done: false))
        open = index
        events.append(emit("response.output_item.added", ["output_index": .int(Int64(index)), "item": itemValue(index, status: "in_progress")]))
        if case .message = kind {
            events.append(emit("response.content_part.added", ["item_id": .string(items[index].id), "output_index": .int(Int64(index)),
                                                               "content_index": 0,
                                                               "part": ["type": "output_text", "text": "", "annotations": []]]))
        } else {
            events.append(emit("response.reasoning_summary_part.added", ["item_id": .string(items[index].id),
                                                                         "output_index": .int(Int64(index)), "summary_index": 0,
                                                                         "part": ["type": "summary_text", "text": ""]]))
        }
        return events
    }

    private mutating func closeOpen() -> [ServerSentEvent] {
        guard let index = open else { return [] }
        open = nil
        return close(index)
    }

    /// The `.done` events of one item.
    private mutating func close(_ index: Int) -> [ServerSentEvent] {
        items[index].done = true
        let itemID = JSONValue.string(items[index].id)
        let position = JSONValue.int(Int64(index))
        var events: [ServerSentEvent] = []
        switch items[index].item {
        case .message(let text):
            events.append(emit("response.output_text.done", ["item_id": itemID, "output_index": position, "content_index": 0,
                                                             "text": .string(text), "logprobs": []]))
            events.append(emit("response.content_part.done", ["item_id": itemID, "output_index": position, "content_index": 0,
                                                              "part": ["type": "output_text", "text": .string(text), "annotations": []]]))
        case .reasoning(let text):
            events.append(emit("response.reasoning_summary_text.done", ["item_id": itemID, "output_index": position,
                                                                        "summary_index": 0, "text": .string(text)]))
            events.append(emit("response.reasoning_summary_part.done", ["item_id": itemID, "output_index": position, "summary_index": 0,
                                                                        "part": ["type": "summary_text", "text": .string(text)]]))
        case .functionCall(let call):
            events.append(emit("response.function_call_arguments.done", ["item_id": itemID, "output_index": position,
                                                                         "name": .string(call.name), "arguments": .string(call.arguments)]))
        }
        events.append(emit("response.output_item.done", ["output_index": position, "item": itemValue(index, status: "completed")]))
        return events
    }

    private func itemValue(_ index: Int, status: String) -> JSONValue {
        let (itemID, item, _) = items[index]
        switch item {
        case .message(let text):
            return ResponsesFormat.messageItem(id: itemID, text: status == "completed" ? text : nil, status: status)
        case .reasoning(let text):
            return ResponsesFormat.reasoningItem(id: itemID, text: status == "completed" ? text : nil)
        case .functionCall(let call):
            return ResponsesFormat.functionCallItem(call, id: itemID, status: status)
        }
    }

    private mutating func snapshot(status: String, usage: TokenUsage?) -> JSONValue {
        let output = items.indices.filter { items[$0].done }.map { itemValue($0, status: "completed") }
        return ResponsesFormat.responseObject(id: id, model: model, status: status, output: output, usage: usage, context: context)
    }

    private mutating func emit(_ type: String, _ fields: JSONValue) -> ServerSentEvent {
        var data: JSONValue = ["type": .string(type), "sequence_number": .int(Int64(sequence))]
        for (key, value) in fields.objectValue ?? [:] { data[key] = value }
        sequence += 1
        if type == "response.completed" || type == "response.incomplete" { lastResponse = fields["response"] }
        return ServerSentEvent(event: type, data: data.jsonText)
    }
}

/// Reads a Responses provider's stream events into chat stream events.
public struct ResponsesStreamDecoder: Sendable {
    /// Tool calls in order of appearance, by output index.
    private var calls: [Int: Int] = [:]
    private var sawCall = false

    public init() {}

    public mutating func decode(_ event: JSONValue, provider: String) throws -> [ChatStreamEvent] {
        switch event["type"]?.stringValue {
        case "response.created":
            return [.start(id: event["response"]?["id"]?.stringValue ?? "", model: event["response"]?["model"]?.stringValue ?? "")]
        case "response.output_text.delta":
            return [.text(event["delta"]?.stringValue ?? "")]
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
            return [.thinking(event["delta"]?.stringValue ?? "")]
        case "response.output_item.added" where event["item"]?["type"] == "function_call":
            let index = calls.count
            calls[event["output_index"]?.intValue ?? index] = index
            sawCall = true
            let item = event["item"]
            var events: [ChatStreamEvent] = [.toolCallStart(index: index, id: item?["call_id"]?.stringValue ?? "",
                                                            name: item?["name"]?.stringValue ?? "")]
            if let arguments = item?["arguments"]?.stringValue, !arguments.isEmpty { events.append(.toolCallArguments(index: index, fragment: arguments)) }
            return events
        case "response.function_call_arguments.delta":
            guard let index = calls[event["output_index"]?.intValue ?? -1] else { return [] }
            return [.toolCallArguments(index: index, fragment: event["delta"]?.stringValue ?? "")]
        case "response.completed", "response.incomplete":
            var events: [ChatStreamEvent] = [.finish(event["type"] == "response.incomplete" ? .length : sawCall ? .toolCalls : .stop)]
            if let usage = ResponsesFormat.usage(of: event["response"] ?? .null) { events.append(.usage(usage)) }
            return events + [.end]
        case "response.failed", "error":
            let detail = (event["response"]?["error"] ?? event).jsonText
            throw UpstreamError(.status(502), provider: provider, detail: detail)
        default:
            return []
        }
    }
}
