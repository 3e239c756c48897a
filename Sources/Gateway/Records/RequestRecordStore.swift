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
        try await database.transaction { sql in
            var insert = sql.insert(into: "request_records").columns(
                "id", "key_id", "org_id", "model_requested", "model_used", "provider", "status", "streamed",
                "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
                "cost_nanos", "currency", "usage_source", "latency_ms", "ttft_ms", "error", "created_at")
            for record in records {
                insert = insert.values(
                    SQLBind(record.id), SQLBind(record.keyID), SQLBind(record.organizationID), SQLBind(record.modelRequested),
                    SQLBind(record.modelUsed), SQLBind(record.provider), SQLBind(record.status), SQLBind(record.streamed ? 1 : 0),
                    SQLBind(record.usage.input), SQLBind(record.usage.cachedInput), SQLBind(record.usage.cacheWrite),
                    SQLBind(record.usage.output), SQLBind(record.usage.reasoning), SQLBind(record.cost?.nanos ?? 0),
                    SQLBind(record.cost?.currency.code), SQLBind(record.usageSource.rawValue),
                    SQLBind(record.latencyMilliseconds), SQLBind(record.timeToFirstTokenMilliseconds),
                    SQLBind(record.error), SQLBind(Timestamp.milliseconds(record.createdAt)))
            }
            try await insert.run()
        }
    }

    /// The newest records first, optionally of one organization.
    public func recent(organizationID: String? = nil, limit: Int = 100) async throws -> [RequestRecord] {
        var query = database.sql.select().column("*").from("request_records")
        if let organizationID { query = query.where("org_id", .equal, organizationID) }
        return try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all()
            .map(Self.record(from:))
    }

    /// One record by id.
    public func record(id: String) async throws -> RequestRecord? {
        try await database.sql.select().column("*").from("request_records").where("id", .equal, id).first()
            .map(Self.record(from:))
    }

    static func record(from row: any SQLRow) throws -> RequestRecord {
        let currency = try row.decode(column: "currency", as: String?.self).flatMap(Currency.init(knownCode:))
        let source = try row.decode(column: "usage_source", as: String.self)
        return RequestRecord(
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
    }
}
