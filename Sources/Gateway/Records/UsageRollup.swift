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

    struct Totals {
        var requests: Int64 = 0
        var errors: Int64 = 0
        var cacheHits: Int64 = 0
        var usage = TokenUsage.zero
        var cost: Int64 = 0
        var providerCost: Int64 = 0
        var saved: Int64 = 0

        mutating func add(_ record: RequestRecord) {
            requests += 1
            if record.status >= 400 { errors += 1 }
            if record.cache == "hit" { cacheHits += 1 }
            usage.input += record.usage.input
            usage.cachedInput += record.usage.cachedInput
            usage.cacheWrite += record.usage.cacheWrite
            usage.output += record.usage.output
            usage.reasoning += record.usage.reasoning
            cost += record.cost?.nanos ?? 0
            providerCost += record.providerCost?.nanos ?? 0
            saved += record.savedCost?.nanos ?? 0
        }
    }

    static let hour: Int64 = 3_600_000

    /// Adds `records` to their hours' totals.
    static func add(_ records: [RequestRecord], in sql: any SQLDatabase) async throws {
        var groups: [Group: Totals] = [:]
        for record in records {
            guard let organization = record.organizationID else { continue }
            let group = Group(organization: organization, hour: Timestamp.milliseconds(record.createdAt) / hour * hour,
                              team: record.team ?? "", key: record.keyID ?? "", model: record.modelUsed ?? record.modelRequested ?? "",
                              provider: record.provider ?? "", route: record.modelRequested ?? "", currency: record.cost?.currency.code ?? "")
            groups[group, default: Totals()].add(record)
        }
        // In a fixed order, so concurrent writers take the rows' locks alike.
        for (group, totals) in groups.sorted(by: { ($0.key.hour, $0.key.key, $0.key.model) < ($1.key.hour, $1.key.key, $1.key.model) }) {
            try await sql.raw("""
                INSERT INTO usage_hourly (org_id, hour, team, key_id, model, provider, route, currency, requests, errors, cache_hits,
                    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos,
                    provider_cost_nanos, saved_nanos)
                VALUES (\(bind: group.organization), \(bind: group.hour), \(bind: group.team), \(bind: group.key), \(bind: group.model),
                    \(bind: group.provider), \(bind: group.route), \(bind: group.currency), \(bind: totals.requests), \(bind: totals.errors),
                    \(bind: totals.cacheHits), \(bind: totals.usage.input), \(bind: totals.usage.cachedInput),
                    \(bind: totals.usage.cacheWrite), \(bind: totals.usage.output), \(bind: totals.usage.reasoning), \(bind: totals.cost),
                    \(bind: totals.providerCost), \(bind: totals.saved))
                ON CONFLICT (org_id, hour, team, key_id, model, provider, route, currency) DO UPDATE SET
                    requests = usage_hourly.requests + excluded.requests, errors = usage_hourly.errors + excluded.errors,
                    cache_hits = usage_hourly.cache_hits + excluded.cache_hits,
                    input_tokens = usage_hourly.input_tokens + excluded.input_tokens,
                    cached_input_tokens = usage_hourly.cached_input_tokens + excluded.cached_input_tokens,
                    cache_write_tokens = usage_hourly.cache_write_tokens + excluded.cache_write_tokens,
                    output_tokens = usage_hourly.output_tokens + excluded.output_tokens,
                    reasoning_tokens = usage_hourly.reasoning_tokens + excluded.reasoning_tokens,
                    cost_nanos = usage_hourly.cost_nanos + excluded.cost_nanos,
                    provider_cost_nanos = usage_hourly.provider_cost_nanos + excluded.provider_cost_nanos,
                    saved_nanos = usage_hourly.saved_nanos + excluded.saved_nanos
                """).run()
        }
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
