import Providers

/// Admission's check of every field the client's format defines: a request that passes is one the
/// provider can take as sent, and what is reserved for it is what is forwarded. A request that
/// fails gets a 400 naming the parameter; nothing is reserved and nothing is sent.
extension ClientFormat {
    /// The largest `max_tokens` accepted: beyond any model's output, and small enough that the
    /// worst case is always priced.
    static let maxOutputTokensLimit = 16_777_216

    /// Checks the request and returns the model it names.
    func validate(_ body: JSONValue) throws(GatewayError) -> String {
        guard body.objectValue != nil else { throw .badRequest("The request body must be a JSON object.") }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw .badRequest("'model' is required and must be a string.", param: "model")
        }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw .badRequest("'messages' must be a non-empty array.", param: "messages")
        }
        let check = FieldCheck(body: body)
        switch self {
        case .openai: try check.openAI(messages)
        case .anthropic: try check.anthropic(messages)
        }
        return model
    }
}

/// The checks, field by field.
private struct FieldCheck {
    let body: JSONValue

    func openAI(_ messages: [JSONValue]) throws(GatewayError) {
        let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]
        for (index, message) in messages.enumerated() {
            let path = "messages[\(index)]"
            guard message.objectValue != nil else { throw .badRequest("\(path) must be an object.", param: path) }
            guard let role = message["role"]?.stringValue, roles.contains(role) else {
                throw .badRequest("\(path).role must be one of: \(roles.sorted().joined(separator: ", ")).", param: "\(path).role")
            }
            let content = message["content"]
            let mayBeEmpty = role == "assistant" && (message["tool_calls"] != nil || message["function_call"] != nil)
            switch content {
            case .string?:
                break
            case .array(let parts)?:
                for (partIndex, part) in parts.enumerated() where part["type"]?.stringValue == nil {
                    throw .badRequest("\(path).content[\(partIndex)] must be an object with a 'type'.", param: "\(path).content")
                }
            case .null?, nil:
                guard mayBeEmpty || role == "assistant" else {
                    throw .badRequest("\(path).content is required for role '\(role)'.", param: "\(path).content")
                }
            default:
                throw .badRequest("\(path).content must be a string or an array of content parts.", param: "\(path).content")
            }
            if role == "tool", message["tool_call_id"]?.stringValue == nil {
                throw .badRequest("\(path).tool_call_id is required for role 'tool'.", param: "\(path).tool_call_id")
            }
            if let calls = message["tool_calls"], !calls.isNull {
                guard let list = calls.arrayValue, list.allSatisfy({ $0["function"]?["name"]?.stringValue != nil }) else {
                    throw .badRequest("\(path).tool_calls must be an array of function calls with names.", param: "\(path).tool_calls")
                }
            }
        }
        try integer("max_tokens", 1...ClientFormat.maxOutputTokensLimit)
        try integer("max_completion_tokens", 1...ClientFormat.maxOutputTokensLimit)
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
                throw .badRequest("'stream_options' must be an object whose 'include_usage' is a boolean.", param: "stream_options")
            }
        }
        if let stop = present("stop") {
            let valid = stop.stringValue != nil || (stop.arrayValue.map { $0.count <= 4 && $0.allSatisfy { $0.stringValue != nil } } ?? false)
            guard valid else { throw .badRequest("'stop' must be a string or an array of at most 4 strings.", param: "stop") }
        }
        if let tools = present("tools") {
            guard let list = tools.arrayValue,
                  list.allSatisfy({ $0["type"]?.stringValue == "function" && $0["function"]?["name"]?.stringValue != nil }) else {
                throw .badRequest("'tools' must be an array of {\"type\": \"function\", \"function\": {\"name\": …}}.", param: "tools")
            }
        }
        if let choice = present("tool_choice") {
            let valid = ["none", "auto", "required"].contains(choice.stringValue ?? "")
                || (choice.objectValue != nil && choice["type"]?.stringValue != nil)
            guard valid else { throw .badRequest("'tool_choice' must be 'none', 'auto', 'required' or an object.", param: "tool_choice") }
        }
        if let format = present("response_format") {
            guard let type = format["type"]?.stringValue, ["text", "json_object", "json_schema"].contains(type) else {
                throw .badRequest("'response_format.type' must be 'text', 'json_object' or 'json_schema'.", param: "response_format")
            }
        }
        if let effort = present("reasoning_effort") {
            guard let text = effort.stringValue, ["none", "minimal", "low", "medium", "high", "xhigh"].contains(text) else {
                throw .badRequest("'reasoning_effort' must be one of: none, minimal, low, medium, high, xhigh.", param: "reasoning_effort")
            }
        }
    }

    func anthropic(_ messages: [JSONValue]) throws(GatewayError) {
        guard present("max_tokens") != nil else {
            throw .badRequest("'max_tokens' is required and must be a positive integer.", param: "max_tokens")
        }
        try integer("max_tokens", 1...ClientFormat.maxOutputTokensLimit)
        for (index, message) in messages.enumerated() {
            let path = "messages.\(index)"
            guard message.objectValue != nil else { throw .badRequest("\(path) must be an object.", param: path) }
            guard let role = message["role"]?.stringValue, role == "user" || role == "assistant" else {
                throw .badRequest("\(path).role must be 'user' or 'assistant'.", param: "messages")
            }
            switch message["content"] {
            case .string?:
                break
            case .array(let blocks)?:
                for (blockIndex, block) in blocks.enumerated() where block["type"]?.stringValue == nil {
                    throw .badRequest("\(path).content.\(blockIndex) must be an object with a 'type'.", param: "\(path).content")
                }
            default:
                throw .badRequest("\(path).content must be a string or an array of content blocks.", param: "\(path).content")
            }
        }
        if let system = present("system") {
            let valid = system.stringValue != nil || (system.arrayValue?.allSatisfy { $0["type"]?.stringValue != nil } ?? false)
            guard valid else { throw .badRequest("'system' must be a string or an array of text blocks.", param: "system") }
        }
        try number("temperature", 0...1)
        try number("top_p", 0...1)
        try integer("top_k", 0...Int(Int32.max))
        try boolean("stream")
        try object("metadata")
        if let stop = present("stop_sequences") {
            guard stop.arrayValue?.allSatisfy({ $0.stringValue != nil }) ?? false else {
                throw .badRequest("'stop_sequences' must be an array of strings.", param: "stop_sequences")
            }
        }
        if let tools = present("tools") {
            guard let list = tools.arrayValue, list.allSatisfy({ $0["name"]?.stringValue != nil }) else {
                throw .badRequest("'tools' must be an array of tools with names.", param: "tools")
            }
        }
        if let choice = present("tool_choice") {
            guard let type = choice["type"]?.stringValue, ["auto", "any", "tool", "none"].contains(type) else {
                throw .badRequest("'tool_choice.type' must be 'auto', 'any', 'tool' or 'none'.", param: "tool_choice")
            }
        }
        if let thinking = present("thinking") {
            guard let type = thinking["type"]?.stringValue, ["enabled", "disabled", "adaptive"].contains(type) else {
                throw .badRequest("'thinking.type' must be 'enabled', 'disabled' or 'adaptive'.", param: "thinking")
            }
            if type == "enabled" {
                guard let budget = thinking["budget_tokens"], case .int(let tokens) = budget, tokens >= 1024,
                      tokens <= Int64(ClientFormat.maxOutputTokensLimit) else {
                    throw .badRequest("'thinking.budget_tokens' must be an integer of at least 1024.", param: "thinking.budget_tokens")
                }
            }
        }
    }

    /// The field when it is present and not null (null means "not set" in both formats).
    private func present(_ name: String) -> JSONValue? {
        guard let value = body[name], !value.isNull else { return nil }
        return value
    }

    /// A JSON integer (not a string, a boolean or a fraction) within `range`.
    private func integer(_ name: String, _ range: ClosedRange<Int>) throws(GatewayError) {
        guard let value = present(name) else { return }
        guard case .int(let number) = value, let exact = Int(exactly: number), range.contains(exact) else {
            let bounds = range.upperBound == Int.max ? "an integer" : "an integer from \(range.lowerBound) to \(range.upperBound)"
            throw .badRequest("'\(name)' must be \(bounds).", param: name)
        }
    }

    private func number(_ name: String, _ range: ClosedRange<Double>) throws(GatewayError) {
        guard let value = present(name) else { return }
        let number: Double? = switch value {
        case .int(let int): Double(int)
        case .double(let double): double
        default: nil
        }
        guard let number, number.isFinite, range.contains(number) else {
            throw .badRequest("'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound).", param: name)
        }
    }

    private func boolean(_ name: String) throws(GatewayError) {
        guard let value = present(name) else { return }
        guard value.boolValue != nil else { throw .badRequest("'\(name)' must be a boolean.", param: name) }
    }

    private func string(_ name: String) throws(GatewayError) {
        guard let value = present(name) else { return }
        guard value.stringValue != nil else { throw .badRequest("'\(name)' must be a string.", param: name) }
    }

    private func object(_ name: String) throws(GatewayError) {
        guard let value = present(name) else { return }
        guard value.objectValue != nil else { throw .badRequest("'\(name)' must be an object.", param: name) }
    }
}
