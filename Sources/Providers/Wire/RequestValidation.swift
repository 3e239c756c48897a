import TollgateCore

/// The largest `max_tokens` accepted: beyond any model's output, and small enough that a
/// request's worst case is always priced.
public let maxOutputTokensLimit = 16_777_216

/// Each format's check of every field it defines: a request that passes is one a provider can take
/// as sent, and what is reserved for it is what is forwarded.
extension RequestValidation {
    /// The model a request names, and its messages, checked as both formats require.
    static func common(_ body: JSONValue) throws(RequestError) -> (model: String, messages: [JSONValue]) {
        guard body.objectValue != nil else { throw RequestError("The request body must be a JSON object.") }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw RequestError("'model' is required and must be a string.", param: "model")
        }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw RequestError("'messages' must be a non-empty array.", param: "messages")
        }
        return (model, messages)
    }
}

/// The checks, field by field.
struct RequestValidation {
    let body: JSONValue

    func openAI(_ messages: [JSONValue]) throws(RequestError) {
        let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]
        for (index, message) in messages.enumerated() {
            let path = "messages[\(index)]"
            guard message.objectValue != nil else { throw RequestError("\(path) must be an object.", param: path) }
            guard let role = message["role"]?.stringValue, roles.contains(role) else {
                throw RequestError("\(path).role must be one of: \(roles.sorted().joined(separator: ", ")).", param: "\(path).role")
            }
            let content = message["content"]
            let mayBeEmpty = role == "assistant" && (message["tool_calls"] != nil || message["function_call"] != nil)
            switch content {
            case .string?:
                break
            case .array(let parts)?:
                for (partIndex, part) in parts.enumerated() where part["type"]?.stringValue == nil {
                    throw RequestError("\(path).content[\(partIndex)] must be an object with a 'type'.", param: "\(path).content")
                }
            case .null?, nil:
                guard mayBeEmpty || role == "assistant" else {
                    throw RequestError("\(path).content is required for role '\(role)'.", param: "\(path).content")
                }
            default:
                throw RequestError("\(path).content must be a string or an array of content parts.", param: "\(path).content")
            }
            if role == "tool", message["tool_call_id"]?.stringValue == nil {
                throw RequestError("\(path).tool_call_id is required for role 'tool'.", param: "\(path).tool_call_id")
            }
            if let calls = message["tool_calls"], !calls.isNull {
                guard let list = calls.arrayValue, list.allSatisfy({ $0["function"]?["name"]?.stringValue != nil }) else {
                    throw RequestError("\(path).tool_calls must be an array of function calls with names.", param: "\(path).tool_calls")
                }
            }
        }
        try integer("max_tokens", 1...maxOutputTokensLimit)
        try integer("max_completion_tokens", 1...maxOutputTokensLimit)
        try integer("n", 1...128)
        try number("temperature", 0...2)
        try number("top_p", 0...1)
        try number("presence_penalty", -2...2)
        try number("frequency_penalty", -2...2)
        try boolean("stream")
        try boolean("logprobs")
        try boolean("parallel_tool_calls")
        try integer("top_logprobs", 0...20)
        try integer("seed", Int.min...Int.max)
        try string("user")
        try object("metadata")
        try object("logit_bias")
        if let options = present("stream_options") {
            guard options.objectValue != nil, options["include_usage"].map({ $0.boolValue != nil || $0.isNull }) ?? true else {
                throw RequestError("'stream_options' must be an object whose 'include_usage' is a boolean.", param: "stream_options")
            }
        }
        if let stop = present("stop") {
            let valid = stop.stringValue != nil || (stop.arrayValue.map { $0.count <= 4 && $0.allSatisfy { $0.stringValue != nil } } ?? false)
            guard valid else { throw RequestError("'stop' must be a string or an array of at most 4 strings.", param: "stop") }
        }
        if let tools = present("tools") {
            guard let list = tools.arrayValue,
                  list.allSatisfy({ $0["type"]?.stringValue == "function" && $0["function"]?["name"]?.stringValue != nil }) else {
                throw RequestError("'tools' must be an array of {\"type\": \"function\", \"function\": {\"name\": …}}.", param: "tools")
            }
        }
        try openAIToolChoice()
        if let format = present("response_format") {
            guard let type = format["type"]?.stringValue, ["text", "json_object", "json_schema"].contains(type) else {
                throw RequestError("'response_format.type' must be 'text', 'json_object' or 'json_schema'.", param: "response_format")
            }
        }
        if let effort = present("reasoning_effort") {
            guard let text = effort.stringValue, ["none", "minimal", "low", "medium", "high", "xhigh"].contains(text) else {
                throw RequestError("'reasoning_effort' must be one of: none, minimal, low, medium, high, xhigh.", param: "reasoning_effort")
            }
        }
    }

    func anthropic(_ messages: [JSONValue]) throws(RequestError) {
        guard present("max_tokens") != nil else {
            throw RequestError("'max_tokens' is required and must be a positive integer.", param: "max_tokens")
        }
        try integer("max_tokens", 1...maxOutputTokensLimit)
        for (index, message) in messages.enumerated() {
            let path = "messages.\(index)"
            guard message.objectValue != nil else { throw RequestError("\(path) must be an object.", param: path) }
            guard let role = message["role"]?.stringValue, role == "user" || role == "assistant" else {
                throw RequestError("\(path).role must be 'user' or 'assistant'.", param: "messages")
            }
            switch message["content"] {
            case .string?:
                break
            case .array(let blocks)?:
                for (blockIndex, block) in blocks.enumerated() where block["type"]?.stringValue == nil {
                    throw RequestError("\(path).content.\(blockIndex) must be an object with a 'type'.", param: "\(path).content")
                }
            default:
                throw RequestError("\(path).content must be a string or an array of content blocks.", param: "\(path).content")
            }
        }
        if let system = present("system") {
            let valid = system.stringValue != nil || (system.arrayValue?.allSatisfy { $0["type"]?.stringValue != nil } ?? false)
            guard valid else { throw RequestError("'system' must be a string or an array of text blocks.", param: "system") }
        }
        try number("temperature", 0...1)
        try number("top_p", 0...1)
        try integer("top_k", 0...Int(Int32.max))
        try boolean("stream")
        try object("metadata")
        if let stop = present("stop_sequences") {
            guard stop.arrayValue?.allSatisfy({ $0.stringValue != nil }) ?? false else {
                throw RequestError("'stop_sequences' must be an array of strings.", param: "stop_sequences")
            }
        }
        if let tools = present("tools") {
            guard let list = tools.arrayValue, list.allSatisfy({ $0["name"]?.stringValue != nil }) else {
                throw RequestError("'tools' must be an array of tools with names.", param: "tools")
            }
        }
        if let choice = present("tool_choice") {
            guard let type = choice["type"]?.stringValue, ["auto", "any", "tool", "none"].contains(type) else {
                throw RequestError("'tool_choice.type' must be 'auto', 'any', 'tool' or 'none'.", param: "tool_choice")
            }
        }
        if let thinking = present("thinking") {
            guard let type = thinking["type"]?.stringValue, ["enabled", "disabled", "adaptive"].contains(type) else {
                throw RequestError("'thinking.type' must be 'enabled', 'disabled' or 'adaptive'.", param: "thinking")
            }
            if type == "enabled" {
                guard let budget = thinking["budget_tokens"], case .int(let tokens) = budget, tokens >= 1024,
                      tokens <= Int64(maxOutputTokensLimit) else {
                    throw RequestError("'thinking.budget_tokens' must be an integer of at least 1024.", param: "thinking.budget_tokens")
                }
            }
        }
    }

    /// OpenAI's `tool_choice` (Chat Completions and Responses): a mode or an object with a type.
    private func openAIToolChoice() throws(RequestError) {
        guard let choice = present("tool_choice") else { return }
        let valid = ["none", "auto", "required"].contains(choice.stringValue ?? "")
            || (choice.objectValue != nil && choice["type"]?.stringValue != nil)
        guard valid else { throw RequestError("'tool_choice' must be 'none', 'auto', 'required' or an object.", param: "tool_choice") }
    }

    /// The field when it is present and not null (null means "not set" in both formats).
    private func present(_ name: String) -> JSONValue? {
        guard let value = body[name], !value.isNull else { return nil }
        return value
    }

    /// A JSON integer (not a string, a boolean or a fraction) within `range`.
    private func integer(_ name: String, _ range: ClosedRange<Int>) throws(RequestError) {
        guard let value = present(name) else { return }
        guard case .int(let number) = value, let exact = Int(exactly: number), range.contains(exact) else {
            let bounds = range.upperBound == Int.max ? "an integer" : "an integer from \(range.lowerBound) to \(range.upperBound)"
            throw RequestError("'\(name)' must be \(bounds).", param: name)
        }
    }

    private func number(_ name: String, _ range: ClosedRange<Double>) throws(RequestError) {
        guard let value = present(name) else { return }
        let number: Double? = switch value {
        case .int(let int): Double(int)
        case .double(let double): double
        default: nil
        }
        guard let number, number.isFinite, range.contains(number) else {
            throw RequestError("'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound).", param: name)
        }
    }

    private func boolean(_ name: String) throws(RequestError) {
        guard let value = present(name) else { return }
        guard value.boolValue != nil else { throw RequestError("'\(name)' must be a boolean.", param: name) }
    }

    private func string(_ name: String) throws(RequestError) {
        guard let value = present(name) else { return }
        guard value.stringValue != nil else { throw RequestError("'\(name)' must be a string.", param: name) }
    }

    private func object(_ name: String) throws(RequestError) {
        guard let value = present(name) else { return }
        guard value.objectValue != nil else { throw RequestError("'\(name)' must be an object.", param: name) }
    }
}

