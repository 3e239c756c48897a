import Foundation

/// Hours of the day, in UTC, during which a model has another price — DeepSeek's off-peak
/// discount, for instance — optionally only on some days of the week.
///
/// A request is priced by the window its start time falls in; a request that runs across a
/// window's edge is not split.
public struct TimeWindow: Hashable, Sendable, Codable {
    /// A name shown in a cost's breakdown, such as `off-peak`.
    public var name: String
    /// Ranges `HH:MM-HH:MM` in UTC, start inclusive and end exclusive. A range whose end is not
    /// after its start wraps past midnight (`16:30-00:30`); `00:00-00:00` is the whole day.
    public var hoursUTC: [HourRange]
    /// ISO weekdays (1 = Monday … 7 = Sunday) in UTC on which the window applies; `nil` for all.
    public var weekdays: Set<Int>?
    public var adjustment: RateAdjustment

    public init(name: String, hoursUTC: [HourRange], weekdays: Set<Int>? = nil, adjustment: RateAdjustment) {
        self.name = name
        self.hoursUTC = hoursUTC
        self.weekdays = weekdays
        self.adjustment = adjustment
    }

    /// Whether an instant falls in the window.
    public func contains(_ date: Date) -> Bool {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds.floorDivided(by: 86_400)
        let minute = (seconds - days * 86_400) / 60
        // 1970-01-01 was a Thursday, ISO weekday 4.
        let weekday = (days + 3).floorModulo(7) + 1
        if let weekdays, !weekdays.contains(weekday) { return false }
        return hoursUTC.contains { $0.contains(minuteOfDay: minute) }
    }

    enum CodingKeys: String, CodingKey { case name, hoursUTC = "hours_utc", weekdays, adjustment }
}

/// A range of minutes of the day, written `HH:MM-HH:MM`.
public struct HourRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var startMinute: Int
    public var endMinute: Int

    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Reads `HH:MM-HH:MM`; `nil` for anything else.
    public init?(_ text: String) {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let start = HourRange.minutes(ends[0]), let end = HourRange.minutes(ends[1]) else {
            return nil
        }
        self.init(startMinute: start, endMinute: end)
    }

    public func contains(minuteOfDay minute: Int) -> Bool {
        startMinute < endMinute ? (startMinute <= minute && minute < endMinute)
                                : (minute >= startMinute || minute < endMinute)
    }

    public var description: String { "\(HourRange.clock(startMinute))-\(HourRange.clock(endMinute))" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let range = HourRange(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not HH:MM-HH:MM"))
        }
        self = range
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 1440 else { return nil }
        return (hour * 60 + minute) % 1440
    }

    private static func clock(_ minutes: Int) -> String {
        String(minutes / 60).leftPadded(to: 2) + ":" + String(minutes % 60).leftPadded(to: 2)
    }
}

extension Int {
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    func floorModulo(_ divisor: Int) -> Int {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
