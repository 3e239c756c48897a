import Logging
import ServiceLifecycle
import SQLKit
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers kept for the Responses API's conversation state: each stored response with the whole
/// input it answered, per organization, until it expires. Another organization's id is never
/// found.
public final class ResponseStore: Sendable {
    /// One kept response.
    public struct Stored: Sendable {
        public var id: String
        /// Every input item the response answered, the earlier turns included.
        public var input: [JSONValue]
        /// The response object as the client received it.
        public var response: JSONValue
        /// Its output items: with `input`, the history a next turn continues.
        public var output: [JSONValue] { response["output"]?.arrayValue ?? [] }
    }

    let database: Database
    let clock: any TimeSource
    let retention: Duration

    init(database: Database, clock: any TimeSource, retention: Duration) {
        self.database = database
        self.clock = clock
        self.retention = retention
    }

    func save(id: String, organization: String, key: String?, input: [JSONValue], response: JSONValue) async throws {
        let now = Timestamp.milliseconds(clock.date())
        let expires = now + retention.wholeMilliseconds
        let inputText = JSONValue.array(input).jsonText
        let responseText = response.jsonText
        try await database.write { sql in try await sql.raw("""
            INSERT INTO stored_responses (id, org_id, key_id, input, response, created_at, expires_at)
            VALUES (\(bind: id), \(bind: organization), \(bind: key), \(bind: inputText), \(bind: responseText), \(bind: now), \(bind: expires))
            """).run() }
    }

    /// The organization's live response with this id.
    func find(id: String, organization: String) async throws -> Stored? {
        let now = Timestamp.milliseconds(clock.date())
        guard let row = try await database.sql.raw("""
            SELECT input, response FROM stored_responses
            WHERE id = \(bind: id) AND org_id = \(bind: organization) AND expires_at > \(bind: now)
            """).first() else { return nil }
        let input = try JSONValue(parsing: Array(try row.decode(column: "input", as: String.self).utf8))
        let response = try JSONValue(parsing: Array(try row.decode(column: "response", as: String.self).utf8))
        return Stored(id: id, input: input.arrayValue ?? [], response: response)
    }

    /// Deletes the organization's response; whether there was one.
    func delete(id: String, organization: String) async throws -> Bool {
        let rows = try await database.write { sql in try await sql.raw("""
            DELETE FROM stored_responses WHERE id = \(bind: id) AND org_id = \(bind: organization) RETURNING id
            """).all() }
        return !rows.isEmpty
    }

    /// Deletes every expired response; how many.
    @discardableResult
    func sweep() async throws -> Int {
        let now = Timestamp.milliseconds(clock.date())
        let rows = try await database.write { sql in try await sql.raw("""
            DELETE FROM stored_responses WHERE expires_at <= \(bind: now) RETURNING id
            """).all() }
        return rows.count
    }
}

/// Deletes expired stored responses every `interval`, and once at start-up.
struct ResponseExpiry: Service {
    let store: ResponseStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await store.sweep()
            } catch {
                logger.warning("could not delete expired responses", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