extension RequestValidation {
    /// The Responses API: `input` as text or items, and the request's settings.
    func responses() throws(RequestError) {
        guard body.objectValue != nil else { throw RequestError("The request body must be a JSON object.") }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw RequestError("'model' is required and must be a string.", param: "model")
        }
        switch body["input"] {
        case .string?: break
        case .array(let items)?:
            let roles: Set<String> = ["user", "assistant", "system", "developer"]
            for (index, item) in items.enumerated() {
                let path = "input[\(index)]"
                guard item.objectValue != nil else { throw RequestError("\(path) must be an object.", param: path) }
                switch item["type"]?.stringValue ?? (item["role"] != nil ? "message" : "") {
                case "message":
                    guard let role = item["role"]?.stringValue, roles.contains(role) else {
                        throw RequestError("\(path).role must be one of: \(roles.sorted().joined(separator: ", ")).", param: "\(path).role")
                    }
                    let content = item["content"]
                    let valid = content?.stringValue != nil
                        || (content?.arrayValue.map { $0.allSatisfy { $0["type"]?.stringValue != nil } } ?? false)
                    guard valid else {
                        throw RequestError("\(path).content must be a string or an array of typed parts.", param: "\(path).content")
                    }
                case "function_call":
                    guard item["call_id"]?.stringValue != nil, item["name"]?.stringValue != nil, item["arguments"]?.stringValue != nil else {
                        throw RequestError("\(path) needs 'call_id', 'name' and 'arguments' strings.", param: path)
                    }
                case "function_call_output":
                    guard item["call_id"]?.stringValue != nil, item["output"] != nil else {
                        throw RequestError("\(path) needs a 'call_id' and an 'output'.", param: path)
                    }
                case "reasoning", "item_reference":
                    break
                case let other:
                    throw RequestError("\(path).type '\(other)' is not a known input item.", param: "\(path).type")
                }
            }
        default:
            throw RequestError("'input' is required and must be a string or an array of items.", param: "input")
        }
        try integer("max_output_tokens", 1...maxOutputTokensLimit)
        try number("temperature", 0...2)
        try number("top_p", 0...1)
        try boolean("stream")
        try boolean("store")
        try boolean("parallel_tool_calls")
        try string("instructions")
        try string("previous_response_id")
        try string("user")
        try object("metadata")
        if let tools = present("tools") {
            guard let list = tools.arrayValue, list.allSatisfy({ tool in
                guard let type = tool["type"]?.stringValue else { return false }
                return type != "function" || tool["name"]?.stringValue != nil
            }) else {
                throw RequestError("'tools' must be an array of tools, function tools with a 'name'.", param: "tools")
            }
        }
        try openAIToolChoice()
        if let reasoning = present("reasoning") {
            guard reasoning.objectValue != nil else { throw RequestError("'reasoning' must be an object.", param: "reasoning") }
            if let effort = reasoning["effort"], !effort.isNull {
                guard let text = effort.stringValue, ["none", "minimal", "low", "medium", "high", "xhigh"].contains(text) else {
                    throw RequestError("'reasoning.effort' must be one of: none, minimal, low, medium, high, xhigh.", param: "reasoning.effort")
                }
            }
        }
        if let format = present("text")?["format"], !format.isNull {
            guard let type = format["type"]?.stringValue, ["text", "json_object", "json_schema"].contains(type) else {
                throw RequestError("'text.format.type' must be 'text', 'json_object' or 'json_schema'.", param: "text.format")
            }
        }
    }
}

