import SQLKit
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How fast an organization, each of its teams and each of its keys spend, from the hourly
/// totals: over the trailing day and week, how many days their funds and budgets last at that
/// rate, and whether the current hour looks like a runaway agent.
public struct BurnRate: Sendable, Hashable {
    public enum Scope: String, Sendable, Hashable { case organization, team, key }

    /// One scope's spending: nano-units of the organization's currency.
    public struct Line: Sendable, Hashable {
        public var scope: Scope
        public var subject: String
        /// The last 24 hours and the last 7 days, in whole hours, the current one included.
        public var spentDay: Int64 = 0
        public var spentWeek: Int64 = 0
        /// The current hour so far, and the median of the earlier hours of the week that spent anything.
        public var lastHour: Int64 = 0
        public var hourlyMedian: Int64 = 0

        /// The spend per day at the trailing day's rate and at the trailing week's.
        public var ratePerDay: Int64 { spentDay }
        public var ratePerDayOverWeek: Int64 { spentWeek / 7 }

        /// The current hour spends more than five times the usual active hour.
        public var anomaly: Bool { hourlyMedian > 0 && lastHour > 5 * hourlyMedian }

        /// Days `available` lasts at the trailing day's rate (else the week's); `nil` when nothing is spent.
        public func runwayDays(_ available: Int64) -> Double? {
            let rate = ratePerDay > 0 ? ratePerDay : ratePerDayOverWeek
            guard rate > 0 else { return nil }
            return (Double(max(0, available)) / Double(rate) * 10).rounded() / 10
        }
    }

    public var lines: [Line]

    static let hour: Int64 = 3_600_000

    /// The organization's line first, then its teams' and keys', dearest first.
    public static func of(organizationID: String, at now: Date, database: Database) async throws -> BurnRate {
        let current = Timestamp.milliseconds(now) / hour * hour
        let weekStart = current - 167 * hour
        let rows = try await database.sql.select().column("hour").column("team").column("key_id")
            .column(SQLAlias(SQLRaw("CAST(SUM(cost_nanos) AS BIGINT)"), as: "cost"))
            .from("usage_hourly").where("org_id", .equal, organizationID).where("hour", .greaterThanOrEqual, weekStart)
            .where("hour", .lessThanOrEqual, current)
            .groupBy("hour").groupBy("team").groupBy("key_id").all()
        // Each scope's spend by hour.
        var hourly: [String: (scope: Scope, subject: String, hours: [Int64: Int64])] = ["organization": (.organization, organizationID, [:])]
        for row in rows {
            let time = try row.decode(column: "hour", as: Int64.self)
            let cost = try row.decode(column: "cost", as: Int64.self)
            let team = try row.decode(column: "team", as: String.self)
            let key = try row.decode(column: "key_id", as: String.self)
            var scopes = [("organization", Scope.organization, organizationID)]
            if !team.isEmpty { scopes.append(("team:" + team, .team, team)) }
            if !key.isEmpty { scopes.append(("key:" + key, .key, key)) }
            for (id, scope, subject) in scopes {
                var entry = hourly[id] ?? (scope, subject, [:])
                entry.hours[time, default: 0] += cost
                hourly[id] = entry
            }
        }
        let lines = hourly.values.map { entry -> Line in
            var line = Line(scope: entry.scope, subject: entry.subject)
            for (time, cost) in entry.hours {
                line.spentWeek += cost
                if time > current - 24 * hour { line.spentDay += cost }
            }
            line.lastHour = entry.hours[current] ?? 0
            let earlier = entry.hours.filter { $0.key < current && $0.value > 0 }.map(\.value).sorted()
            if !earlier.isEmpty {
                line.hourlyMedian = earlier.count % 2 == 1 ? earlier[earlier.count / 2]
                                                           : (earlier[earlier.count / 2 - 1] + earlier[earlier.count / 2]) / 2
            }
            return line
        }
        return BurnRate(lines: lines.sorted { lhs, rhs in
            (lhs.scope == .organization ? 0 : 1, -lhs.spentWeek, lhs.subject) < (rhs.scope == .organization ? 0 : 1, -rhs.spentWeek, rhs.subject)
        })
    }
}
