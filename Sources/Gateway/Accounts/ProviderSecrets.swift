import Crypto
import Logging
import Providers
import SQLKit
import ServiceLifecycle
import Storage
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The key that seals provider API keys kept in the database: 32 random bytes, given to every
/// replica in `TOLLGATE_MASTER_KEY` (base64 or 64 hex digits) and never stored.
public struct MasterKey: Sendable {
    let key: SymmetricKey
    /// A public name for the key (the first 8 bytes of its SHA-256, in hex), kept beside each sealed
    /// secret so that one sealed under another key is told apart from a damaged one.
    public let id: String

    /// Reads the key, or says what is wrong with the text (never quoting it).
    public init(text: String) throws(MasterKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: [UInt8]
        if trimmed.count == 64, let hex = Self.hexBytes(trimmed) {
            bytes = hex
        } else if let data = Data(base64Encoded: trimmed) {
            bytes = Array(data)
        } else {
            throw MasterKeyError("TOLLGATE_MASTER_KEY must be 32 bytes in base64 or 64 hex digits (make one with `openssl rand -base64 32`)")
        }
        guard bytes.count == 32 else {
            throw MasterKeyError("TOLLGATE_MASTER_KEY must be 32 bytes; it is \(bytes.count) (make one with `openssl rand -base64 32`)")
        }
        key = SymmetricKey(data: bytes)
        let digits = Array("0123456789abcdef")
        id = String(SHA256.hash(data: bytes).prefix(8).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = Self.nibble(high), let l = Self.nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `secret` sealed with AES-256-GCM (a random nonce, the tag, and the provider's name as
    /// authenticated data, so a sealed key cannot be moved to another provider), in base64.
    func seal(_ secret: String, provider: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Self.context(provider))
        guard let combined = box.combined else { throw MasterKeyError("AES-GCM gave no combined form") }
        return combined.base64EncodedString()
    }

    /// The secret `sealed` holds, or nil if it was not sealed by this key for this provider.
    func open(_ sealed: String, provider: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Self.context(provider)) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    private static func context(_ provider: String) -> Data { Data("tollgate provider key: \(provider)".utf8) }
}

/// A master key that cannot be used.
public struct MasterKeyError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Provider API keys set by an administrator at run time: sealed under the master key in the
/// database (shared by every replica), open only in memory (`ProviderKeyring`), where they take the
/// place of the configured keys. Every replica reloads them every few seconds, so a key set on one
/// is used by all within that time. A key is never logged, and never returned: only its last four
/// characters, as a hint.
public final class ProviderSecretStore: Sendable {
    /// What the admin API shows of a provider and its key.
    public struct Entry: Encodable, Sendable, Equatable {
        public var name: String
        public var kind: String
        public var baseURL: String
        public var region: String?
        /// `managed` (set through the admin API, in use), `config` (the configuration's key),
        /// `none`, or `unreadable` (sealed under another master key: the configured key, if any,
        /// is used meanwhile).
        public var keySource: String
        public var keyHint: String?
        public var updatedAt: Date?

        enum CodingKeys: String, CodingKey {
            case name, kind, region
            case baseURL = "base_url", keySource = "key_source", keyHint = "key_hint", updatedAt = "updated_at"
        }
    }

    let database: Database
    let masterKey: MasterKey?
    let keyring: ProviderKeyring
    let providers: [Provider]
    let clock: any TimeSource
    let logger: Logger
    /// Providers whose sealed key this master key cannot open, reported once each.
    private let unreadable = Mutex<Set<String>>([])
    /// Orders sets, removals and reloads, each from its database read or write to its keyring
    /// update: a reload that read before a set cannot undo it (or bring back a removed key).
    private let changes = AsyncLock()

    public init(database: Database, masterKey: MasterKey?, keyring: ProviderKeyring, providers: [Provider],
                clock: any TimeSource, logger: Logger) {
        self.database = database
        self.masterKey = masterKey
        self.keyring = keyring
        self.providers = providers
        self.clock = clock
        self.logger = logger
    }

    /// Seals `apiKey` for the configured provider `name` and uses it from now on (on this replica at
    /// once, on the others at their next reload).
    public func set(_ apiKey: String, for name: String) async throws -> Entry {
        let masterKey = try requireMasterKey()
        guard let provider = providers.first(where: { $0.name == name }) else { throw GatewayError.notFound("no provider '\(name)' is configured") }
        let sealed = try masterKey.seal(apiKey, provider: name)
        // No hint of a key so short that four characters would give much of it away.
        let hint = apiKey.count >= 12 ? String(apiKey.suffix(4)) : ""
        let now = Timestamp.milliseconds(clock.date())
        try await changes.withLock {
            try await database.write { sql in
                try await sql.insert(into: "provider_secrets")
                    .columns("provider", "sealed", "master_key_id", "key_hint", "updated_at")
                    .values(SQLBind(name), SQLBind(sealed), SQLBind(masterKey.id), SQLBind(hint), SQLBind(now))
                    .onConflict(with: ["provider"]) { conflict in
                        conflict.set(excludedValueOf: "sealed").set(excludedValueOf: "master_key_id")
                            .set(excludedValueOf: "key_hint").set(excludedValueOf: "updated_at")
                    }
                    .run()
            }
            keyring.set(apiKey, for: name)
        }
        unreadable.withLock { _ = $0.remove(name) }
        logger.notice("a provider key was set", metadata: ["provider": "\(name)", "key_hint": "\(hint)"])
        return entry(provider, row: Row(sealed: sealed, masterKeyID: masterKey.id, hint: hint, updatedAt: now))
    }

    /// Forgets the managed key of `name` (its configured key, if any, is used again); nil if it had
    /// none.
    public func remove(_ name: String) async throws -> Entry? {
        guard let provider = providers.first(where: { $0.name == name }) else { throw GatewayError.notFound("no provider '\(name)' is configured") }
        let removed = try await changes.withLock {
            let removed = try await database.write { sql in
                try await sql.delete(from: "provider_secrets").where("provider", .equal, SQLBind(name)).returning("provider").all()
            }
            keyring.set(nil, for: name)
            return removed
        }
        guard !removed.isEmpty else { return nil }
        logger.notice("a provider key was removed", metadata: ["provider": "\(name)"])
        return entry(provider, row: nil)
    }

    /// Every configured provider and where its key comes from.
    public func entries() async throws -> [Entry] {
        let rows = try await self.rows()
        return providers.map { entry($0, row: rows[$0.name]) }
    }

    /// Reads every sealed key and opens those this master key can: what the keyring holds after.
    public func reload() async throws {
        try await changes.withLock { try await reloadNow() }
    }

    private func reloadNow() async throws {
        let rows = try await self.rows()
        var open: [String: String] = [:]
        for (name, row) in rows {
            if let secret = masterKey?.open(row.sealed, provider: name) {
                open[name] = secret
                unreadable.withLock { _ = $0.remove(name) }
            } else if unreadable.withLock({ $0.insert(name).inserted }) {
                logger.error("a provider key in the database cannot be opened with this TOLLGATE_MASTER_KEY; the configured key is used",
                             metadata: ["provider": "\(name)", "sealed_with": "\(row.masterKeyID)", "master_key": "\(masterKey?.id ?? "none")"])
            }
        }
        keyring.replaceAll(open)
    }

    private struct Row {
        var sealed: String
        var masterKeyID: String
        var hint: String
        var updatedAt: Int64
    }

    private func rows() async throws -> [String: Row] {
        let rows = try await database.sql.raw("SELECT provider, sealed, master_key_id, key_hint, updated_at FROM provider_secrets").all()
        var result: [String: Row] = [:]
        for row in rows {
            result[try row.decode(column: "provider", as: String.self)] = Row(
                sealed: try row.decode(column: "sealed", as: String.self), masterKeyID: try row.decode(column: "master_key_id", as: String.self),
                hint: try row.decode(column: "key_hint", as: String.self), updatedAt: try row.decode(column: "updated_at", as: Int64.self))
        }
        return result
    }

    private func entry(_ provider: Provider, row: Row?) -> Entry {
        var entry = Entry(name: provider.name, kind: provider.kind.rawValue, baseURL: provider.baseURL, region: provider.region,
                          keySource: provider.apiKey?.isEmpty == false ? "config" : "none")
        if let row {
            let readable = masterKey?.open(row.sealed, provider: provider.name) != nil
            entry.keySource = readable ? "managed" : "unreadable"
            entry.keyHint = row.hint.isEmpty ? nil : "…" + row.hint
            entry.updatedAt = Timestamp.date(milliseconds: row.updatedAt)
        }
        return entry
    }

    private func requireMasterKey() throws -> MasterKey {
        guard let masterKey else {
            throw GatewayError(status: 409, type: "invalid_request_error", code: "master_key_missing",
                               message: "Provider keys are kept only sealed: start the gateway with TOLLGATE_MASTER_KEY (32 bytes, base64) to set them.")
        }
        return masterKey
    }
}

/// Reloads the managed provider keys every few seconds, so a key set on one replica reaches all.
struct ProviderSecretReloader: Service {
    let store: ProviderSecretStore
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            do {
                try await store.reload()
            } catch {
                store.logger.warning("could not reload provider keys", metadata: ["error": "\(error)"])
            }
        }
    }
}
