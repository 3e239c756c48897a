/// An exact non-negative fraction, used for discounts and surcharges such as a batch price of
/// `0.5` or an off-peak price of `0.25` of the standard one.
///
/// Kept as a fraction, not a `Double`, so a multiplier joins the request's single rounding.
public struct Ratio: Hashable, Sendable, Codable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    /// A fraction in lowest terms. `denominator` must be positive and `numerator` non-negative.
    public init(_ numerator: Int64, _ denominator: Int64) {
        precondition(denominator > 0 && numerator >= 0, "a ratio is non-negative with a positive denominator")
        let divisor = Ratio.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    public static let one = Ratio(1, 1)

    /// Reads a decimal such as `"0.5"`, `"1.75"` or `"5e-1"`; `nil` when negative or too precise.
    public init?(decimal text: String) {
        guard let decimal = ExactDecimal(text), decimal.significand >= 0 else { return nil }
        if decimal.exponent >= 0 {
            guard let (value, _) = decimal.scaled(byPowerOfTen: 0), let whole = Int64(exactly: value) else { return nil }
            self.init(whole, 1)
        } else {
            guard decimal.exponent >= -12, let numerator = Int64(exactly: decimal.significand) else { return nil }
            var denominator: Int64 = 1
            for _ in 0 ..< -decimal.exponent { denominator *= 10 }
            self.init(numerator, denominator)
        }
    }

    /// Reads `n/d`, the form `description` gives a fraction with no finite decimal.
    public init?(fraction text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let numerator = Int64(parts[0]), let denominator = Int64(parts[1]),
              numerator >= 0, denominator > 0 else { return nil }
        self.init(numerator, denominator)
    }

    /// The product of two ratios, in lowest terms.
    public static func * (lhs: Ratio, rhs: Ratio) -> Ratio {
        let a = gcd(lhs.numerator, rhs.denominator), b = gcd(rhs.numerator, lhs.denominator)
        return Ratio((lhs.numerator / a) * (rhs.numerator / b), (lhs.denominator / b) * (rhs.denominator / a))
    }

    /// The decimal form when the denominator is a power of ten times 2s and 5s, else `n/d`.
    public var description: String {
        var scale: Int64 = 1, digits = 0
        while scale % denominator != 0, digits < 18 { scale *= 10; digits += 1 }
        guard scale % denominator == 0 else { return "\(numerator)/\(denominator)" }
        let scaled = numerator * (scale / denominator)
        if digits == 0 { return "\(scaled)" }
        let text = String(scaled).leftPadded(to: digits + 1)
        return text.dropLast(digits) + "." + text.suffix(digits)
    }

    public init(from decoder: any Decoder) throws {
        let text = try DecimalField.decodeText(from: decoder)
        guard let ratio = Ratio(decimal: text) ?? Ratio(fraction: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a non-negative decimal multiplier"))
        }
        self = ratio
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
