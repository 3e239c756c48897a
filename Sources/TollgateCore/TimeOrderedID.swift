#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 128-bit identifier whose first 48 bits are milliseconds since the Unix epoch (the layout of
/// UUID version 7), so ids sort by creation time and index well; the rest is random.
public struct TimeOrderedID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A new id for `date`, random below the timestamp.
    public init(at date: Date = Date()) {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let randA = generator.next() & 0x0FFF
        high = (millis << 16) | 0x7000 | randA
        low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
    }

    /// Milliseconds since the Unix epoch at which the id was made.
    public var milliseconds: UInt64 { high >> 16 }

    /// The canonical 36-character lower-case hex form with dashes.
    public var description: String {
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-"
            + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    /// Reads the 36-character form (dashes optional).
    public init?(_ text: String) {
        let hex = text.filter { $0 != "-" }
        guard hex.count == 32, let high = UInt64(hex.prefix(16), radix: 16),
              let low = UInt64(hex.suffix(16), radix: 16) else { return nil }
        self.init(high: high, low: low)
    }

    public static func < (lhs: TimeOrderedID, rhs: TimeOrderedID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = TimeOrderedID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
