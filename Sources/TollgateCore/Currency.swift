/// An ISO 4217 currency in which Tollgate keeps money.
///
/// Money is always held in nano-units (1e-9) of its currency, whatever the currency's minor
/// unit; `minorUnitDigits` only matters where a statement rounds a total for display.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The upper-case ISO 4217 code, such as `USD` or `CNY`.
    public let code: String
    /// Digits of the currency's minor unit (2 for cents, fen; 0 for yen).
    public let minorUnitDigits: Int

    public init(code: String, minorUnitDigits: Int = 2) {
        self.code = code
        self.minorUnitDigits = minorUnitDigits
    }

    public static let usd = Currency(code: "USD")
    public static let cny = Currency(code: "CNY")
    public static let eur = Currency(code: "EUR")
    public static let jpy = Currency(code: "JPY", minorUnitDigits: 0)

    /// The currencies Tollgate knows by code.
    public static let known: [String: Currency] = [
        "USD": .usd, "CNY": .cny, "EUR": .eur, "JPY": .jpy,
    ]

    /// The known currency with this code (case-insensitive), or `nil`.
    public init?(knownCode: String) {
        guard let currency = Currency.known[knownCode.uppercased()] else { return nil }
        self = currency
    }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        guard let currency = Currency(knownCode: code) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown currency '\(code)'"))
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
