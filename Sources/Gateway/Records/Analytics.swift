import SQLKit
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /admin/analytics`: requests, tokens by kind, cost, provider cost and margin, cache hits
/// and errors for a period, grouped by any of organization, team, key, model, provider, route, day
/// and hour — read from the daily totals when the period is whole UTC days, else the hourly ones
/// — or by session, end user or tag — read from the request
/// records — with the growth against the previous period of the same length.
///
/// Periods are taken in whole hours: `from` rounds down and `to` up to the hour. Days are UTC days.
/// Amounts are summed per currency, never across currencies.
public struct Analytics: Sendable {
    public enum Dimension: String, Sendable, CaseIterable {
        case organization, team, key, model, provider, route, day, hour, session, endUser = "end_user", tag

        /// Read from the records rather than the hourly totals.
        var needsRecords: Bool { [.session, .endUser, .tag].contains(self) }
        var isTime: Bool { self == .day || self == .hour }
    }

    /// What one group used and cost.
    public struct Totals: Sendable, Hashable {
        public var requests: Int64 = 0
        public var errors: Int64 = 0
        public var cacheHits: Int64 = 0
        public var usage = TokenUsage.zero
        public var cost: Int64 = 0
        public var providerCost: Int64 = 0
        public var saved: Int64 = 0

        /// Adds one request.
        mutating func add(_ record: RequestRecord) {
            let one = Totals(requests: 1, errors: record.status >= 400 ? 1 : 0, cacheHits: record.cache == "hit" ? 1 : 0, usage: record.usage,
                             cost: record.cost?.nanos ?? 0, providerCost: record.providerCost?.nanos ?? 0, saved: record.savedCost?.nanos ?? 0)
            add(one)
        }

        /// The figures in `UsageRollup.summed` order.
        var values: [Int64] {
            [requests, errors, cacheHits, Int64(usage.input), Int64(usage.cachedInput), Int64(usage.cacheWrite), Int64(usage.output),
             Int64(usage.reasoning), cost, providerCost, saved]
        }

        mutating func add(_ other: Totals) {
            requests += other.requests
            errors += other.errors
            cacheHits += other.cacheHits
            usage.input += other.usage.input
            usage.cachedInput += other.usage.cachedInput
            usage.cacheWrite += other.usage.cacheWrite
            usage.output += other.usage.output
            usage.reasoning += other.usage.reasoning
            cost += other.cost
            providerCost += other.providerCost
            saved += other.saved
        }
    }

    public struct Row: Sendable, Hashable {
        /// The group's value for each dimension grouped by (a time as milliseconds since the epoch).
        public var group: [Dimension: String]
        public var currency: String
        public var totals: Totals
        /// The same group's totals in the previous period (times shifted by the period's length).
        public var previous: Totals
    }

    public struct Filter: Sendable, Hashable {
        public var organization: String?
        public var team: String?
        public var key: String?
        public var model: String?
        public var provider: String?
        public var route: String?

        public init(organization: String? = nil, team: String? = nil, key: String? = nil, model: String? = nil, provider: String? = nil,
                    route: String? = nil) {
            self.organization = organization
            self.team = team
            self.key = key
            self.model = model
            self.provider = provider
            self.route = route
        }
    }

    let database: Database

    public init(database: Database) { self.database = database }

    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// The period in whole hours.
    public static func hours(from: Date, to: Date) -> (from: Int64, to: Int64) {
        let start = Timestamp.milliseconds(from) / hour * hour
        let end = (Timestamp.milliseconds(to) + hour - 1) / hour * hour
        return (start, max(end, start + hour))
    }

    /// The rows of the period, dearest first, each with its previous period's figures.
    public func rows(from: Date, to: Date, groupBy: [Dimension], filter: Filter) async throws -> [Row] {
        let (start, end) = Self.hours(from: from, to: to)
        let length = end - start
        let current = try await totals(from: start, to: end, groupBy: groupBy, filter: filter)
        let before = try await totals(from: start - length, to: start, groupBy: groupBy, filter: filter)
        // A previous group matches the current one with its times moved forward by the period.
        var previous: [Key: Totals] = [:]
        for (key, totals) in before {
            var moved = key
            for dimension in groupBy where dimension.isTime {
                moved.values[dimension] = String((Int64(key.values[dimension] ?? "") ?? 0) + length)
            }
            previous[moved] = totals
        }
        return current.map { key, totals in
            Row(group: key.values, currency: key.currency, totals: totals, previous: previous[key] ?? Totals())
        }.sorted { ($0.totals.cost, $0.totals.requests, $0.group.description) > ($1.totals.cost, $1.totals.requests, $1.group.description) }
    }

    struct Key: Hashable {
        var values: [Dimension: String]
        var currency: String
    }

    /// The groups' totals; requests that were never priced (failures) have no currency of their
    /// own and count with their group's priced ones.
    private func totals(from: Int64, to: Int64, groupBy: [Dimension], filter: Filter) async throws -> [Key: Totals] {
        var totals = groupBy.contains(where: \.needsRecords) ? try await recordTotals(from: from, to: to, groupBy: groupBy, filter: filter)
                                                            : try await rollupTotals(from: from, to: to, groupBy: groupBy, filter: filter)
        for key in totals.keys where key.currency.isEmpty {
            let priced = totals.keys.filter { $0.values == key.values && !$0.currency.isEmpty }
            guard priced.count == 1, let home = priced.first, let unpriced = totals.removeValue(forKey: key) else { continue }
            totals[home]?.add(unpriced)
        }
        return totals
    }

    private func rollupTotals(from: Int64, to: Int64, groupBy: [Dimension], filter: Filter) async throws -> [Key: Totals] {
        // Whole UTC days without an hourly grouping read the daily totals, 24 times fewer rows.
        let daily = from % Self.day == 0 && to % Self.day == 0 && !groupBy.contains(.hour)
        let (table, bucket) = daily ? ("usage_daily", "day") : ("usage_hourly", "hour")
        let columns: [(Dimension, String)] = groupBy.map { dimension in
            switch dimension {
            case .organization: (dimension, "org_id")
            case .team: (dimension, "team")
            case .key: (dimension, "key_id")
            case .model: (dimension, "model")
            case .provider: (dimension, "provider")
            case .route: (dimension, "route")
            case .day: (dimension, daily ? "day" : "(hour / \(Self.day)) * \(Self.day)")
            case .hour, .session, .endUser, .tag: (dimension, "hour")
            }
        }
        var query = database.sql.select()
        for (index, (_, expression)) in columns.enumerated() { query = query.column(SQLAlias(SQLRaw(expression), as: "g\(index)")) }
        query = query.column("currency")
        for column in UsageRollup.summed { query = query.column(SQLAlias(SQLRaw("CAST(SUM(\(column)) AS BIGINT)"), as: column)) }
        query = query.from(table).where(bucket, .greaterThanOrEqual, from).where(bucket, .lessThan, to)
        for (column, value) in [("org_id", filter.organization), ("team", filter.team), ("key_id", filter.key), ("model", filter.model),
                                ("provider", filter.provider), ("route", filter.route)] {
            if let value { query = query.where(column, .equal, value) }
        }
        for expression in columns.map(\.1) + ["currency"] { query = query.groupBy(SQLRaw(expression)) }
        let rows = try await query.all()
        var result: [Key: Totals] = [:]
        for row in rows {
            var values: [Dimension: String] = [:]
            for (index, (dimension, _)) in columns.enumerated() {
                values[dimension] = dimension.isTime ? String(try Self.integer(row, "g\(index)")) : try row.decode(column: "g\(index)", as: String.self)
            }
            var totals = Totals()
            totals.requests = try Self.integer(row, "requests")
            totals.errors = try Self.integer(row, "errors")
            totals.cacheHits = try Self.integer(row, "cache_hits")
            totals.usage = TokenUsage(input: Int(try Self.integer(row, "input_tokens")), cachedInput: Int(try Self.integer(row, "cached_input_tokens")),
                                      cacheWrite: Int(try Self.integer(row, "cache_write_tokens")), output: Int(try Self.integer(row, "output_tokens")),
                                      reasoning: Int(try Self.integer(row, "reasoning_tokens")))
            totals.cost = try Self.integer(row, "cost_nanos")
            totals.providerCost = try Self.integer(row, "provider_cost_nanos")
            totals.saved = try Self.integer(row, "saved_nanos")
            result[Key(values: values, currency: try row.decode(column: "currency", as: String.self)), default: Totals()].add(totals)
        }
        return result
    }

    static func integer(_ row: any SQLRow, _ column: String) throws -> Int64 {
        try row.decode(column: column, as: Int64.self)
    }

    /// Grouping by session, end user or tag: the records themselves, a page at a time.
    private func recordTotals(from: Int64, to: Int64, groupBy: [Dimension], filter: Filter) async throws -> [Key: Totals] {
        var result: [Key: Totals] = [:]
        try await RequestRecordStore(database: database).forEachPage(
            organizationID: filter.organization, from: Timestamp.date(milliseconds: from), to: Timestamp.date(milliseconds: to)) { page in
                for record in page {
                    if let team = filter.team, record.team != team { continue }
                    if let key = filter.key, record.keyID != key { continue }
                    if let model = filter.model, (record.modelUsed ?? record.modelRequested) != model { continue }
                    if let provider = filter.provider, record.provider != provider { continue }
                    if let route = filter.route, record.modelRequested != route { continue }
                    var totals = Totals()
                    totals.add(record)
                    let time = Timestamp.milliseconds(record.createdAt)
                    // A record with several tags counts once under each.
                    let tags = groupBy.contains(.tag) ? (record.tags.isEmpty ? [""] : record.tags) : [""]
                    for tag in tags {
                        var values: [Dimension: String] = [:]
                        for dimension in groupBy {
                            values[dimension] = switch dimension {
                            case .organization: record.organizationID ?? ""
                            case .team: record.team ?? ""
                            case .key: record.keyID ?? ""
                            case .model: record.modelUsed ?? record.modelRequested ?? ""
                            case .provider: record.provider ?? ""
                            case .route: record.modelRequested ?? ""
                            case .day: String(time / Self.day * Self.day)
                            case .hour: String(time / Self.hour * Self.hour)
                            case .session: record.sessionID ?? ""
                            case .endUser: record.endUser ?? ""
                            case .tag: tag
                            }
                        }
                        result[Key(values: values, currency: record.cost?.currency.code ?? ""), default: Totals()].add(totals)
                    }
                }
            }
        return result
    }
}
