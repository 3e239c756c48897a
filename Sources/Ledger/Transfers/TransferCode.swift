/// Why money or tokens moved. Stored as text, so new codes need no migration.
public struct TransferCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let usage = TransferCode("usage")
    public static let topUp = TransferCode("top_up")
    public static let grant = TransferCode("grant")
    public static let purchase = TransferCode("purchase")
    public static let refund = TransferCode("refund")
    public static let expiry = TransferCode("expiry")
    public static let settlement = TransferCode("settlement")
    public static let correction = TransferCode("correction")

    public var description: String { rawValue }
}
