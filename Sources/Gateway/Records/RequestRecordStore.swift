import SQLKit
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Request records in the database: written in batches, read for the admin API and statements.
public struct RequestRecordStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Inserts the records in one transaction.
    public func insert(_ records: [RequestRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.transaction { sql in try await insert(records, in: sql) }
    }

    /// Inserts the records inside a transaction the caller has open (with their settlements).
    func insert(_ records: [RequestRecord], in sql: any SQLDatabase) async throws {
        guard !records.isEmpty else { return }
        var insert = sql.insert(into: "request_records").columns(
            "id", "key_id", "org_id", "team", "session_id", "end_user", "tags", "model_requested", "model_used", "provider", "status", "streamed",
            "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
            "cost_nanos", "currency", "provider_cost_nanos", "package_tokens", "reserved_nanos", "settlement",
            "usage_source", "latency_ms", "ttft_ms", "error", "created_at", "route", "attempts",
            "cache", "saved_tokens", "saved_nanos", "prompt_hash", "prefix_hash", "finish_reason", "prompt_bytes", "system_bytes",
            "tool_bytes", "tool_output_bytes")
        for record in records {
            insert = insert.values(
                SQLBind(record.id), SQLBind(record.keyID), SQLBind(record.organizationID), SQLBind(record.team),
                SQLBind(record.sessionID), SQLBind(record.endUser), SQLBind(record.tags.isEmpty ? nil : record.tags.joined(separator: ",")),
                SQLBind(record.modelRequested),
                SQLBind(record.modelUsed), SQLBind(record.provider), SQLBind(record.status), SQLBind(record.streamed ? 1 : 0),
                SQLBind(record.usage.input), SQLBind(record.usage.cachedInput), SQLBind(record.usage.cacheWrite),
                SQLBind(record.usage.output), SQLBind(record.usage.reasoning), SQLBind(record.cost?.nanos ?? 0),
                SQLBind(record.cost?.currency.code), SQLBind(record.providerCost?.nanos), SQLBind(record.packageTokens),
                SQLBind(record.reserved), SQLBind(record.settlement), SQLBind(record.usageSource.rawValue),
                SQLBind(record.latencyMilliseconds), SQLBind(record.timeToFirstTokenMilliseconds),
                SQLBind(record.error), SQLBind(Timestamp.milliseconds(record.createdAt)),
                SQLBind(record.route), SQLBind(record.attempts.isEmpty ? nil : AttemptRecord.encode(record.attempts)),
                SQLBind(record.cache), SQLBind(record.savedTokens), SQLBind(record.savedCost?.nanos ?? 0), SQLBind(record.promptHash),
                SQLBind(record.prefixHash), SQLBind(record.finishReason), SQLBind(record.promptSize.total),
                SQLBind(record.promptSize.system), SQLBind(record.promptSize.tools), SQLBind(record.promptSize.toolOutput))
        }
        // A retry after a commit whose acknowledgement was lost finds its records there already;
        // only the records written now are added to the hourly totals.
        let written = Set(try await insert.ignoringConflicts(with: ["id"]).returning("id").all()
            .map { try $0.decode(column: "id", as: String.self) })
        try await UsageRollup.add(records.filter { written.contains($0.id) }, in: sql)
    }

    /// The newest records first, optionally of one organization, session, model (asked for or
    /// used) and provider, and only failed (`failed: true`) or only answered ones.
    public func recent(organizationID: String? = nil, sessionID: String? = nil, model: String? = nil, provider: String? = nil,
                       failed: Bool? = nil, limit: Int = 100) async throws -> [RequestRecord] {
        var query = database.sql.select().column("*").from("request_records")
        if let organizationID { query = query.where("org_id", .equal, organizationID) }
        if let sessionID { query = query.where("session_id", .equal, sessionID) }
        if let model { query = query.where { $0.where("model_used", .equal, model).orWhere("model_requested", .equal, model) } }
        if let provider { query = query.where("provider", .equal, provider) }
        if let failed { query = query.where("status", failed ? .greaterThanOrEqual : .lessThan, 400) }
        return try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all()
            .map(Self.record(from:))
    }

    /// An organization's records created in [from, to), oldest first.
    public func records(organizationID: String, from: Date, to: Date) async throws -> [RequestRecord] {
        try await database.sql.select().column("*").from("request_records").where("org_id", .equal, organizationID)
            .where("created_at", .greaterThanOrEqual, Timestamp.milliseconds(from)).where("created_at", .lessThan, Timestamp.milliseconds(to))
            .orderBy("created_at", .ascending).orderBy("id", .ascending).all().map(Self.record(from:))
    }

    /// One record by id.
    public func record(id: String) async throws -> RequestRecord? {
        try await database.sql.select().column("*").from("request_records").where("id", .equal, id).first()
            .map(Self.record(from:))
    }

    static func record(from row: any SQLRow) throws -> RequestRecord {
        let currency = try row.decode(column: "currency", as: String?.self).flatMap(Currency.init(knownCode:))
        let source = try row.decode(column: "usage_source", as: String.self)
        var record = RequestRecord(
            id: try row.decode(column: "id", as: String.self),
            keyID: try row.decode(column: "key_id", as: String?.self),
            organizationID: try row.decode(column: "org_id", as: String?.self),
            modelRequested: try row.decode(column: "model_requested", as: String?.self),
            modelUsed: try row.decode(column: "model_used", as: String?.self),
            provider: try row.decode(column: "provider", as: String?.self),
            status: try row.decode(column: "status", as: Int.self),
            streamed: try row.decode(column: "streamed", as: Int.self) != 0,
            usage: TokenUsage(input: try row.decode(column: "input_tokens", as: Int.self),
                              cachedInput: try row.decode(column: "cached_input_tokens", as: Int.self),
                              cacheWrite: try row.decode(column: "cache_write_tokens", as: Int.self),
                              output: try row.decode(column: "output_tokens", as: Int.self),
                              reasoning: try row.decode(column: "reasoning_tokens", as: Int.self)),
            cost: currency.map { Money(nanos: (try? row.decode(column: "cost_nanos", as: Int64.self)) ?? 0, currency: $0) },
            usageSource: RequestRecord.UsageSource(rawValue: source) ?? .none,
            latencyMilliseconds: try row.decode(column: "latency_ms", as: Int64.self),
            timeToFirstTokenMilliseconds: try row.decode(column: "ttft_ms", as: Int64?.self),
            error: try row.decode(column: "error", as: String?.self),
            createdAt: Timestamp.date(milliseconds: try row.decode(column: "created_at", as: Int64.self)))
        record.team = try row.decode(column: "team", as: String?.self)
        record.sessionID = try row.decode(column: "session_id", as: String?.self)
        record.endUser = try row.decode(column: "end_user", as: String?.self)
        record.tags = try row.decode(column: "tags", as: String?.self)?.split(separator: ",").map(String.init) ?? []
        if let currency, let nanos = try row.decode(column: "provider_cost_nanos", as: Int64?.self) {
            record.providerCost = Money(nanos: nanos, currency: currency)
        }
        record.packageTokens = try row.decode(column: "package_tokens", as: Int64.self)
        record.reserved = try row.decode(column: "reserved_nanos", as: Int64.self)
        record.settlement = try row.decode(column: "settlement", as: String?.self)
        record.route = try row.decode(column: "route", as: String?.self)
        record.attempts = try row.decode(column: "attempts", as: String?.self).map(AttemptRecord.decode) ?? []
        record.cache = try row.decode(column: "cache", as: String?.self)
        record.savedTokens = try row.decode(column: "saved_tokens", as: Int64.self)
        let saved = try row.decode(column: "saved_nanos", as: Int64.self)
        if let currency, saved != 0 { record.savedCost = Money(nanos: saved, currency: currency) }
        record.promptHash = try row.decode(column: "prompt_hash", as: String?.self)
        record.prefixHash = try row.decode(column: "prefix_hash", as: String?.self)
        record.finishReason = try row.decode(column: "finish_reason", as: String?.self)
        record.promptSize = PromptSize(total: try row.decode(column: "prompt_bytes", as: Int64.self),
                                       system: try row.decode(column: "system_bytes", as: Int64.self),
                                       tools: try row.decode(column: "tool_bytes", as: Int64.self),
                                       toolOutput: try row.decode(column: "tool_output_bytes", as: Int64.self))
        return record
    }

    /// A session's totals: requests, tokens by kind, and cost.
    public func sessionTotals(organizationID: String, sessionID: String) async throws -> SessionTotals {
        let row = try await database.sql.raw("""
            SELECT COUNT(*) AS requests,
                   CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input, CAST(COALESCE(SUM(cached_input_tokens), 0) AS BIGINT) AS cached,
                   CAST(COALESCE(SUM(cache_write_tokens), 0) AS BIGINT) AS cache_write,
                   CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output, CAST(COALESCE(SUM(reasoning_tokens), 0) AS BIGINT) AS reasoning,
                   CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT) AS cost, MIN(created_at) AS first_at, MAX(created_at) AS last_at
            FROM request_records WHERE org_id = \(bind: organizationID) AND session_id = \(bind: sessionID)
            """).first()
        guard let row else { return SessionTotals(sessionID: sessionID, requests: 0, usage: .zero, costNanos: 0) }
        return SessionTotals(
            sessionID: sessionID, requests: try row.decode(column: "requests", as: Int.self),
            usage: TokenUsage(input: try row.decode(column: "input", as: Int.self), cachedInput: try row.decode(column: "cached", as: Int.self),
                              cacheWrite: try row.decode(column: "cache_write", as: Int.self),
                              output: try row.decode(column: "output", as: Int.self), reasoning: try row.decode(column: "reasoning", as: Int.self)),
            costNanos: try row.decode(column: "cost", as: Int64.self),
            firstAt: try row.decode(column: "first_at", as: Int64?.self).map(Timestamp.date(milliseconds:)),
            lastAt: try row.decode(column: "last_at", as: Int64?.self).map(Timestamp.date(milliseconds:)))
    }
}

/// What one agent session has done so far.
public struct SessionTotals: Hashable, Sendable, Codable {
    public var sessionID: String
    public var requests: Int
    public var usage: TokenUsage
    /// Charged, in the organization's currency's nano-units.
    public var costNanos: Int64
    public var firstAt: Date?
    public var lastAt: Date?

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", requests, usage, costNanos = "cost_nanos", firstAt = "first_at", lastAt = "last_at"
    }
}
