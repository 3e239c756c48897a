import TollgateCore

/// OpenAI's Responses API (`POST /v1/responses`), as Codex CLI and the Agents SDK speak it, read
/// into and written from Tollgate's chat form.
///
/// Input items map onto chat turns: messages keep their role (system and developer in place),
/// `function_call` items become the assistant's tool calls, `function_call_output` items tool
/// results, `reasoning` items the assistant's reasoning (which providers do not take back as
/// input). `instructions` comes first, as a system message.
public enum ResponsesFormat {
    /// Request parameters the chat form cannot carry.
    static let untranslatableParameters = ["include", "background", "prompt", "conversation", "service_tier", "top_logprobs",
                                           "max_tool_calls"]

    /// The parameters of `body` the chat form cannot carry to a provider of another format.
    public static func untranslatable(_ body: JSONValue) -> [String] {
        var names = untranslatableParameters.filter { body[$0] != nil && body[$0] != .null }
        if let truncation = body["truncation"]?.stringValue, truncation != "disabled" { names.append("truncation") }
        if body["parallel_tool_calls"] == false { names.append("parallel_tool_calls") }
        for (index, tool) in (body["tools"]?.arrayValue ?? []).enumerated() where tool["type"]?.stringValue != "function" {
            names.append("tools[\(index)]")
        }
        return names
    }

    /// Reads a client's request; `strict` refuses what cannot be carried over.
    public static func request(from body: JSONValue, strict: Bool = true) throws(TranslationError) -> ChatRequest {
        if strict, let name = untranslatable(body).first {
            throw TranslationError(parameter: name, detail: "has no equivalent in the provider's API")
        }
        var request = ChatRequest(model: body["model"]?.stringValue ?? "", messages: [])
        request.maxTokens = body["max_output_tokens"]?.intValue
        request.temperature = body["temperature"]?.doubleValue
        request.topP = body["top_p"]?.doubleValue
        request.stream = body["stream"]?.boolValue ?? false
        request.user = body["user"]?.stringValue ?? body["safety_identifier"]?.stringValue
        if let effort = body["reasoning"]?["effort"]?.stringValue, effort != "none" {
            guard let effort = ReasoningRequest.Effort(rawValue: effort) else {
                throw TranslationError(parameter: "reasoning.effort", detail: "'\(effort)' is not one of minimal, low, medium, high")
            }
            request.reasoning = ReasoningRequest(effort: effort)
        }
        if let format = body["text"]?["format"], format != .null {
            switch format["type"]?.stringValue {
            case "text", nil: break
            case "json_object": request.responseFormat = ["type": "json_object"]
            case "json_schema":
                var schema: JSONValue = ["name": format["name"] ?? "response", "schema": format["schema"] ?? [:]]
                if let strict = format["strict"] { schema["strict"] = strict }
                if let description = format["description"] { schema["description"] = description }
                request.responseFormat = ["type": "json_schema", "json_schema": schema]
            case let other:
                throw TranslationError(parameter: "text.format", detail: "'\(other ?? "")' is not a known format")
            }
        }
        for tool in body["tools"]?.arrayValue ?? [] where tool["type"]?.stringValue == "function" {
            guard let name = tool["name"]?.stringValue else { continue }
            request.tools.append(ToolDefinition(name: name, description: tool["description"]?.stringValue,
                                                parameters: tool["parameters"] ?? ["type": "object", "properties": [:]]))
        }
        if let choice = body["tool_choice"], choice != .null {
            switch choice.stringValue {
            case "auto": request.toolChoice = .auto
            case "none": request.toolChoice = .disabled
            case "required": request.toolChoice = .required
            default:
                guard choice["type"]?.stringValue == "function", let name = choice["name"]?.stringValue else {
                    throw TranslationError(parameter: "tool_choice", detail: "is not understood")
                }
                request.toolChoice = .tool(name)
            }
        }
        if let instructions = body["instructions"]?.stringValue, !instructions.isEmpty {
            request.messages.append(ChatMessage(role: .system, text: instructions))
        }
        if let text = body["input"]?.stringValue {
            request.messages.append(ChatMessage(role: .user, text: text))
        } else {
            for (index, item) in (body["input"]?.arrayValue ?? []).enumerated() {
                try read(item, at: index, into: &request, strict: strict)
            }
        }
        return request
    }

