import TollgateCore

/// Anthropic Messages, read into and written from Tollgate's chat form.
public enum AnthropicMessagesFormat {
    /// The `max_tokens` sent to Anthropic when an OpenAI client set none: Anthropic requires one.
    public static let defaultMaxTokens = 4096

    /// Reads a client's request for translation to another format.
    /// - Parameter strict: refuse parameters that cannot be carried over (off when the request is
    ///   only read, e.g. to count its tokens).
    /// - Throws: `TranslationError` naming a parameter that cannot be carried over.
    public static func request(from body: JSONValue, strict: Bool = true) throws(TranslationError) -> ChatRequest {
        if strict, let name = untranslatable(body).first {
            throw TranslationError(parameter: name, detail: "has no equivalent in the provider's API")
        }
        var request = ChatRequest(model: body["model"]?.stringValue ?? "", messages: [])
        request.maxTokens = body["max_tokens"]?.intValue
        request.temperature = body["temperature"]?.doubleValue
        request.topP = body["top_p"]?.doubleValue
        request.stream = body["stream"]?.boolValue ?? false
        request.stopSequences = body["stop_sequences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        request.user = body["metadata"]?["user_id"]?.stringValue
        if let thinking = body["thinking"], thinking != .null {
            switch thinking["type"]?.stringValue {
            case "enabled": request.reasoning = ReasoningRequest(budgetTokens: thinking["budget_tokens"]?.intValue ?? 1024)
            case "disabled": break
            default: if strict { throw TranslationError(parameter: "thinking", detail: "has a type with no equivalent") }
            }
        }
        if let system = body["system"] {
            let texts = system.stringValue.map { [$0] } ?? (system.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
            request.messages = texts.map { ChatMessage(role: .system, text: $0) }
        }
        for (index, tool) in (body["tools"]?.arrayValue ?? []).enumerated() {
            if let type = tool["type"]?.stringValue, type != "custom" {
                if strict {
                    throw TranslationError(parameter: "tools[\(index)]", detail: "is Anthropic's server tool '\(type)', which the provider does not have")
                }
                continue
            }
            guard let name = tool["name"]?.stringValue else {
                throw TranslationError(parameter: "tools[\(index)].name", detail: "is required")
            }
            request.tools.append(ToolDefinition(name: name, description: tool["description"]?.stringValue,
                                                parameters: tool["input_schema"] ?? ["type": "object", "properties": [:]]))
        }
        if let choice = body["tool_choice"] {
            switch choice["type"]?.stringValue {
            case "auto": request.toolChoice = .auto
            case "any": request.toolChoice = .required
            case "none": request.toolChoice = .disabled
            case "tool": request.toolChoice = .tool(choice["name"]?.stringValue ?? "")
            default: throw TranslationError(parameter: "tool_choice", detail: "is not understood")
            }
        }
        for (index, message) in (body["messages"]?.arrayValue ?? []).enumerated() {
            let role: ChatMessage.Role = message["role"]?.stringValue == "assistant" ? .assistant : .user
            request.messages.append(ChatMessage(role: role, content: try parts(message["content"], at: index)))
        }
        return request
    }

    private static func parts(_ content: JSONValue?, at index: Int) throws(TranslationError) -> [ContentPart] {
        if let text = content?.stringValue { return [.text(text)] }
        return try (content?.arrayValue ?? []).map { block throws(TranslationError) -> ContentPart in
            switch block["type"]?.stringValue {
            case "text": return .text(block["text"]?.stringValue ?? "")
            case "image":
                let source = block["source"]
                switch source?["type"]?.stringValue {
                case "base64":
                    return .image(url: "data:\(source?["media_type"]?.stringValue ?? "image/png");base64,\(source?["data"]?.stringValue ?? "")")
                case "url":
                    return .image(url: source?["url"]?.stringValue ?? "")
                default:
                    throw TranslationError(parameter: "messages[\(index)].content", detail: "has an image source with no equivalent")
                }
            case "tool_use":
                let input = block["input"] ?? [:]
                return .toolCall(ToolCall(id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "", arguments: input.jsonText))
            case "tool_result":
                let text: String
                if let string = block["content"]?.stringValue {
                    text = string
                } else {
                    let blocks = block["content"]?.arrayValue ?? []
                    if blocks.contains(where: { $0["type"]?.stringValue != "text" }) {
                        throw TranslationError(parameter: "messages[\(index)].content", detail: "has a tool_result with non-text content")
                    }
                    text = blocks.compactMap { $0["text"]?.stringValue }.joined()
                }
                return .toolResult(id: block["tool_use_id"]?.stringValue ?? "", content: text, isError: block["is_error"]?.boolValue ?? false)
            case "thinking":
                return .thinking(text: block["thinking"]?.stringValue ?? "", signature: block["signature"]?.stringValue)
            case "redacted_thinking":
                return .thinking(text: "", signature: nil)
            case let other:
                throw TranslationError(parameter: "messages[\(index)].content", detail: "has a '\(other ?? "untyped")' block with no equivalent")
            }
        }
    }

    /// The parameters of `body` the chat form cannot carry to another format.
    public static func untranslatable(_ body: JSONValue) -> [String] {
        let serverTools = (body["tools"]?.arrayValue ?? []).enumerated().compactMap { index, tool in
            tool["type"]?.stringValue.flatMap { $0 == "custom" ? nil : "tools[\(index)]" }
        }
        return ["top_k", "container", "mcp_servers", "service_tier"].filter { body[$0] != nil && body[$0] != .null } + serverTools
    }

    /// The request body for an Anthropic provider.
    /// - Throws: `TranslationError` when a tool call's arguments are not a JSON object.
    public static func body(for request: ChatRequest, model: String) throws(TranslationError) -> JSONValue {
        var messages: [JSONValue] = []
        var lastRole: ChatMessage.Role?
        for (index, message) in request.messages.enumerated() where !message.role.isInstruction {
            var blocks: [JSONValue] = []
            for part in message.content {
                switch part {
                case .text(let text): if !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
                case .image(let url): blocks.append(["type": "image", "source": imageSource(url)])
                case .toolCall(let call):
                    guard let input = try? JSONValue(parsing: Array(call.arguments.utf8)), input.objectValue != nil else {
                        throw TranslationError(parameter: "messages[\(index)].tool_calls", detail: "has arguments that are not a JSON object")
                    }
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
                case .toolResult(let id, let content, let isError):
                    var block: JSONValue = ["type": "tool_result", "tool_use_id": .string(id), "content": .string(content)]
                    if isError { block["is_error"] = true }
                    blocks.append(block)
                case .thinking(let text, let signature):
                    // Only Anthropic's own signed thinking can be sent back to it.
                    if let signature { blocks.append(["type": "thinking", "thinking": .string(text), "signature": .string(signature)]) }
                }
            }
            // Tool results go back on the user's side; Anthropic wants the two sides to alternate.
            let role: ChatMessage.Role = message.role == .assistant ? .assistant : .user
            if role == lastRole, let last = messages.indices.last {
                messages[last]["content"] = .array((messages[last]["content"]?.arrayValue ?? []) + blocks)
            } else {
                messages.append(["role": .string(role.rawValue), "content": .array(blocks)])
            }
            lastRole = role
        }
        var body: JSONValue = ["model": .string(model), "messages": .array(messages),
                               "max_tokens": .int(Int64(request.maxTokens ?? defaultMaxTokens))]
        if request.responseFormat != nil {
            throw TranslationError(parameter: "response_format", detail: "has no equivalent in the provider's API")
        }
        if let reasoning = request.reasoning {
            // The budget must stay below max_tokens: a client's max_tokens is kept (it is what was
            // reserved) and the budget shrinks to fit; without one, the budget comes on top.
            var budget = reasoning.budget
            if let maxTokens = request.maxTokens { budget = min(budget, maxTokens - 1) }
            guard budget >= 1024 else {
                throw TranslationError(parameter: "max_tokens", detail: "must be above 1024 for reasoning with this provider")
            }
            if let temperature = request.temperature, temperature != 1 {
                throw TranslationError(parameter: "temperature", detail: "cannot be combined with reasoning on this provider")
            }
            if let topP = request.topP, topP < 0.95 {
                throw TranslationError(parameter: "top_p", detail: "below 0.95 cannot be combined with reasoning on this provider")
            }
            body["thinking"] = ["type": "enabled", "budget_tokens": .int(Int64(budget))]
            if request.maxTokens == nil { body["max_tokens"] = .int(Int64(budget + defaultMaxTokens)) }
        }
        if request.stream { body["stream"] = true }
        if !request.system.isEmpty { body["system"] = .string(request.system.joined(separator: "\n\n")) }
        if let temperature = request.temperature { body["temperature"] = .double(min(temperature, 1)) }
        if let topP = request.topP { body["top_p"] = .double(topP) }
        if !request.stopSequences.isEmpty { body["stop_sequences"] = .array(request.stopSequences.map { .string($0) }) }
        if let user = request.user { body["metadata"] = ["user_id": .string(user)] }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                var definition: JSONValue = ["name": .string(tool.name), "input_schema": tool.parameters]
                if let description = tool.description { definition["description"] = .string(description) }
                return definition
            })
        }
        switch request.toolChoice {
        case .auto: body["tool_choice"] = ["type": "auto"]
        case .disabled: body["tool_choice"] = ["type": "none"]
        case .required: body["tool_choice"] = ["type": "any"]
        case .tool(let name): body["tool_choice"] = ["type": "tool", "name": .string(name)]
        case nil: break
        }
        return body
    }

    static func imageSource(_ url: String) -> JSONValue {
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
            let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
            let mediaType = header.split(separator: ";").first.map(String.init) ?? "image/png"
            return ["type": "base64", "media_type": .string(mediaType), "data": .string(String(url[url.index(after: comma)...]))]
        }
        return ["type": "url", "url": .string(url)]
    }

    static func finishReason(_ text: String?) -> FinishReason? {
        switch text {
        case "end_turn", "stop_sequence", "pause_turn": .stop
        case "max_tokens", "model_context_window_exceeded": .length
        case "tool_use": .toolCalls
        case "refusal": .contentFilter
        default: nil
        }
    }

    static func stopReasonText(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: "end_turn"
        case .length: "max_tokens"
        case .toolCalls: "tool_use"
        case .contentFilter: "refusal"
        }
    }

    /// Reads a provider's complete answer.
    public static func response(from body: JSONValue) -> ChatResponse {
        let content: [ContentPart] = (body["content"]?.arrayValue ?? []).compactMap { block in
            switch block["type"]?.stringValue {
            case "text": .text(block["text"]?.stringValue ?? "")
            case "tool_use": .toolCall(ToolCall(id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "",
                                                arguments: (block["input"] ?? [:]).jsonText))
            case "thinking": .thinking(text: block["thinking"]?.stringValue ?? "", signature: block["signature"]?.stringValue)
            default: nil
            }
        }
        return ChatResponse(id: body["id"]?.stringValue ?? "", model: body["model"]?.stringValue ?? "", content: content,
                            finishReason: finishReason(body["stop_reason"]?.stringValue),
                            usage: UsageReport.find(in: body, shape: .anthropic))
    }

    /// Anthropic's usage object from Tollgate's counts (thinking is part of `output_tokens`).
    public static func usageObject(_ usage: TokenUsage) -> JSONValue {
        ["input_tokens": .int(Int64(usage.input)), "cache_read_input_tokens": .int(Int64(usage.cachedInput)),
         "cache_creation_input_tokens": .int(Int64(usage.cacheWrite)), "output_tokens": .int(Int64(usage.totalOutput))]
    }

    /// A complete answer as an Anthropic client expects it, with `usage` read by the price book.
    public static func body(for response: ChatResponse, usage: TokenUsage?) -> JSONValue {
        let blocks: [JSONValue] = response.content.compactMap { part in
            switch part {
            case .text(let text): ["type": "text", "text": .string(text)]
            case .toolCall(let call):
                ["type": "tool_use", "id": .string(call.id), "name": .string(call.name),
                 "input": (try? JSONValue(parsing: Array(call.arguments.utf8))) ?? [:]]
            case .thinking(let text, let signature):
                ["type": "thinking", "thinking": .string(text), "signature": .string(signature ?? "")]
            case .image, .toolResult: nil
            }
        }
        return ["id": .string(response.id.hasPrefix("msg_") ? response.id : "msg_\(response.id)"), "type": "message",
                "role": "assistant", "model": .string(response.model), "content": .array(blocks),
                "stop_reason": response.finishReason.map { .string(stopReasonText($0)) } ?? nil, "stop_sequence": nil,
                "usage": usageObject(usage ?? .zero)]
    }
}
