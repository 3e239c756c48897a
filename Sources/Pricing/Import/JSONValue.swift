/// A JSON document that keeps each number's text, so a price such as `2.8e-07` is read as the
/// decimal it spells, not as the nearest binary fraction.
public indirect enum JSONValue: Hashable, Sendable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// The number exactly as written.
    case number(String)
    case bool(Bool)
    case null

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A number (or a string holding one, as some price files write) as an exact decimal.
    public var decimalValue: ExactDecimal? {
        switch self {
        case .number(let text), .string(let text): ExactDecimal(text)
        default: nil
        }
    }

    /// A whole number, also from a number written with a zero fraction (`256000.0`).
    public var intValue: Int? {
        guard let decimal = decimalValue, let (value, isExact) = decimal.scaled(byPowerOfTen: 0), isExact else {
            return nil
        }
        return Int(exactly: value)
    }

    /// Parses a JSON text.
    public init(parsing bytes: some Collection<UInt8>) throws(PricingError) {
        var parser = JSONTextParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }
}
