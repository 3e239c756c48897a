import TollgateCore

/// The token cost of OpenAI function definitions, by the approximation OpenAI's cookbook
/// ("How to count tokens with tiktoken", `num_tokens_from_tools`) gives: fixed costs per
/// function, property and enum item, plus the encoded `name:description` and
/// `property:type:description` lines. OpenAI documents no exact rule.
struct OpenAIToolTokens {
    let encoding: Encoding

    func count(_ tools: [ToolDefinition]) -> Int {
        // The cookbook's constants: gpt-4o family (o200k) and gpt-4 / gpt-3.5 (cl100k).
        let functionStart = encoding.name == .o200kBase ? 7 : 10
        let propertiesStart = 3
        let propertyKey = 3
        let enumStart = -3
        let enumItem = 3
        let functionsEnd = 12
        var total = 0
        for tool in tools {
            total += functionStart
            total += encoding.count(Self.trimmingFinalPeriod("\(tool.name):\(tool.description ?? "")"))
            guard let properties = Self.properties(of: tool), !properties.isEmpty else { continue }
            total += propertiesStart
            for (key, property) in properties {
                total += propertyKey
                if let values = property["enum"]?.arrayValue {
                    total += enumStart
                    for value in values { total += enumItem + encoding.count(value.stringValue ?? value.jsonText) }
                }
                let type = property["type"]?.stringValue ?? ""
                let description = Self.trimmingFinalPeriod(property["description"]?.stringValue ?? "")
                total += encoding.count("\(key):\(type):\(description)")
            }
        }
        return total + functionsEnd
    }

    private static func trimmingFinalPeriod(_ text: String) -> String {
        text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    /// The schema's `properties`, in the order the schema gives them.
    private static func properties(of tool: ToolDefinition) -> [(String, JSONValue)]? {
        guard case .object(let properties)? = tool.parameters["properties"] else { return nil }
        return properties.map { ($0.key, $0.value) }
    }
}
