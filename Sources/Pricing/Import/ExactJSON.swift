/// A JSON document (for importing price files) that keeps each number's text, so a price such as `2.8e-07` is read as the
/// decimal it spells, not as the nearest binary fraction.
indirect enum ExactJSON: Hashable, Sendable {
    case object([String: ExactJSON])
    case array([ExactJSON])
    case string(String)
    /// The number exactly as written.
    case number(String)
    case bool(Bool)
    case null

    subscript(key: String) -> ExactJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var objectValue: [String: ExactJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var arrayValue: [ExactJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A number (or a string holding one, as some price files write) as an exact decimal.
    var decimalValue: ExactDecimal? {
        switch self {
        case .number(let text), .string(let text): ExactDecimal(text)
        default: nil
        }
    }

    /// A whole number, also from a number written with a zero fraction (`256000.0`).
    var intValue: Int? {
        guard let decimal = decimalValue, let (value, isExact) = decimal.scaled(byPowerOfTen: 0), isExact else {
            return nil
        }
        return Int(exactly: value)
    }

    /// Parses a JSON text.
    init(parsing bytes: some Collection<UInt8>) throws(PricingError) {
        var parser = JSONTextParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }
}
