import Pricing
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an organization saved in a period, by source: the response cache (what the hits would
/// have cost, less what they were charged), the providers' prompt caches (cached input at the
/// cached rate instead of the full one, less what cache writes cost above it), and routing (what
/// each request through a route would have cost on the route's dearest candidate, less what it
/// cost). Priced at the organization's own prices at each request's time.
///
/// Routing's comparison prices the request's tokens as its answering model counted them; the
/// premium model's own tokenizer would count somewhat differently.
public struct SavingsReport: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable, CaseIterable {
        case responseCache = "response_cache"
        case providerPromptCache = "provider_prompt_cache"
        case routing

        var title: String {
            switch self {
            case .responseCache: "response cache"
            case .providerPromptCache: "provider prompt caches"
            case .routing: "routing (against the route's premium model)"
            }
        }
    }

    public struct Line: Sendable, Hashable {
        public var source: Source
        /// The requests it applied to.
        public var requests: Int
        /// Tokens not paid for at full price: answered from the cache, read from a prompt cache,
        /// or (routing) the tokens sent to a cheaper model.
        public var tokens: Int64
        public var nanos: Int64
    }

    public var organization: String
    public var currency: Currency
    public var from: Date
    public var to: Date
    public var requests: Int
    /// What was charged in the period.
    public var spentNanos: Int64
    public var lines: [Line]

    public var savedNanos: Int64 { lines.reduce(0) { $0 + $1.nanos } }

    public static func build(records: [RequestRecord], organization: Organization, configuration: GatewayConfiguration,
                             from: Date, to: Date) -> SavingsReport {
        let pricing = RecordPricing(configuration: configuration, organization: organization)
        var lines = Dictionary(uniqueKeysWithValues: Source.allCases.map { ($0, Line(source: $0, requests: 0, tokens: 0, nanos: 0)) })
        for record in records where record.status == 200 {
            if record.cache == "hit" {
                lines[.responseCache]!.requests += 1
                lines[.responseCache]!.tokens += record.savedTokens
                lines[.responseCache]!.nanos += (record.savedCost?.nanos ?? 0) - (record.cost?.nanos ?? 0)
                continue
            }
            let usage = record.usage
            if usage.cachedInput > 0 || usage.cacheWrite > 0 {
                let read = pricing.cachingSaves(usage.cachedInput, record)
                let written = pricing.value(TokenUsage(cacheWrite: usage.cacheWrite), record) - pricing.value(TokenUsage(input: usage.cacheWrite), record)
                lines[.providerPromptCache]!.requests += 1
                lines[.providerPromptCache]!.tokens += Int64(usage.cachedInput)
                lines[.providerPromptCache]!.nanos += read - written
            }
            if let requested = record.modelRequested, let route = configuration.routes.first(where: { $0.name == requested }),
               let premium = premium(of: route, configuration: configuration, at: record.createdAt), premium.name != record.modelUsed,
               let cost = record.cost {
                let instead = pricing.value(usage, record, model: premium)
                lines[.routing]!.requests += 1
                lines[.routing]!.tokens += Int64(usage.total)
                lines[.routing]!.nanos += instead - cost.nanos
            }
        }
        return SavingsReport(organization: organization.name, currency: organization.currency, from: from, to: to,
                             requests: records.count, spentNanos: records.reduce(0) { $0 + ($1.cost?.nanos ?? 0) },
                             lines: Source.allCases.map { lines[$0]! })
    }

    /// A route's dearest candidate by list price (1M input plus 1M output tokens).
    static func premium(of route: RouteDefinition, configuration: GatewayConfiguration, at date: Date) -> ModelDefinition? {
        route.candidates.compactMap { name in configuration.models.first { $0.name == name } }
            .compactMap { model in configuration.quote(of: model, at: date).map { (model, $0.blended) } }
            .max { $0.1 < $1.1 }?.0
    }
}