extension RequestValidation {
    /// Embeddings: `input` as text, texts, one token array or token arrays, none empty.
    func embeddings() throws(RequestError) {
        guard body.objectValue != nil else { throw RequestError("The request body must be a JSON object.") }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw RequestError("'model' is required and must be a string.", param: "model")
        }
        let valid: Bool = switch body["input"] {
        case .string(let text)?: !text.isEmpty
        case .array(let items)?:
            !items.isEmpty && (items.allSatisfy { ($0.stringValue.map { !$0.isEmpty }) ?? false }
                || items.allSatisfy { $0.intValue.map { $0 >= 0 } ?? false }
                || items.allSatisfy { item in item.arrayValue.map { !$0.isEmpty && $0.allSatisfy { ($0.intValue ?? -1) >= 0 } } ?? false })
        default: false
        }
        guard valid else {
            throw RequestError("'input' must be a non-empty string, an array of non-empty strings, or token arrays.", param: "input")
        }
        if body["input"]?.arrayValue.map({ $0.count > 2048 }) ?? false {
            throw RequestError("'input' may hold at most 2048 items.", param: "input")
        }
        if let format = present("encoding_format") {
            guard let text = format.stringValue, ["float", "base64"].contains(text) else {
                throw RequestError("'encoding_format' must be 'float' or 'base64'.", param: "encoding_format")
            }
        }
        try integer("dimensions", 1...65_536)
        try string("user")
        if present("stream") != nil { throw RequestError("Embeddings are not streamed.", param: "stream") }
    }
}
