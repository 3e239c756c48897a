/// The response cache's limits and price: `cache:` in `tollgate.yaml`. Whether a request is
/// cached is asked for per request (`cache-control: max-age=N`) or per route (`cache_ttl_seconds`).
///
/// ```yaml
/// cache:
///   max_entries: 100000     # answers kept in the database; the least recently used go first
///   memory_mb: 64           # the in-memory front of each replica
///   hit_price_share: 0      # a hit is charged this share of what the call would have cost (default 0)
/// ```
public struct CacheSettings: Sendable, Hashable {
    public var maxEntries = 100_000
    public var memoryBytes = 64 << 20
    /// What a hit is charged, in millionths of what the call would have cost.
    public var hitPriceMillionths: Int64 = 0
    /// The longest time to live a request may ask for.
    public var maxTTL: Duration = .seconds(30 * 86_400)

    public init() {}
}
