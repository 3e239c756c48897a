import TollgateCore

/// OpenAI Chat Completions, read into and written from Tollgate's chat form.
public enum OpenAIChatFormat {
    /// Parameters with no equivalent elsewhere: refused when a request must be translated.
    static let untranslatable = ["n", "logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty",
                                 "seed", "response_format", "parallel_tool_calls", "audio", "modalities", "prediction",
                                 "web_search_options"]

    /// The parameters of `body` the chat form cannot carry to another format.
    public static func untranslatable(_ body: JSONValue) -> [String] {
        untranslatable.filter { name in
            guard let value = body[name], value != .null else { return false }
            return !(name == "n" && value.intValue == 1)
        }
    }

    /// Reads a client's request for translation to another format.
    /// - Parameter strict: refuse parameters that cannot be carried over (off when the request is
    ///   only read, e.g. to count its tokens).
    /// - Throws: `TranslationError` naming a parameter that cannot be carried over.
    public static func request(from body: JSONValue, strict: Bool = true) throws(TranslationError) -> ChatRequest {
        if strict, let name = untranslatable(body).first {
            throw TranslationError(parameter: name, detail: "has no equivalent in the provider's API")
        }
        var request = ChatRequest(model: body["model"]?.stringValue ?? "", messages: [])
        request.maxTokens = body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue
        request.temperature = body["temperature"]?.doubleValue
        request.topP = body["top_p"]?.doubleValue
        request.stream = body["stream"]?.boolValue ?? false
        request.user = body["user"]?.stringValue
        if let effort = body["reasoning_effort"]?.stringValue, effort != "none" {
            guard let effort = ReasoningRequest.Effort(rawValue: effort) else {
                throw TranslationError(parameter: "reasoning_effort", detail: "'\(effort)' is not one of minimal, low, medium, high")
            }
            request.reasoning = ReasoningRequest(effort: effort)
        }
        if let stop = body["stop"] {
            request.stopSequences = stop.stringValue.map { [$0] } ?? stop.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for (index, tool) in (body["tools"]?.arrayValue ?? []).enumerated() {
            guard tool["type"]?.stringValue == "function", let function = tool["function"], let name = function["name"]?.stringValue else {
                throw TranslationError(parameter: "tools[\(index)]", detail: "is not a function tool")
            }
            request.tools.append(ToolDefinition(name: name, description: function["description"]?.stringValue,
                                                parameters: function["parameters"] ?? ["type": "object", "properties": [:]]))
        }
        if let choice = body["tool_choice"] {
            switch choice.stringValue {
            case "auto": request.toolChoice = .auto
            case "none": request.toolChoice = .disabled
            case "required": request.toolChoice = .required
            default:
                guard let name = choice["function"]?["name"]?.stringValue else {
                    throw TranslationError(parameter: "tool_choice", detail: "is not understood")
                }
                request.toolChoice = .tool(name)
            }
        }
        for (index, message) in (body["messages"]?.arrayValue ?? []).enumerated() {
            try read(message, at: index, into: &request)
        }
        return request
    }

    private static func read(_ message: JSONValue, at index: Int, into request: inout ChatRequest) throws(TranslationError) {
        let role = message["role"]?.stringValue ?? ""
        let name = message["name"]?.stringValue
        switch role {
        case "system", "developer":
            let text = try parts(message["content"], at: index).filter { if case .text = $0 { true } else { false } }
            request.messages.append(ChatMessage(role: role == "system" ? .system : .developer, content: text, name: name))
        case "user":
            request.messages.append(ChatMessage(role: .user, content: try parts(message["content"], at: index), name: name))
        case "assistant":
            var content = try parts(message["content"], at: index)
            if let reasoning = message["reasoning_content"]?.stringValue, !reasoning.isEmpty {
                content.insert(.thinking(text: reasoning, signature: nil), at: 0)
            }
            for call in message["tool_calls"]?.arrayValue ?? [] {
                guard let id = call["id"]?.stringValue, let name = call["function"]?["name"]?.stringValue else {
                    throw TranslationError(parameter: "messages[\(index)].tool_calls", detail: "needs an id and a function name")
                }
                content.append(.toolCall(ToolCall(id: id, name: name, arguments: call["function"]?["arguments"]?.stringValue ?? "{}")))
            }
            request.messages.append(ChatMessage(role: .assistant, content: content, name: name))
        case "tool", "function":
            let text = try parts(message["content"], at: index).compactMap { part -> String? in
                if case .text(let text) = part { return text }
                return nil
            }.joined()
            guard let id = message["tool_call_id"]?.stringValue else {
                throw TranslationError(parameter: "messages[\(index)].tool_call_id", detail: "is required on a tool message")
            }
            request.messages.append(ChatMessage(role: .tool, content: [.toolResult(id: id, content: text, isError: false)]))
        default:
            throw TranslationError(parameter: "messages[\(index)].role", detail: "'\(role)' is not a known role")
        }
    }

    private static func parts(_ content: JSONValue?, at index: Int) throws(TranslationError) -> [ContentPart] {
        guard let content, content != .null else { return [] }
        if let text = content.stringValue { return text.isEmpty ? [] : [.text(text)] }
        guard let array = content.arrayValue else {
            throw TranslationError(parameter: "messages[\(index)].content", detail: "must be a string or an array of parts")
        }
        return try array.map { part throws(TranslationError) -> ContentPart in
            switch part["type"]?.stringValue {
            case "text": return .text(part["text"]?.stringValue ?? "")
            case "image_url":
                guard let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue else {
                    throw TranslationError(parameter: "messages[\(index)].content", detail: "has an image_url part without a url")
                }
                return .image(url: url)
            case let other:
                throw TranslationError(parameter: "messages[\(index)].content", detail: "has a '\(other ?? "untyped")' part with no equivalent")
            }
        }
    }

    /// The request body for an OpenAI-compatible provider.
    public static func body(for request: ChatRequest, model: String, includeUsage: Bool) -> JSONValue {
        var messages: [JSONValue] = []
        for message in request.messages {
            switch message.role {
            case .system, .developer:
                // "system" rather than "developer": OpenAI-compatible providers all take it.
                var system: JSONValue = ["role": "system", "content": .string(message.text)]
                if let name = message.name { system["name"] = .string(name) }
                messages.append(system)
            case .user, .tool:
                var parts: [JSONValue] = []
                for part in message.content {
                    switch part {
                    case .toolResult(let id, let content, let isError):
                        messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(isError ? "Error: \(content)" : content)])
                    case .text(let text): parts.append(["type": "text", "text": .string(text)])
                    case .image(let url): parts.append(["type": "image_url", "image_url": ["url": .string(url)]])
                    case .toolCall, .thinking: break
                    }
                }
                if !parts.isEmpty {
                    let onlyText = parts.allSatisfy { $0["type"] == "text" }
                    var user: JSONValue = ["role": "user", "content": onlyText
                        ? .string(parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")) : .array(parts)]
                    if let name = message.name { user["name"] = .string(name) }
                    messages.append(user)
                }
            case .assistant:
                var text = ""
                var calls: [JSONValue] = []
                for part in message.content {
                    switch part {
                    case .text(let value): text += value
                    case .toolCall(let call):
                        calls.append(["id": .string(call.id), "type": "function",
                                      "function": ["name": .string(call.name), "arguments": .string(call.arguments)]])
                    // Providers such as DeepSeek refuse earlier reasoning sent back: it is not part of the input.
                    case .thinking, .image, .toolResult: break
                    }
                }
                var assistant: JSONValue = ["role": "assistant", "content": text.isEmpty && !calls.isEmpty ? .null : .string(text)]
                if !calls.isEmpty { assistant["tool_calls"] = .array(calls) }
                messages.append(assistant)
            }
        }
        var body: JSONValue = ["model": .string(model), "messages": .array(messages), "stream": .bool(request.stream)]
        if request.stream, includeUsage { body["stream_options"] = ["include_usage": true] }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        if let topP = request.topP { body["top_p"] = .double(topP) }
        if !request.stopSequences.isEmpty { body["stop"] = .array(request.stopSequences.map { .string($0) }) }
        if let user = request.user { body["user"] = .string(user) }
        if let reasoning = request.reasoning { body["reasoning_effort"] = .string(reasoning.effort.rawValue) }
        if let format = request.responseFormat { body["response_format"] = format }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                var function: JSONValue = ["name": .string(tool.name), "parameters": tool.parameters]
                if let description = tool.description { function["description"] = .string(description) }
                return ["type": "function", "function": function]
            })
        }
        switch request.toolChoice {
        case .auto: body["tool_choice"] = "auto"
        case .disabled: body["tool_choice"] = "none"
        case .required: body["tool_choice"] = "required"
        case .tool(let name): body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
        case nil: break
        }
        return body
    }

    static func finishReason(_ text: String?) -> FinishReason? {
        switch text {
        case "stop": .stop
        case "length": .length
        case "tool_calls", "function_call": .toolCalls
        case "content_filter": .contentFilter
        default: nil
        }
    }

    static func finishReasonText(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        }
    }

    /// Reads a provider's complete answer.
    public static func response(from body: JSONValue) -> ChatResponse {
        let choice = body["choices"]?[0]
        let message = choice?["message"]
        var content: [ContentPart] = []
        if let reasoning = message?["reasoning_content"]?.stringValue, !reasoning.isEmpty {
            content.append(.thinking(text: reasoning, signature: nil))
        }
        if let text = message?["content"]?.stringValue, !text.isEmpty { content.append(.text(text)) }
        for call in message?["tool_calls"]?.arrayValue ?? [] {
            content.append(.toolCall(ToolCall(id: call["id"]?.stringValue ?? "", name: call["function"]?["name"]?.stringValue ?? "",
                                              arguments: call["function"]?["arguments"]?.stringValue ?? "{}")))
        }
        return ChatResponse(id: body["id"]?.stringValue ?? "", model: body["model"]?.stringValue ?? "", content: content,
                            finishReason: finishReason(choice?["finish_reason"]?.stringValue),
                            usage: UsageReport.find(in: body, shape: .openai))
    }

    /// The usage object OpenAI clients read, from Tollgate's five counts.
    public static func usageObject(_ usage: TokenUsage) -> JSONValue {
        let prompt = usage.totalInput
        let completion = usage.totalOutput
        return [
            "prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion)),
            "total_tokens": .int(Int64(prompt + completion)),
            "prompt_tokens_details": ["cached_tokens": .int(Int64(usage.cachedInput))],
            "completion_tokens_details": ["reasoning_tokens": .int(Int64(usage.reasoning))],
        ]
    }

    /// A complete answer as an OpenAI client expects it, with `usage` read by the price book.
    public static func body(for response: ChatResponse, usage: TokenUsage?, created: Int64) -> JSONValue {
        let (text, reasoning, toolCalls) = response.parts
        let calls: [JSONValue] = toolCalls.map { call in
            ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
        }
        var message: JSONValue = ["role": "assistant", "content": text.isEmpty && !calls.isEmpty ? .null : .string(text)]
        if !reasoning.isEmpty { message["reasoning_content"] = .string(reasoning) }
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        var body: JSONValue = [
            "id": .string(response.id), "object": "chat.completion", "created": .int(created), "model": .string(response.model),
            "choices": [["index": 0, "message": message, "logprobs": nil,
                         "finish_reason": response.finishReason.map { .string(finishReasonText($0)) } ?? nil]],
        ]
        if let usage { body["usage"] = usageObject(usage) }
        return body
    }
}
