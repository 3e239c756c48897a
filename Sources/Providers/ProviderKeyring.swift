import Synchronization

/// Provider API keys managed at run time (kept encrypted in the database by the gateway), which
/// take the place of the keys a configuration gives. Read on every upstream call; written when an
/// administrator sets or removes a key and when the gateway reloads them from the database.
public final class ProviderKeyring: Sendable {
    private let keys = Mutex<[String: String]>([:])

    public init() {}

    /// The managed key of `provider`, if it has one.
    public func apiKey(for provider: String) -> String? { keys.withLock { $0[provider] } }

    /// Sets or (with nil) removes the managed key of `provider`.
    public func set(_ apiKey: String?, for provider: String) { keys.withLock { $0[provider] = apiKey } }

    /// Replaces every managed key at once (after reading them all from the database).
    public func replaceAll(_ apiKeys: [String: String]) { keys.withLock { $0 = apiKeys } }
}
