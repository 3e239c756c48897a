import Crypto
import Providers
import SQLKit
import Storage
import Synchronization
import TollgateCore

/// Requests sent with `idempotency-key`: the first one runs; a retry with the same key and the
/// same body gets the first one's answer again — not sent upstream, not charged again.
///
/// Only a completed answer (status 200, plain or streamed whole) is kept, for `lifetime`. A
/// request that failed, was refused or was cut leaves nothing, so its retry runs afresh (it was
/// charged only for what it delivered). The same key with a different body is refused (422); a
/// retry while the first is still running waits for nothing and gets 409.
struct IdempotencyStore: Sendable {
    let database: Database
    /// How long an answer is kept for retries. Default 24 hours.
    let lifetime: Duration

    /// Dates claims (wall-clock milliseconds).
    let clock: any TimeSource

    init(database: Database, lifetime: Duration = .seconds(86_400), clock: any TimeSource = SystemTimeSource()) {
        self.clock = clock
        self.database = database
        self.lifetime = lifetime
    }

    /// What to do with a request that carries a key.
    enum Claim: Sendable {
        /// Run it; `slot` records its answer.
        case run(IdempotencySlot)
        /// Answer with what the first request answered.
        case replay(status: Int, headers: [(String, String)], body: String)
    }

    /// The key as a client may send it: 1–255 printable ASCII characters.
    static func key(of value: String?) throws -> String? {
        guard let value else { return nil }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw GatewayError.badRequest("'idempotency-key' must be 1 to 255 printable ASCII characters.")
        }
        return value
    }

    func claim(organization: String, key: String, path: String, body: JSONValue, requestID: String) async throws -> Claim {
        let hash = SHA256.hash(data: Array(path.utf8) + [0] + body.encodedBytes()).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let now = Timestamp.milliseconds(clock.date())
        let oldest = now - lifetime.components.seconds * 1000
        for _ in 0..<2 {
            let inserted = try await database.write { sql in try await sql.raw("""
                INSERT INTO idempotent_requests (org_id, idem_key, request_hash, request_id, state, created_at)
                VALUES (\(bind: organization), \(bind: key), \(bind: hash), \(bind: requestID), 'running', \(bind: now))
                ON CONFLICT (org_id, idem_key) DO NOTHING RETURNING request_id
                """).all() }
            if !inserted.isEmpty { return .run(IdempotencySlot(store: self, organization: organization, key: key, requestID: requestID)) }
            guard let row = try await database.sql.raw("""
                SELECT request_hash, request_id, state, status, headers, body, created_at FROM idempotent_requests
                WHERE org_id = \(bind: organization) AND idem_key = \(bind: key)
                """).first() else { continue }  // it went away between the two statements
            if try row.decode(column: "created_at", as: Int64.self) < oldest {
                try await database.write { sql in try await sql.raw("""
                    DELETE FROM idempotent_requests WHERE org_id = \(bind: organization) AND idem_key = \(bind: key)
                      AND created_at < \(bind: oldest)
                    """).run() }
                continue
            }
            guard try row.decode(column: "request_hash", as: String.self) == hash else {
                throw GatewayError(status: 422, type: "invalid_request_error", code: "idempotency_key_reused",
                                   message: "This idempotency-key was used with a different request. Use a new key for a new request.")
            }
            guard try row.decode(column: "state", as: String.self) == "done" else {
                throw GatewayError(status: 409, type: "invalid_request_error", code: "idempotency_in_progress",
                                   message: "A request with this idempotency-key is still running; retry when it has finished.",
                                   retryAfter: "1")
            }
            let headers = try JSONValue(parsing: Array((try row.decode(column: "headers", as: String?.self) ?? "{}").utf8))
            return .replay(status: try row.decode(column: "status", as: Int.self),
                           headers: headers.objectValue?.compactMap { name, value in value.stringValue.map { (name, $0) } } ?? [],
                           body: try row.decode(column: "body", as: String?.self) ?? "")
        }
        throw GatewayError(status: 409, type: "invalid_request_error", code: "idempotency_in_progress",
                           message: "A request with this idempotency-key is changing; retry.", retryAfter: "1")
    }

    func complete(organization: String, key: String, requestID: String, status: Int, headers: [(String, String)], body: String) async throws {
        var object = JSONObject()
        for (name, value) in headers { object[name] = .string(value) }
        let headerText = JSONValue.object(object).jsonText
        try await database.write { sql in try await sql.raw("""
            UPDATE idempotent_requests SET state = 'done', status = \(bind: status), headers = \(bind: headerText), body = \(bind: body)
            WHERE org_id = \(bind: organization) AND idem_key = \(bind: key) AND request_id = \(bind: requestID)
            """).run() }
    }

    func release(organization: String, key: String, requestID: String) async throws {
        try await database.write { sql in try await sql.raw("""
            DELETE FROM idempotent_requests WHERE org_id = \(bind: organization) AND idem_key = \(bind: key) AND request_id = \(bind: requestID)
            """).run() }
    }
}

/// A running request's claim on its idempotency key: completed with its answer, or released.
/// Exactly one of the two happens; a slot dropped without either releases the key.
final class IdempotencySlot: Sendable {
    private let store: IdempotencyStore
    private let organization: String
    private let key: String
    private let requestID: String
    private let settled = Mutex<Bool>(false)

    init(store: IdempotencyStore, organization: String, key: String, requestID: String) {
        self.store = store
        self.organization = organization
        self.key = key
        self.requestID = requestID
    }

    private func take() -> Bool { settled.withLock { done in defer { done = true }; return !done } }

    /// Keeps the answer for retries, before the client has all of it, so a retry that follows
    /// at once finds it. If it cannot be kept, the key is freed instead.
    func complete(status: Int, headers: [(String, String)], body: String) async {
        guard take() else { return }
        do {
            try await store.complete(organization: organization, key: key, requestID: requestID, status: status, headers: headers, body: body)
        } catch {
            try? await store.release(organization: organization, key: key, requestID: requestID)
        }
    }

    /// Frees the key for a retry to run afresh.
    func release() {
        guard take() else { return }
        let (store, organization, key, requestID) = (store, organization, key, requestID)
        Task { try? await store.release(organization: organization, key: key, requestID: requestID) }
    }

    deinit { release() }
}
