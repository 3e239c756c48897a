/// An exact amount of one currency, in nano-units (1e-9 of the currency's unit).
///
/// Never `Double`: every figure Tollgate bills is an integer count of nano-units, so sums,
/// balances and statements add up exactly.
public struct Money: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let nanosPerUnit: Int64 = 1_000_000_000

    public var nanos: Int64
    public var currency: Currency

    public init(nanos: Int64, currency: Currency) {
        self.nanos = nanos
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(nanos: 0, currency: currency) }

    /// Parses a decimal amount such as `"0.28"`, `"15"` or `"-1.000000001"` exactly.
    ///
    /// - Throws: `MoneyError` when the text is not a plain decimal, has more than nine
    ///   fractional digits, or does not fit in an `Int64` of nano-units.
    public init(decimal text: String, currency: Currency) throws(MoneyError) {
        self.init(nanos: try Money.parseNanos(text), currency: currency)
    }

    /// The amount as a decimal with nine fractional digits and the currency code:
    /// `0.000123400 USD`.
    public var description: String { "\(decimalString) \(currency.code)" }

    /// The amount as a decimal with nine fractional digits, without the currency.
    public var decimalString: String { Money.format(nanos: nanos) }

    /// The amount in units as a `Double`, for display and JSON fields that clients read as
    /// numbers. Never feed this back into arithmetic.
    public var approximateUnits: Double { Double(nanos) / Double(Money.nanosPerUnit) }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.nanos < rhs.nanos
    }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(nanos: lhs.nanos + rhs.nanos, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(nanos: lhs.nanos - rhs.nanos, currency: lhs.currency)
    }

    static func format(nanos: Int64) -> String {
        let negative = nanos < 0
        let magnitude = nanos.magnitude
        let units = magnitude / UInt64(nanosPerUnit)
        let fraction = String(magnitude % UInt64(nanosPerUnit))
        let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
        return (negative ? "-" : "") + "\(units).\(padded)"
    }

    static func parseNanos(_ text: String) throws(MoneyError) -> Int64 {
        var rest = Substring(text.trimmingWhitespace())
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit)
        else { throw MoneyError(.notADecimal, text: text) }
        guard fraction.count <= 9 else { throw MoneyError(.tooPrecise, text: text) }
        let paddedFraction = fraction + String(repeating: "0", count: 9 - fraction.count)
        guard let units = Int64(whole.isEmpty ? "0" : String(whole)),
              let fractionNanos = Int64(paddedFraction)
        else { throw MoneyError(.outOfRange, text: text) }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: nanosPerUnit)
        let (sum, overflow2) = scaled.addingReportingOverflow(fractionNanos)
        guard !overflow, !overflow2 else { throw MoneyError(.outOfRange, text: text) }
        return negative ? -sum : sum
    }
}

/// Why a decimal amount could not be read as `Money`.
public struct MoneyError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable { case notADecimal, tooPrecise, outOfRange }
    let code: Code
    /// The text that was refused.
    public let text: String

    init(_ code: Code, text: String) {
        self.code = code
        self.text = text
    }

    public var description: String {
        switch code {
        case .notADecimal: "'\(text)' is not a decimal number"
        case .tooPrecise: "'\(text)' has more than 9 fractional digits"
        case .outOfRange: "'\(text)' is out of range"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension StringProtocol {
    func trimmingWhitespace() -> SubSequence {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}
