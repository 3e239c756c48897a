import Crypto
import Logging
import Providers
import SQLKit
import Storage
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The exact response cache: answers kept per organization under the digest of the request's
/// canonical form, in the database (so replicas share them) with an in-memory front.
///
/// An entry is served while it is younger than the asking request's time to live and its own;
/// the database keeps at most `maxEntries`, the least recently used going first, and the front at
/// most `memoryBytes`. Entries of one organization are never found by another: the organization
/// is part of every lookup.
final class ResponseCache: Sendable {
    let database: Database
    let settings: CacheSettings
    let clock: any TimeSource
    let logger: Logger
    private let front: Mutex<Front>

    init(database: Database, settings: CacheSettings, clock: any TimeSource, logger: Logger) {
        self.database = database
        self.settings = settings
        self.clock = clock
        self.logger = logger
        front = Mutex(Front(limit: settings.memoryBytes))
    }

    /// The cache key of a request: its organization and the digest of its canonical form.
    static func key(organization: String, digest: String) -> String { organization + ":" + digest }

    /// The digest of `value`'s canonical form (SHA-256, hex).
    static func digest(_ value: JSONValue) -> String {
        SHA256.hash(data: value.canonicalized.encodedBytes()).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The live entry for `key` no older than `maxAge`, from memory, else from the database.
    func find(_ key: String, maxAge: Duration) async throws -> CachedAnswer? {
        let now = Timestamp.milliseconds(clock.date())
        let oldest = now - maxAge.wholeMilliseconds
        let fresh = { (entry: CachedAnswer) in entry.expiresAt > now && entry.createdAt >= oldest }
        if let entry = front.withLock({ $0.get(key) }) {
            if fresh(entry) {
                await touch(key, at: now)
                return entry
            }
        }
        guard let row = try await database.sql.raw("""
            SELECT answer, model, provider, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                   created_at, expires_at
            FROM response_cache WHERE cache_key = \(bind: key) AND expires_at > \(bind: now) AND created_at >= \(bind: oldest)
            """).first() else { return nil }
        let entry = CachedAnswer(
            response: try CachedAnswer.response(fromAnswerText: try row.decode(column: "answer", as: String.self)),
            usage: TokenUsage(input: try row.decode(column: "input_tokens", as: Int.self),
                              cachedInput: try row.decode(column: "cached_input_tokens", as: Int.self),
                              cacheWrite: try row.decode(column: "cache_write_tokens", as: Int.self),
                              output: try row.decode(column: "output_tokens", as: Int.self),
                              reasoning: try row.decode(column: "reasoning_tokens", as: Int.self)),
            model: try row.decode(column: "model", as: String.self), provider: try row.decode(column: "provider", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self), expiresAt: try row.decode(column: "expires_at", as: Int64.self))
        front.withLock { $0.put(key, entry) }
        await touch(key, at: now)
        return entry
    }

    /// Keeps an answer under `key` for `ttl`, replacing what was there; then evicts what is
    /// expired and, past `maxEntries`, the least recently used.
    func store(_ key: String, organization: String, response: ChatResponse, usage: TokenUsage, model: String, provider: String,
               ttl: Duration) async {
        let now = Timestamp.milliseconds(clock.date())
        let entry = CachedAnswer(response: response, usage: usage, model: model, provider: provider, createdAt: now,
                                 expiresAt: now + ttl.wholeMilliseconds)
        front.withLock { $0.put(key, entry) }
        let answer = entry.answerText
        do {
            try await database.write { sql in try await sql.raw("""
                INSERT INTO response_cache (cache_key, org_id, answer, model, provider, input_tokens, cached_input_tokens,
                    cache_write_tokens, output_tokens, reasoning_tokens, created_at, expires_at, last_used_at)
                VALUES (\(bind: key), \(bind: organization), \(bind: answer), \(bind: model), \(bind: provider), \(bind: usage.input),
                    \(bind: usage.cachedInput), \(bind: usage.cacheWrite), \(bind: usage.output), \(bind: usage.reasoning),
                    \(bind: now), \(bind: entry.expiresAt), \(bind: now))
                ON CONFLICT (cache_key) DO UPDATE SET answer = excluded.answer, model = excluded.model, provider = excluded.provider,
                    input_tokens = excluded.input_tokens, cached_input_tokens = excluded.cached_input_tokens,
                    cache_write_tokens = excluded.cache_write_tokens, output_tokens = excluded.output_tokens,
                    reasoning_tokens = excluded.reasoning_tokens, created_at = excluded.created_at, expires_at = excluded.expires_at,
                    last_used_at = excluded.last_used_at
                """).run() }
            try await evict(now: now)
        } catch {
            logger.warning("could not keep an answer in the response cache", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes expired entries and, past `maxEntries`, the least recently used.
    func evict(now: Int64) async throws {
        try await database.write { sql in
            try await sql.raw("DELETE FROM response_cache WHERE expires_at <= \(bind: now)").run()
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM response_cache").first()?.decode(column: "n", as: Int.self) ?? 0
            let excess = count - settings.maxEntries
            if excess > 0 {
                let evicted = try await sql.raw("""
                    SELECT cache_key FROM response_cache ORDER BY last_used_at ASC, cache_key ASC LIMIT \(bind: excess)
                    """).all().map { try $0.decode(column: "cache_key", as: String.self) }
                for key in evicted {
                    try await sql.raw("DELETE FROM response_cache WHERE cache_key = \(bind: key)").run()
                }
                front.withLock { front in for key in evicted { front.remove(key) } }
            }
        }
    }

    /// Marks the entry used now, for eviction (shared by the replicas); a failure only costs its
    /// place in the order.
    private func touch(_ key: String, at now: Int64) async {
        try? await database.write { sql in
            try await sql.raw("UPDATE response_cache SET last_used_at = \(bind: now) WHERE cache_key = \(bind: key)").run()
        }
    }

    /// The in-memory front: entries by key, least recently used evicted past `limit` bytes.
    struct Front: Sendable {
        let limit: Int
        private var entries: [String: (entry: CachedAnswer, used: UInt64)] = [:]
        private var bytes = 0
        private var tick: UInt64 = 0

        init(limit: Int) { self.limit = limit }

        mutating func get(_ key: String) -> CachedAnswer? {
            guard var found = entries[key] else { return nil }
            tick += 1
            found.used = tick
            entries[key] = found
            return found.entry
        }

        mutating func put(_ key: String, _ entry: CachedAnswer) {
            guard entry.size <= limit else { return }
            remove(key)
            tick += 1
            entries[key] = (entry, tick)
            bytes += entry.size
            guard bytes > limit else { return }
            // Down to 90% at once, so eviction is amortized over many puts.
            for (key, _) in entries.sorted(by: { $0.value.used < $1.value.used }) {
                if bytes <= limit * 9 / 10 { break }
                remove(key)
            }
        }

        mutating func remove(_ key: String) {
            if let old = entries.removeValue(forKey: key) { bytes -= old.entry.size }
        }
    }
}
