import Foundation

/// Reading the dates and instants that price files and the command line use.
enum ISO8601 {
    /// Reads `2026-01-01`, `2026-01-01T09:30:00Z`, `2026-01-01T09:30:00.5Z` or with an offset
    /// such as `+08:00`; a bare date is midnight UTC.
    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 10, let date = try? Date(trimmed + "T00:00:00Z", strategy: .iso8601) { return date }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(trimmed)
    }
}
