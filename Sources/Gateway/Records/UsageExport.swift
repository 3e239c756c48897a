import SQLKit
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Settled requests for invoicing systems: one line per priced request record, in CSV, JSON lines,
/// or CloudEvents (JSON lines of `tollgate.request` events, the shape OpenMeter ingests), each
/// identified by its request id so a system that ingests an export twice counts it once.
public enum UsageExport {
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl, cloudevents

        /// The media type an HTTP answer carries it as.
        public var contentType: String {
            switch self {
            case .csv: "text/csv; charset=utf-8"
            case .jsonl: "application/x-ndjson"
            case .cloudevents: "application/cloudevents+json; charset=utf-8"
            }
        }
    }

    static let columns = ["id", "time", "org_id", "team", "key_id", "session_id", "end_user", "tags", "model_requested", "model_used",
                          "provider", "status", "streamed", "cache", "usage_source", "input_tokens", "cached_input_tokens",
                          "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost", "provider_cost", "currency"]

    /// The header line, for formats that have one.
    public static func header(_ format: Format) -> String? {
        format == .csv ? columns.joined(separator: ",") + "\n" : nil
    }

    /// The export's lines for `records`: only those that were priced (a settled charge, zero
    /// included); each ends in a newline.
    public static func lines(_ records: [RequestRecord], format: Format) -> String {
        var out = ""
        for record in records where record.cost != nil {
            let fields = Self.fields(record)
            switch format {
            case .csv:
                out += fields.map { csvField($0.value) }.joined(separator: ",") + "\n"
            case .jsonl:
                out += Self.object(fields).jsonText + "\n"
            case .cloudevents:
                var data = fields
                data.removeAll { ["id", "time", "org_id"].contains($0.name) }
                let event: JSONValue = [
                    "specversion": "1.0", "type": "tollgate.request", "id": .string(record.id), "source": "tollgate",
                    "time": .string(timestamp(record.createdAt)), "subject": .string(record.organizationID ?? ""),
                    "datacontenttype": "application/json", "data": object(data),
                ]
                out += event.jsonText + "\n"
            }
        }
        return out
    }

    private static func fields(_ record: RequestRecord) -> [(name: String, value: JSONValue)] {
        let text: (String?) -> JSONValue = { $0.map(JSONValue.string) ?? .null }
        let usage = record.usage
        return [
            ("id", .string(record.id)), ("time", .string(timestamp(record.createdAt))), ("org_id", text(record.organizationID)),
            ("team", text(record.team)), ("key_id", text(record.keyID)), ("session_id", text(record.sessionID)),
            ("end_user", text(record.endUser)), ("tags", record.tags.isEmpty ? .null : .string(record.tags.joined(separator: ","))),
            ("model_requested", text(record.modelRequested)), ("model_used", text(record.modelUsed)), ("provider", text(record.provider)),
            ("status", .int(Int64(record.status))), ("streamed", .bool(record.streamed)), ("cache", text(record.cache)),
            ("usage_source", .string(record.usageSource.rawValue)),
            ("input_tokens", .int(Int64(usage.input))), ("cached_input_tokens", .int(Int64(usage.cachedInput))),
            ("cache_write_tokens", .int(Int64(usage.cacheWrite))), ("output_tokens", .int(Int64(usage.output))),
            ("reasoning_tokens", .int(Int64(usage.reasoning))),
            ("cost", text(record.cost?.decimalString)), ("provider_cost", text(record.providerCost?.decimalString)),
            ("currency", text(record.cost?.currency.code)),
        ]
    }

    private static func object(_ fields: [(name: String, value: JSONValue)]) -> JSONValue {
        var object = JSONObject()
        for (name, value) in fields { object[name] = value }
        return .object(object)
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon)
            .timeZone(separator: .omitted))
    }

    private static func csvField(_ value: JSONValue) -> String {
        let text: String
        switch value {
        case .null: return ""
        case .string(let string): text = string
        case .bool(let bool): return bool ? "true" : "false"
        default: text = value.jsonText
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension RequestRecordStore {
    /// Every record created in [from, to), of one organization or all, oldest first, a page at a
    /// time: `body` gets each page as it is read.
    public func forEachPage(organizationID: String?, from: Date, to: Date, pageSize: Int = 5_000,
                            _ body: ([RequestRecord]) async throws -> Void) async throws {
        var after: (Int64, String)?
        while true {
            var query = database.sql.select().column("*").from("request_records")
                .where("created_at", .greaterThanOrEqual, Timestamp.milliseconds(from)).where("created_at", .lessThan, Timestamp.milliseconds(to))
            if let organizationID { query = query.where("org_id", .equal, organizationID) }
            if let (time, id) = after {
                query = query.where { group in
                    group.where("created_at", .greaterThan, time).orWhere { inner in
                        inner.where("created_at", .equal, time).where("id", .greaterThan, id)
                    }
                }
            }
            let page = try await query.orderBy("created_at", .ascending).orderBy("id", .ascending).limit(pageSize).all()
                .map(Self.record(from:))
            if page.isEmpty { return }
            try await body(page)
            guard page.count == pageSize, let last = page.last else { return }
            after = (Timestamp.milliseconds(last.createdAt), last.id)
        }
    }
}
