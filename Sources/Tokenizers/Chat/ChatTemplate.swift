import TollgateCore

/// Chat templates rendered to the text the model's server tokenizes.
enum ChatTemplate {
    /// Qwen's ChatML (the Qwen2.5 / Qwen3 `tokenizer_config.json` template, without Qwen2.5's
    /// default system prompt; tool results as `<tool_response>` in a user turn).
    static func qwen(_ messages: [ChatTurn], tools: [ToolDefinition]) -> String {
        var out = ""
        var remaining = messages[...]
        let leadingSystem = remaining.first.flatMap { [.system, .developer].contains($0.role) ? $0.text : nil }
        if leadingSystem != nil { remaining = remaining.dropFirst() }
        if !tools.isEmpty {
            out += "<|im_start|>system\n" + (leadingSystem.map { $0 + "\n\n" } ?? "")
            out += "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            out += "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
            for tool in tools { out += "\n" + toolJSON(tool) }
            out += "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
            out += "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
        } else if let leadingSystem {
            out += "<|im_start|>system\n\(leadingSystem)<|im_end|>\n"
        }
        var index = remaining.startIndex
        while index < remaining.endIndex {
            let message = remaining[index]
            switch message.role {
            case .tool:
                // Consecutive tool results share one user turn.
                out += "<|im_start|>user"
                while index < remaining.endIndex, remaining[index].role == .tool {
                    out += "\n<tool_response>\n\(remaining[index].text)\n</tool_response>"
                    index += 1
                }
                out += "<|im_end|>\n"
                continue
            case .assistant:
                out += "<|im_start|>assistant\n\(message.text)"
                for (n, call) in message.toolCalls.enumerated() {
                    out += (n == 0 && message.text.isEmpty ? "" : "\n")
                    out += "<tool_call>\n{\"name\": \"\(call.name)\", \"arguments\": \(call.arguments)}\n</tool_call>"
                }
                out += "<|im_end|>\n"
            default:
                out += "<|im_start|>\(message.role == .developer ? "system" : message.role.rawValue)\n\(message.text)<|im_end|>\n"
            }
            index += 1
        }
        return out + "<|im_start|>assistant\n"
    }

    /// DeepSeek-V3's template (`tokenizer_config.json` of deepseek-ai/DeepSeek-V3), with the
    /// generation prompt. Tool definitions go to the end of the system prompt as JSON.
    static func deepSeek(_ messages: [ChatTurn], tools: [ToolDefinition]) -> String {
        var system = messages.filter { $0.role == .system || $0.role == .developer }.map(\.text).joined(separator: "\n\n")
        if !tools.isEmpty {
            system += (system.isEmpty ? "" : "\n\n") + "## Tools\n" + tools.map(toolJSON).joined(separator: "\n")
        }
        var out = "<｜begin▁of▁sentence｜>" + system
        var inToolOutputs = false
        for message in messages where message.role != .system && message.role != .developer {
            if message.role != .tool && inToolOutputs {
                out += "<｜tool▁outputs▁end｜>"
                inToolOutputs = false
            }
            switch message.role {
            case .user:
                out += "<｜User｜>" + message.text
            case .assistant where !message.toolCalls.isEmpty:
                out += "<｜Assistant｜>" + message.text + "<｜tool▁calls▁begin｜>"
                out += message.toolCalls.map { call in
                    "<｜tool▁call▁begin｜>function<｜tool▁sep｜>\(call.name)\n```json\n\(call.arguments)\n```<｜tool▁call▁end｜>"
                }.joined(separator: "\n")
                out += "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>"
            case .assistant:
                out += "<｜Assistant｜>" + message.text + "<｜end▁of▁sentence｜>"
            case .tool:
                out += inToolOutputs ? "\n<｜tool▁output▁begin｜>" : "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>"
                out += message.text + "<｜tool▁output▁end｜>"
                inToolOutputs = true
            case .system, .developer:
                break
            }
        }
        if inToolOutputs { out += "<｜tool▁outputs▁end｜>" }
        return out + "<｜Assistant｜>"
    }

    /// The Human/Assistant prompt of Claude 1/2-era models; system text first, tools as JSON.
    static func legacyClaude(_ messages: [ChatTurn], tools: [ToolDefinition]) -> String {
        var out = messages.filter { $0.role == .system || $0.role == .developer }.map(\.text).joined(separator: "\n\n")
        if !tools.isEmpty { out += "\n\n" + tools.map(toolJSON).joined(separator: "\n") }
        for message in messages where message.role != .system && message.role != .developer {
            let speaker = message.role == .assistant ? "Assistant" : "Human"
            out += "\n\n\(speaker): " + message.text
            for call in message.toolCalls { out += "\n{\"name\": \"\(call.name)\", \"input\": \(call.arguments)}" }
        }
        return out + "\n\nAssistant:"
    }

    /// A tool in the OpenAI function format, as Qwen's template prints it (`tojson`).
    static func toolJSON(_ tool: ToolDefinition) -> String {
        var function = "{\"name\": \(jsonString(tool.name))"
        if let description = tool.description { function += ", \"description\": \(jsonString(description))" }
        function += ", \"parameters\": \(tool.parameters.jsonText)"
        return "{\"type\": \"function\", \"function\": \(function)}}"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
