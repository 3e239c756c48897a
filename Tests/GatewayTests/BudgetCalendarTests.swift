import Foundation
import Gateway
import Testing

@Suite struct BudgetCalendarTests {
    func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    func millis(_ text: String) -> Int64 { Int64(instant(text).timeIntervalSince1970 * 1000) }

    @Test func periodsStartAtMidnightMondayAndTheFirstInTheConfiguredZone() {
        let shanghai = BudgetCalendar(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        // 17:00 UTC on Tuesday 24 November is 01:00 on Wednesday 25 November in Shanghai.
        let at = instant("2026-11-24T17:00:00Z")
        #expect(shanghai.start(of: .day, containing: at) == millis("2026-11-24T16:00:00Z"))
        #expect(shanghai.start(of: .week, containing: at) == millis("2026-11-22T16:00:00Z"))  // Monday 23rd, local midnight
        #expect(shanghai.start(of: .month, containing: at) == millis("2026-10-31T16:00:00Z"))
        #expect(shanghai.start(of: .total, containing: at) == 0)

        let utc = BudgetCalendar()
        #expect(utc.start(of: .day, containing: at) == millis("2026-11-24T00:00:00Z"))
        #expect(utc.start(of: .week, containing: at) == millis("2026-11-23T00:00:00Z"))
        #expect(utc.start(of: .month, containing: at) == millis("2026-11-01T00:00:00Z"))
        // The last millisecond of a period still belongs to it.
        #expect(utc.start(of: .month, containing: instant("2026-11-30T23:59:59Z")) == millis("2026-11-01T00:00:00Z"))
    }
}
