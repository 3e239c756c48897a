/// A tool (function) the model may call.
public struct ToolDefinition: Sendable, Hashable {
    /// The function name.
    public var name: String
    /// What the function does, as shown to the model.
    public var description: String?
    /// The JSON Schema of the parameters, as JSON text.
    public var parameters: String?

    /// A tool with an optional description and JSON Schema.
    public init(name: String, description: String? = nil, parameters: String? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}
