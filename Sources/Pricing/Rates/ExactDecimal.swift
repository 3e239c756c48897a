import TollgateCore

/// A decimal number read from text without passing through binary floating point.
///
/// Price files write figures such as `1.5e-06` per token or `0.28` per million tokens; reading
/// them as `Double` would turn `2.8e-07` into `2.7999999999999997e-07`. This keeps the digits
/// and the power of ten apart, so scaling to nano-units is integer arithmetic.
public struct ExactDecimal: Hashable, Sendable, CustomStringConvertible {
    /// The digits as an integer (sign included).
    public let significand: Int128
    /// The power of ten the significand is multiplied by.
    public let exponent: Int

    public init(significand: Int128, exponent: Int) {
        self.significand = significand
        self.exponent = exponent
    }

    /// Reads `[-+]digits[.digits][e[-+]digits]`, the grammar of JSON numbers and plain decimals.
    ///
    /// Returns `nil` for anything else, or for more than 36 significant digits.
    public init?(_ text: some StringProtocol) {
        var chars = Substring(text)
        while chars.first == " " { chars = chars.dropFirst() }
        while chars.last == " " { chars = chars.dropLast() }
        var negative = false
        if let sign = chars.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            chars = chars.dropFirst()
        }
        var mantissa = chars
        var exponent = 0
        if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = chars[..<e]
            var expText = chars[chars.index(after: e)...]
            var expNegative = false
            if let sign = expText.first, sign == "-" || sign == "+" {
                expNegative = sign == "-"
                expText = expText.dropFirst()
            }
            guard !expText.isEmpty, expText.count < 6, expText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(expText) else { return nil }
            exponent = expNegative ? -value : value
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = (whole + fraction).drop { $0 == "0" }
        guard digits.count <= 36 else { return nil }
        var value: Int128 = 0
        for digit in digits { value = value * 10 + Int128(digit.wholeNumberValue!) }
        self.significand = negative ? -value : value
        self.exponent = exponent - fraction.count
    }

    /// The value times `10^power`, as an integer, rounded half to even when digits are cut.
    ///
    /// - Returns: `nil` when the result does not fit in `Int128`.
    public func scaled(byPowerOfTen power: Int) -> (value: Int128, isExact: Bool)? {
        let shift = exponent + power
        if shift >= 0 {
            var value = significand
            for _ in 0..<shift {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
            return (value, true)
        }
        // More than 38 places down leaves nothing but a possible rounding to zero.
        guard -shift <= 38 else { return (0, significand == 0) }
        var divisor: Int128 = 1
        for _ in 0 ..< -shift { divisor *= 10 }
        let rounded = dividedRoundingHalfEven(significand, by: divisor)
        return (rounded, significand % divisor == 0)
    }

    public var description: String {
        exponent == 0 ? "\(significand)" : "\(significand)e\(exponent)"
    }
}

