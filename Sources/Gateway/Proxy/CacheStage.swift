import HTTPTypes
import Logging
import Providers
import Routing
import TollgateCore

/// The response cache on the request path: after the plan and before the reservation it decides
/// whether a request is cached and looks it up; after a good answer it fills the entry.
///
/// A request is cached when it asks (`cache-control: max-age=N`), or its key or its route does
/// (`cache_ttl_seconds`), is deterministic (temperature 0, unless the route caches any), asks for
/// one answer and keeps no conversation state. `no-store` bypasses the cache; `no-cache` skips
/// the lookup but fills the entry with the fresh answer.
struct CacheStage: Sendable {
    let cache: ResponseCache
    let settings: CacheSettings
    let logger: Logger

    /// What the cache does for one request.
    struct Lookup: Sendable {
        /// The entry's key: the organization, the model the plan tries first, the prompt's digest.
        var key: String
        var organization: String
        var ttl: Duration
        /// Whether an entry may answer it (`no-cache` says no).
        var read: Bool
    }

    /// What `cache-control` asks: `nil` when it says nothing of caching.
    struct Directives: Sendable, Hashable {
        var maxAge: Duration?
        var noStore = false
        var noCache = false

        init?(_ header: String?) throws(GatewayError) {
            guard let header else { return nil }
            for directive in header.split(separator: ",") {
                let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                switch parts.first {
                case "no-store": noStore = true
                case "no-cache": noCache = true
                case "max-age":
                    guard parts.count == 2, let seconds = Int(parts[1].filter { $0 != "\"" }),
                          seconds >= 0 else {
                        throw GatewayError.badRequest("'cache-control: max-age' must be a whole number of seconds.")
                    }
                    maxAge = .seconds(seconds)
                default: continue
                }
            }
        }
    }

    /// The lookup for a request, or `nil` when the cache is bypassed.
    func decide(_ admitted: AdmittedRequest, profile: PromptProfile, plan: RoutePlan, route: RouteDefinition?) throws -> Lookup? {
        let directives = try Directives(admitted.headers[.cacheControlRequest])
        if directives?.noStore == true { return nil }
        let keyTTL = admitted.caller.key.cacheTTLSeconds.map { Duration.seconds($0) }
        guard let asked = directives?.maxAge ?? keyTTL ?? route?.cacheTTL, asked > .zero, let first = plan.candidates.first,
              let chat = admitted.chat else { return nil }
        let format = admitted.format
        // Answers kept for later turns, embeddings and several choices are not cached.
        guard format.embeddingInputs(of: admitted.body) == nil, !format.keepsAnswer(admitted.body),
              format.previousResponseID(of: admitted.body) == nil, format.choices(of: admitted.body) == 1 else { return nil }
        guard chat.temperature == 0 || route?.cachesNondeterministic == true else { return nil }
        let organization = admitted.caller.organization.id
        return Lookup(key: ResponseCache.key(organization: organization, digest: first.name + ":" + profile.digest),
                      organization: organization, ttl: min(asked, settings.maxTTL), read: directives?.noCache != true)
    }

    /// The entry that answers the request, if one is live; a cache that cannot be read is a miss.
    func find(_ lookup: Lookup) async -> CachedAnswer? {
        guard lookup.read else { return nil }
        do {
            return try await cache.find(lookup.key, maxAge: lookup.ttl)
        } catch {
            logger.warning("the response cache cannot be read; answering without it", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Keeps a good answer: complete, not filtered, with its usage.
    func fill(_ lookup: Lookup, response: ChatResponse, usage: TokenUsage, model: ModelDefinition) async {
        guard response.finishReason != .contentFilter, !response.content.isEmpty else { return }
        await cache.store(lookup.key, organization: lookup.organization, response: response, usage: usage, model: model.name,
                          provider: model.provider.name, ttl: lookup.ttl)
    }

    /// What a hit is charged: the configured share of what the call would have cost.
    func hitCharge(_ saved: Money) -> Money {
        let share = settings.hitPriceMillionths
        return Money(nanos: (saved.nanos * share + 500_000) / 1_000_000, currency: saved.currency)
    }
}
