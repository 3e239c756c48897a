import SQLKit
import Storage
import TollgateCore

/// The hourly totals (`usage_hourly`) request records add to as they are written, in the same
/// transaction: what analytics, burn rates and runways read.
enum UsageRollup {
    struct Group: Hashable {
        var organization: String
        var hour: Int64
        var team: String
        var key: String
        var model: String
        var provider: String
        var route: String
        var currency: String
    }

    static let hour: Int64 = 3_600_000

    static let day: Int64 = 86_400_000

    /// Adds `records` to their hours' and days' totals.
    static func add(_ records: [RequestRecord], in sql: any SQLDatabase) async throws {
        for (table, column, width) in [("usage_hourly", "hour", hour), ("usage_daily", "day", day)] {
            var groups: [Group: Analytics.Totals] = [:]
            for record in records {
                guard let organization = record.organizationID else { continue }
                let group = Group(organization: organization, hour: Timestamp.milliseconds(record.createdAt) / width * width,
                                  team: record.team ?? "", key: record.keyID ?? "", model: record.modelUsed ?? record.modelRequested ?? "",
                                  provider: record.provider ?? "", route: record.modelRequested ?? "",
                                  currency: record.cost?.currency.code ?? "")
                groups[group, default: Analytics.Totals()].add(record)
            }
            // In a fixed order, so concurrent writers take the rows' locks alike; many rows a statement.
            let ordered = groups.sorted { ($0.key.hour, $0.key.key, $0.key.model, $0.key.route) < ($1.key.hour, $1.key.key, $1.key.model, $1.key.route) }
            for start in stride(from: 0, to: ordered.count, by: rowsPerStatement) {
                try await upsert(ordered[start..<min(start + rowsPerStatement, ordered.count)], table: table, column: column, in: sql)
            }
        }
    }

    /// Rows per INSERT: 19 binds each, under SQLite's 32,766 and PostgreSQL's 65,535.
    static let rowsPerStatement = 500

    /// The summed columns of a rollup row, in `Analytics.Totals.values` order.
    static let summed = ["requests", "errors", "cache_hits", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
                         "reasoning_tokens", "cost_nanos", "provider_cost_nanos", "saved_nanos"]

    private static func upsert(_ rows: ArraySlice<(key: Group, value: Analytics.Totals)>, table: String, column: String,
                               in sql: any SQLDatabase) async throws {
        var query: SQLQueryString = "INSERT INTO \(unsafeRaw: table) (org_id, \(unsafeRaw: column), team, key_id, model, provider, route, currency, "
        query.appendInterpolation(unsafeRaw: summed.joined(separator: ", "))
        query.appendLiteral(") VALUES ")
        for (index, (group, totals)) in rows.enumerated() {
            let values = totals.values
            query.appendLiteral(index == 0 ? "(" : ", (")
            query.appendInterpolation(bind: group.organization)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: group.hour)
            for text in [group.team, group.key, group.model, group.provider, group.route, group.currency] {
                query.appendLiteral(", ")
                query.appendInterpolation(bind: text)
            }
            for value in values {
                query.appendLiteral(", ")
                query.appendInterpolation(bind: value)
            }
            query.appendLiteral(")")
        }
        query.appendLiteral(" ON CONFLICT (org_id, \(column), team, key_id, model, provider, route, currency) DO UPDATE SET ")
        query.appendInterpolation(unsafeRaw: summed.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", "))
        try await sql.raw(query).run()
    }
}

extension RequestRecordStore {
    /// Adds records to the hourly totals without writing the records themselves, in one
    /// transaction: what a benchmark fills the totals of millions of generated requests with.
    @_spi(Benchmarks)
    public func rollUp(_ records: [RequestRecord]) async throws {
        try await database.transaction { sql in try await UsageRollup.add(records, in: sql) }
    }
}
