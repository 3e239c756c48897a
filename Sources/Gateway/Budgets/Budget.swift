import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A spending limit: an amount per period for an organization, a team, a key or agent sessions.
///
/// A hard budget refuses (402) a request whose worst-case cost it cannot cover; a soft one lets it
/// through. Either fires an alert the first time its spending passes each threshold in a period.
public struct Budget: Hashable, Sendable, Codable {
    public enum Scope: String, Hashable, Sendable, Codable, CaseIterable {
        /// Everything the organization spends.
        case organization
        /// What keys of one team spend; `subject` is the team's name.
        case team
        /// What one key spends; `subject` is the key's id.
        case key
        /// Each agent session (`x-tollgate-session`) on its own; `subject` is a key id, or `*` for
        /// every session of the organization.
        case session
    }

    public enum Period: String, Hashable, Sendable, Codable, CaseIterable {
        case day, week, month, total
    }

    public var id: String
    public var organizationID: String
    public var scope: Scope
    public var subject: String
    public var amount: Money
    public var period: Period
    public var hard: Bool
    /// Percentages of `amount` at which an alert fires, ascending (default 50, 80, 100).
    public var thresholds: [Int]
    /// Where alerts are posted, signed with the configured secret.
    public var webhookURL: String?
    public var createdAt: Date

    public init(id: String = "bud_" + TimeOrderedID().description, organizationID: String, scope: Scope, subject: String,
                amount: Money, period: Period, hard: Bool = true, thresholds: [Int] = [50, 80, 100],
                webhookURL: String? = nil, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.scope = scope
        self.subject = subject
        self.amount = amount
        self.period = period
        self.hard = hard
        self.thresholds = thresholds.sorted()
        self.webhookURL = webhookURL
        self.createdAt = createdAt
    }

    /// Whether the budget covers a request by `key` (of `team`) in `session`.
    func applies(keyID: String, team: String?, session: String?) -> Bool {
        switch scope {
        case .organization: true
        case .team: team == subject
        case .key: keyID == subject
        case .session: session != nil && (subject == "*" || subject == keyID)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationID = "org_id", scope, subject, amount, period, hard, thresholds
        case webhookURL = "webhook_url", createdAt = "created_at"
    }
}

/// Calendar periods in one time zone: days from midnight, ISO weeks from Monday, months from the 1st.
public struct BudgetCalendar: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!) { self.timeZone = timeZone }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The start of the period containing `date`, in milliseconds since the epoch (0 for `total`).
    public func start(of period: Budget.Period, containing date: Date) -> Int64 {
        let calendar = calendar
        let start: Date
        switch period {
        case .total: return 0
        case .day: start = calendar.startOfDay(for: date)
        case .week: start = calendar.dateInterval(of: .weekOfYear, for: date)?.start ?? calendar.startOfDay(for: date)
        case .month: start = calendar.dateInterval(of: .month, for: date)?.start ?? calendar.startOfDay(for: date)
        }
        return Int64((start.timeIntervalSince1970 * 1000).rounded())
    }
}
