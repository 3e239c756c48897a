import Hummingbird
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the dashboard reads its period and writes its figures.
extension Dashboard {
    /// The period a page shows: the last `days` days up to now (`?days=1|7|30|90`, default 30).
    struct Period: Sendable {
        static let choices = [1, 7, 30, 90]

        var days: Int
        var from: Date
        var to: Date

        init(_ request: Request, now: Date, default fallback: Int = 30) {
            let asked = request.uri.queryParameters["days"].flatMap { Int(String($0)) }
            days = asked.flatMap { Self.choices.contains($0) ? $0 : nil } ?? fallback
            to = now
            from = now.addingTimeInterval(-Double(days) * 86_400)
        }

        /// Each UTC day of the period, as milliseconds since the epoch at its start.
        var dayStarts: [Int64] {
            let first = Timestamp.milliseconds(from) / 86_400_000 * 86_400_000
            let last = Timestamp.milliseconds(to) / 86_400_000 * 86_400_000
            return Array(stride(from: first, through: last, by: 86_400_000))
        }

        /// The period chooser, keeping the page's other query fields.
        func form(keeping fields: [(String, String)] = []) -> HTML {
            let options = Self.choices.map { choice -> HTML in
                let label = choice == 1 ? "last 24 hours" : "last \(choice) days"
                return choice == days ? "<option value=\"\(choice)\" selected>\(label)</option>" : "<option value=\"\(choice)\">\(label)</option>"
            }
            let hidden = fields.map { name, value -> HTML in "<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">" }
            return """
                <form method="get" class="controls">
                <label for="days">Period</label>
                <select id="days" name="days">\(options)</select>\(hidden)
                <button type="submit">Show</button>
                </form>
                """
        }
    }

    /// An amount for people with its currency code.
    static func money(_ nanos: Int64, _ currency: String) -> String {
        Money(nanos: nanos, currency: Currency(knownCode: currency) ?? .usd).readable + " " + currency
    }

    /// A count for people: 12,345 below a million, 1.23M, 4.5B above.
    static func count(_ value: Int64) -> String {
        let magnitude = abs(Double(value))
        if magnitude >= 1e9 { return String(format: "%.2fB", Double(value) / 1e9) }
        if magnitude >= 1e6 { return String(format: "%.2fM", Double(value) / 1e6) }
        var grouped = ""
        for (index, digit) in String(abs(value)).reversed().enumerated() {
            if index > 0, index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + String(grouped.reversed())
    }

    /// Growth against the previous period: `+12.5%`, or `new` when there was nothing before.
    static func growth(_ now: Int64, _ before: Int64) -> HTML {
        guard before != 0 else { return now == 0 ? "<span class=\"growth\">–</span>" : "<span class=\"growth up\">new</span>" }
        let change = Double(now - before) / Double(before)
        let text = String(format: "%+.1f%%", change * 100)
        return "<span class=\"growth \(change >= 0 ? "up" : "down")\">\(text)</span>"
    }

    /// A UTC day, or the day in `timeZone` (a budget's calendar).
    static func day(_ milliseconds: Int64, in timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: timeZone)
        style = style.year().month().day()
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(style)
    }

    static func time(_ date: Date) -> String {
        let text = date.formatted(.iso8601)
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    static func days(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value >= 1000 ? "1,000+ days" : String(format: "%.1f days", value)
    }

    /// The currency most of the money is in (USD when there is none), for charts that show one.
    static func mainCurrency(_ rows: [Analytics.Row]) -> String {
        var costs: [String: Int64] = [:]
        for row in rows where !row.currency.isEmpty { costs[row.currency, default: 0] += row.totals.cost + 1 }
        return costs.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? "USD"
    }

    func analytics(_ period: Period, _ groupBy: [Analytics.Dimension], _ filter: Analytics.Filter = .init()) async throws -> [Analytics.Row] {
        try await Analytics(database: gateway.database).rows(from: period.from, to: period.to, groupBy: groupBy, filter: filter)
    }
}
