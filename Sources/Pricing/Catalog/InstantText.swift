import Foundation

/// Reading the dates and instants that price files, configs and the command line use.
public enum InstantText {
    /// Reads `2026-01-01`, `2026-01-01T09:30:00Z`, `2026-01-01T09:30:00.5Z`, an offset such as
    /// `+08:00`, or no offset at all; a bare date is midnight UTC and an instant without an
    /// offset is UTC, because every price window is stated in UTC.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 10, let date = try? Date(trimmed + "T00:00:00Z", strategy: .iso8601) { return date }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(trimmed) { return date }
        return try? Date(trimmed + "Z", strategy: .iso8601)
    }
}
