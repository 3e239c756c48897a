#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fragment of HTML. Text interpolated into it is escaped; only another `HTML` goes in as
/// markup, so a name someone chose (an organization, a session, a model) never becomes markup.
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var text: String

    public init(stringLiteral value: String) { text = value }

    public init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    /// Markup taken as it is: only for text this program wrote.
    public init(trusted text: String) { self.text = text }

    public var description: String { text }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + interpolationCount * 16) }

        public mutating func appendLiteral(_ literal: String) { text += literal }
        public mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        public mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }
        public mutating func appendInterpolation(_ value: some BinaryInteger) { text += String(value) }
        public mutating func appendInterpolation(_ html: HTML) { text += html.text }
        public mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { text += part.text } }
        /// A number for an SVG attribute: one decimal, no exponent.
        public mutating func appendInterpolation(_ value: Double) { text += HTML.number(value) }
    }

    /// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
    public static func escape(_ text: String) -> String {
        guard text.contains(where: { "&<>\"'".contains($0) }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A coordinate with at most one decimal.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int64(tenths / 10)) : String(format: "%.1f", tenths / 10)
    }
}