    private static func read(_ item: JSONValue, at index: Int, into request: inout ChatRequest, strict: Bool) throws(TranslationError) {
        let path = "input[\(index)]"
        switch item["type"]?.stringValue ?? (item["role"] != nil ? "message" : nil) {
        case "message":
            let role: ChatMessage.Role
            switch item["role"]?.stringValue {
            case "user": role = .user
            case "assistant": role = .assistant
            case "system": role = .system
            case "developer": role = .developer
            case let other: throw TranslationError(parameter: "\(path).role", detail: "'\(other ?? "")' is not a known role")
            }
            request.messages.append(ChatMessage(role: role, content: try parts(item["content"], at: path)))
        case "function_call":
            let call = ContentPart.toolCall(ToolCall(id: item["call_id"]?.stringValue ?? "", name: item["name"]?.stringValue ?? "",
                                                     arguments: item["arguments"]?.stringValue ?? "{}"))
            appendToAssistant(call, in: &request)
        case "function_call_output":
            let output = item["output"]?.stringValue
                ?? (item["output"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
            request.messages.append(ChatMessage(role: .tool, content: [.toolResult(id: item["call_id"]?.stringValue ?? "",
                                                                                   content: output, isError: false)]))
        case "reasoning":
            let text = (item["summary"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n\n")
            appendToAssistant(.thinking(text: text, signature: nil), in: &request)
        case let other:
            if strict { throw TranslationError(parameter: path, detail: "is a '\(other ?? "untyped")' item with no equivalent") }
        }
    }

    /// Calls and reasoning join the assistant turn they follow, as one chat turn carries them.
    private static func appendToAssistant(_ part: ContentPart, in request: inout ChatRequest) {
        if let last = request.messages.indices.last, request.messages[last].role == .assistant {
            request.messages[last].content.append(part)
        } else {
            request.messages.append(ChatMessage(role: .assistant, content: [part]))
        }
    }

    private static func parts(_ content: JSONValue?, at path: String) throws(TranslationError) -> [ContentPart] {
        guard let content, content != .null else { return [] }
        if let text = content.stringValue { return text.isEmpty ? [] : [.text(text)] }
        var parts: [ContentPart] = []
        for part in content.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "input_text", "output_text", "text": parts.append(.text(part["text"]?.stringValue ?? ""))
            case "refusal": parts.append(.text(part["refusal"]?.stringValue ?? ""))
            case "input_image":
                guard let url = part["image_url"]?.stringValue else {
                    throw TranslationError(parameter: "\(path).content", detail: "has an image by file_id, which the provider cannot fetch")
                }
                parts.append(.image(url: url))
            case let other:
                throw TranslationError(parameter: "\(path).content", detail: "has a '\(other ?? "untyped")' part with no equivalent")
            }
        }
        return parts
    }

    // MARK: Answers

    /// The Responses id for a gateway request id (`req_X` → `resp_X`).
    public static func responseID(for requestID: String) -> String {
        "resp_" + (requestID.hasPrefix("req_") ? String(requestID.dropFirst(4)) : requestID)
    }

    /// A complete answer as a Responses client expects it: the output items, the status, the
    /// usage as the price book read it, and the request's settings echoed.
    public static func body(for response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue {
        let id = responseID(for: context.requestID)
        var output: [JSONValue] = []
        let (text, reasoning, toolCalls) = response.parts
        let calls = toolCalls.enumerated().map { index, call in
            functionCallItem(call, id: "fc_\(id.dropFirst(5))_\(index)", status: "completed")
        }
        if !reasoning.isEmpty { output.append(reasoningItem(id: "rs_\(id.dropFirst(5))", text: reasoning)) }
        if !text.isEmpty || calls.isEmpty { output.append(messageItem(id: "msg_\(id.dropFirst(5))", text: text, status: "completed")) }
        output += calls
        return responseObject(id: id, model: response.model, status: response.finishReason == .length ? "incomplete" : "completed",
                              output: output, usage: usage, context: context)
    }

    static func messageItem(id: String, text: String?, status: String) -> JSONValue {
        ["type": "message", "id": .string(id), "status": .string(status), "role": "assistant",
         "content": text.map { [["type": "output_text", "text": .string($0), "annotations": []]] } ?? []]
    }

    static func functionCallItem(_ call: ToolCall, id: String, status: String) -> JSONValue {
        ["type": "function_call", "id": .string(id), "call_id": .string(call.id), "name": .string(call.name),
         "arguments": .string(call.arguments), "status": .string(status)]
    }

    static func reasoningItem(id: String, text: String?) -> JSONValue {
        ["type": "reasoning", "id": .string(id), "summary": text.map { [["type": "summary_text", "text": .string($0)]] } ?? []]
    }

    /// The response object, with the request's settings echoed as OpenAI does.
    static func responseObject(id: String, model: String, status: String, output: [JSONValue], usage: TokenUsage?,
                               context: AnswerContext) -> JSONValue {
        let request = context.request
        func echoed(_ name: String, _ fallback: JSONValue = .null) -> JSONValue {
            guard let value = request[name], value != .null else { return fallback }
            return value
        }
        return [
            "id": .string(id), "object": "response", "created_at": .int(context.created), "status": .string(status),
            "error": .null,
            "incomplete_details": status == "incomplete" ? ["reason": "max_output_tokens"] : .null,
            "instructions": echoed("instructions"), "max_output_tokens": echoed("max_output_tokens"),
            "model": .string(model), "output": .array(output),
            "parallel_tool_calls": echoed("parallel_tool_calls", true),
            "previous_response_id": echoed("previous_response_id"),
            "reasoning": echoed("reasoning", ["effort": nil, "summary": nil]),
            "store": echoed("store", true), "temperature": echoed("temperature", 1), "text": echoed("text", ["format": ["type": "text"]]),
            "tool_choice": echoed("tool_choice", "auto"), "tools": echoed("tools", []), "top_p": echoed("top_p", 1),
            "truncation": echoed("truncation", "disabled"), "user": echoed("user"), "metadata": echoed("metadata", [:]),
            "usage": usage.map(usageObject) ?? .null,
        ]
    }

    /// Responses usage: input including cached, output including reasoning.
    public static func usageObject(_ usage: TokenUsage) -> JSONValue {
        let input = usage.totalInput
        let output = usage.totalOutput
        return [
            "input_tokens": .int(Int64(input)), "input_tokens_details": ["cached_tokens": .int(Int64(usage.cachedInput))],
            "output_tokens": .int(Int64(output)), "output_tokens_details": ["reasoning_tokens": .int(Int64(usage.reasoning))],
            "total_tokens": .int(Int64(input + output)),
        ]
    }
}

// MARK: Providers that speak Responses

extension ResponsesFormat {
    /// The request body for a provider that speaks Responses, from the chat form.
    public static func body(for request: ChatRequest, model: String) -> JSONValue {
        var input: [JSONValue] = []
        for message in request.messages {
            switch message.role {
            case .system, .developer, .user:
                var content: [JSONValue] = []
                for part in message.content {
                    switch part {
                    case .text(let text): content.append(["type": "input_text", "text": .string(text)])
                    case .image(let url): content.append(["type": "input_image", "image_url": .string(url)])
                    case .toolResult(let id, let output, _):
                        input.append(["type": "function_call_output", "call_id": .string(id), "output": .string(output)])
                    case .toolCall, .thinking: break
                    }
                }
                if !content.isEmpty { input.append(["type": "message", "role": .string(message.role.rawValue), "content": .array(content)]) }
            case .tool:
                for case .toolResult(let id, let output, _) in message.content {
                    input.append(["type": "function_call_output", "call_id": .string(id), "output": .string(output)])
                }
            case .assistant:
                let text = message.text
                if !text.isEmpty {
                    input.append(["type": "message", "role": "assistant", "content": [["type": "output_text", "text": .string(text)]]])
                }
                for call in message.toolCalls {
                    input.append(["type": "function_call", "call_id": .string(call.id), "name": .string(call.name),
                                  "arguments": .string(call.arguments)])
                }
            }
        }
        var body: JSONValue = ["model": .string(model), "input": .array(input), "store": false]
        if request.stream { body["stream"] = true }
        if let maxTokens = request.maxTokens { body["max_output_tokens"] = .int(Int64(maxTokens)) }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        if let topP = request.topP { body["top_p"] = .double(topP) }
        if let user = request.user { body["user"] = .string(user) }
        if let reasoning = request.reasoning { body["reasoning"] = ["effort": .string(reasoning.effort.rawValue)] }
        if let format = request.responseFormat {
            if format["type"] == "json_schema", case .object(var schema)? = format["json_schema"] {
                schema["type"] = "json_schema"
                body["text"] = ["format": .object(schema)]
            } else {
                body["text"] = ["format": ["type": "json_object"]]
            }
        }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map { tool in
                var definition: JSONValue = ["type": "function", "name": .string(tool.name), "parameters": tool.parameters]
                if let description = tool.description { definition["description"] = .string(description) }
                return definition
            })
        }
        switch request.toolChoice {
        case .auto: body["tool_choice"] = "auto"
        case .disabled: body["tool_choice"] = "none"
        case .required: body["tool_choice"] = "required"
        case .tool(let name): body["tool_choice"] = ["type": "function", "name": .string(name)]
        case nil: break
        }
        return body
    }

    /// A provider's complete response in the chat form.
    public static func response(from body: JSONValue) -> ChatResponse {
        var content: [ContentPart] = []
        var calls = false
        for item in body["output"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "reasoning":
                let text = (item["summary"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n\n")
                if !text.isEmpty { content.append(.thinking(text: text, signature: nil)) }
            case "message":
                for part in item["content"]?.arrayValue ?? [] {
                    if let text = part["text"]?.stringValue ?? part["refusal"]?.stringValue { content.append(.text(text)) }
                }
            case "function_call":
                calls = true
                content.append(.toolCall(ToolCall(id: item["call_id"]?.stringValue ?? "", name: item["name"]?.stringValue ?? "",
                                                  arguments: item["arguments"]?.stringValue ?? "{}")))
            default: break
            }
        }
        let finish: FinishReason = body["status"] == "incomplete" ? .length : calls ? .toolCalls : .stop
        return ChatResponse(id: body["id"]?.stringValue ?? "", model: body["model"]?.stringValue ?? "", content: content,
                            finishReason: finish, usage: usage(of: body))
    }

    /// Responses usage as the OpenAI family's report (the same counts under Chat Completions' names).
    public static func usage(of body: JSONValue) -> UsageReport? {
        guard let usage = body["usage"], case .object = usage else { return nil }
        let object: JSONValue = [
            "prompt_tokens": usage["input_tokens"] ?? 0, "completion_tokens": usage["output_tokens"] ?? 0,
            "total_tokens": usage["total_tokens"] ?? 0,
            "prompt_tokens_details": ["cached_tokens": usage["input_tokens_details"]?["cached_tokens"] ?? 0],
            "completion_tokens_details": ["reasoning_tokens": usage["output_tokens_details"]?["reasoning_tokens"] ?? 0],
        ]
        return UsageReport(shape: .openai, object: object)
    }
}
