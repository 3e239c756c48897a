/// Reading decimal fields that a file may write either as a string (`"0.28"`) or as a number
/// (`0.28`).
///
/// A number reaches a `Decoder` only as a `Double`; its shortest round-trip spelling
/// (`String(describing:)`) is the literal the author wrote for any price with up to 15
/// significant digits, so it is read back from that text, never used as a binary fraction.
enum DecimalField {
    static func decodeText(from decoder: any Decoder) throws -> String {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { return text }
        if let whole = try? container.decode(Int64.self) { return String(whole) }
        let number = try container.decode(Double.self)
        guard number.isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a finite number"))
        }
        return String(describing: number)
    }
}
