import TollgateCore

/// A price per 1,000,000 tokens, in nano-units of the model's currency.
///
/// Written in files as a decimal of currency units per million tokens (`"0.28"` is
/// 280,000,000 nano-units), the way providers publish prices.
public struct RatePerMillion: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// Nano-units of the currency per 1,000,000 tokens.
    public var nanos: Int64

    public init(nanos: Int64) {
        self.nanos = nanos
    }

    public static let zero = RatePerMillion(nanos: 0)

    /// Reads currency units per million tokens, such as `"0.28"` or `"15"`, exactly.
    ///
    /// - Returns: `nil` when the text is not a non-negative decimal with at most nine
    ///   fractional digits.
    public init?(unitsPerMillion text: String) {
        guard let decimal = ExactDecimal(text), decimal.significand >= 0,
              let (value, isExact) = decimal.scaled(byPowerOfTen: 9), isExact,
              let nanos = Int64(exactly: value) else { return nil }
        self.nanos = nanos
    }

    /// Converts a price per single token (LiteLLM's unit, e.g. `1.5e-06`) exactly when it can.
    ///
    /// - Returns: the rate, and whether it was exact; a per-token price with more precision
    ///   than a nano-unit per million tokens is rounded half to even. `nil` when negative or
    ///   out of range.
    public static func fromUnitsPerToken(_ decimal: ExactDecimal) -> (rate: RatePerMillion, isExact: Bool)? {
        guard decimal.significand >= 0, let (value, isExact) = decimal.scaled(byPowerOfTen: 15),
              let nanos = Int64(exactly: value) else { return nil }
        return (RatePerMillion(nanos: nanos), isExact)
    }

    /// Currency units per million tokens, such as `0.280000000`.
    public var description: String { Money(nanos: nanos, currency: .usd).decimalString }

    /// The shortest decimal spelling, such as `0.28`, used in files.
    public var shortDecimal: String {
        var text = description
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    public static func < (lhs: RatePerMillion, rhs: RatePerMillion) -> Bool { lhs.nanos < rhs.nanos }

    public init(from decoder: any Decoder) throws {
        let text = try DecimalField.decodeText(from: decoder)
        guard let rate = RatePerMillion(unitsPerMillion: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a price per 1M tokens (a non-negative decimal, at most 9 fractional digits)"))
        }
        self = rate
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(shortDecimal)
    }
}
