import Pricing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns the `model` a client asked for into a plan: the candidates that can serve the request,
/// ordered by the route's policy, and why the others were left out.
///
/// First the constraints, for every candidate: the key may use it, its provider's region is
/// allowed, it is priced in the payer's currency and within the route's `max_price`, it has the
/// capabilities the request needs, the prompt plus `max_tokens` fits its context window. Then the
/// policy orders what is left; then candidates whose circuit breaker is open move out — unless
/// every one's is, when the one that opened longest ago is kept, rather than refusing outright.
public struct RoutePlanner: Sendable {
    public let models: [ModelDefinition]
    public let routes: [RouteDefinition]
    public let health: RouteHealth

    public init(models: [ModelDefinition], routes: [RouteDefinition], health: RouteHealth) {
        self.models = models
        self.routes = routes
        self.health = health
    }

    public func model(named name: String) -> ModelDefinition? { models.first { $0.name == name } }
    public func route(named name: String) -> RouteDefinition? { routes.first { $0.name == name } }

    /// The models a request for `name` might be served by, before any constraint: a model and its
    /// fallbacks, or a route's candidates. What the caller counts the prompt for.
    public func candidates(for name: String) -> [ModelDefinition] {
        if let model = model(named: name) {
            return [model] + model.fallbacks.compactMap(model(named:)).filter { $0.name != model.name }
        }
        return route(named: name)?.candidates.compactMap(model(named:)) ?? []
    }

    /// The plan for a request that names `name`.
    ///
    /// - Parameter quote: each model's list price per 1M tokens now, `nil` when it has none.
    /// - Throws: `RoutingError` when nothing can serve it; for a model named directly, the reason
    ///   its own candidacy failed (403 region, 400 capability, …).
    public func plan(_ name: String, for requirements: RouteRequirements, quote: (ModelDefinition) -> ModelQuote?,
                     using random: inout some RandomNumberGenerator) throws(RoutingError) -> RoutePlan {
        if let model = model(named: name) {
            guard requirements.allows(model.name) else {
                throw RoutingError(.modelNotAllowed, model: name, message: "This key may not use the model '\(name)'.")
            }
            var skipped: [SkippedCandidate] = []
            var eligible: [ModelDefinition] = []
            var firstRefusal: RoutingError?
            for candidate in candidates(for: name) {
                if let reason = constraint(candidate, requirements, cap: nil, quote: quote(candidate), allowedBy: requirements.allows) {
                    if candidate.name == model.name { firstRefusal = refusal(reason, model: name) }
                    skipped.append(SkippedCandidate(model: candidate.name, reason: reason))
                } else {
                    eligible.append(candidate)
                }
            }
            // A model the client named that cannot take the request is refused as such, unless
            // the reason is one its fallbacks are there for.
            if let firstRefusal, eligible.isEmpty || ![.contextExceeded, .lacksCapability].contains(firstRefusal.code) {
                throw firstRefusal
            }
            return healthy(RoutePlan(route: nil, policy: "direct", candidates: eligible, skipped: skipped))
        }
        guard let route = route(named: name) else {
            throw RoutingError(.modelNotFound, model: name,
                               message: "The model '\(name)' does not exist or is not served by this gateway.")
        }
        let routeAllowed = requirements.allows(route.name)
        guard routeAllowed || route.candidates.contains(where: requirements.allows) else {
            throw RoutingError(.modelNotAllowed, model: name, message: "This key may not use the route '\(name)'.")
        }
        let allowedBy: (String) -> Bool = { routeAllowed || requirements.allows($0) }
        var skipped: [SkippedCandidate] = []
        var eligible: [(model: ModelDefinition, quote: ModelQuote)] = []
        for var candidate in route.candidates.compactMap(model(named:)) {
            if let setting = route.unsupportedParameters { candidate.unsupportedParameters = setting }
            let price = quote(candidate)
            if let reason = constraint(candidate, requirements, cap: route.maxPrice, quote: price, allowedBy: allowedBy) {
                skipped.append(SkippedCandidate(model: candidate.name, reason: reason))
            } else if let price {
                eligible.append((candidate, price))
            }
        }
        guard !eligible.isEmpty else { throw routeRefusal(route, skipped) }
        var ordered = order(eligible, by: route, streamed: requirements.streamed, using: &random)
        var decision: AutoDecision?
        if route.policy == .auto, let features = requirements.features, ordered.count > 1 {
            // Cheapest first (from `order`); the dearest moves to the front when the request needs it.
            let score = route.autoClassifier.score(features)
            let threshold = route.autoThreshold
            let premium = ordered.removeLast()
            decision = AutoDecision(score: score, threshold: threshold, premium: premium.name)
            if score >= threshold { ordered.insert(premium, at: 0) } else { ordered.append(premium) }
        }
        var plan = RoutePlan(route: route.name, policy: route.policy.rawValue, candidates: ordered, skipped: skipped)
        plan.auto = decision
        return healthy(plan)
    }

    /// The first constraint `model` fails, if any.
    private func constraint(_ model: ModelDefinition, _ requirements: RouteRequirements, cap: Money?, quote: ModelQuote?,
                            allowedBy allows: (String) -> Bool) -> SkippedCandidate.Reason? {
        if !allows(model.name) { return .notAllowed }
        if let regions = requirements.allowedRegions, !(model.provider.region.map(regions.contains) ?? false) {
            return .region(model.provider.region)
        }
        guard let quote else { return .unpriced }
        if quote.input.currency != requirements.currency { return .currency }
        if let cap, cap.currency == quote.input.currency, quote.input.nanos > cap.nanos || quote.output.nanos > cap.nanos {
            return .overPriceCap
        }
        let lacking = model.lacks(requirements.capabilities)
        if !lacking.isEmpty { return .lacks(lacking) }
        if model.capabilities == [.embeddings], !requirements.capabilities.contains(.embeddings) { return .embeddingsOnly }
        if let window = model.contextWindow, let prompt = requirements.promptTokens[model.name] {
            let needed = prompt + (requirements.maxOutputTokens ?? 0)
            if needed > window { return .contextWindow(needed: needed, window: window) }
        }
        return nil
    }

    /// The candidates in the policy's order.
    private func order(_ eligible: [(model: ModelDefinition, quote: ModelQuote)], by route: RouteDefinition, streamed: Bool,
                       using random: inout some RandomNumberGenerator) -> [ModelDefinition] {
        switch route.policy {
        case .ordered:
            return eligible.map(\.model)
        case .cost, .auto, .cascade:
            // A stable sort: equal prices keep the listed order.
            return eligible.enumerated().sorted { ($0.element.quote.blended, $0.offset) < ($1.element.quote.blended, $1.offset) }
                .map(\.element.model)
        case .latency:
            // Unmeasured candidates first (score 0), so each gets measured.
            let scored = eligible.enumerated().map { index, candidate -> (Double, Int, ModelDefinition) in
                let averages = health.averages(candidate.model.name)
                let score = (streamed ? averages.timeToFirstToken ?? averages.latency : averages.latency) ?? 0
                return (score, index, candidate.model)
            }
            return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        case .weighted:
            // Weighted draws without replacement: the first candidate with probability proportional
            // to its weight, the next likewise from the rest. Weight 0 only ever comes last.
            var remaining = eligible.map { ($0.model, max(0, route.weights[$0.model.name] ?? 1)) }
            var ordered: [ModelDefinition] = []
            while !remaining.isEmpty {
                let total = remaining.reduce(0) { $0 + $1.1 }
                guard total > 0 else { ordered += remaining.map(\.0); break }
                var draw = Int.random(in: 0..<total, using: &random)
                let index = remaining.firstIndex { draw -= $0.1; return draw < 0 }!
                ordered.append(remaining.remove(at: index).0)
            }
            return ordered
        }
    }

    /// The plan without candidates whose breaker is open — or, when every one's is, with only the
    /// one that opened longest ago.
    private func healthy(_ plan: RoutePlan) -> RoutePlan {
        var plan = plan
        let opened = plan.candidates.map { health.openSince($0) }
        guard opened.contains(where: { $0 != nil }) else { return plan }
        let closed = zip(plan.candidates, opened).filter { $0.1 == nil }.map(\.0)
        if closed.isEmpty, let oldest = zip(plan.candidates, opened).min(by: { $0.1! < $1.1! })?.0 {
            plan.skipped += plan.candidates.filter { $0.name != oldest.name }.map { SkippedCandidate(model: $0.name, reason: .circuitOpen) }
            plan.candidates = [oldest]
            plan.lastResort = true
        } else {
            plan.skipped += zip(plan.candidates, opened).filter { $0.1 != nil }.map { SkippedCandidate(model: $0.0.name, reason: .circuitOpen) }
            plan.candidates = closed
        }
        return plan
    }

    private func refusal(_ reason: SkippedCandidate.Reason, model name: String) -> RoutingError {
        switch reason {
        case .notAllowed:
            RoutingError(.modelNotAllowed, model: name, message: "This key may not use the model '\(name)'.")
        case .region(let region):
            RoutingError(.regionNotAllowed, model: name,
                         message: "The model '\(name)' is served from region '\(region ?? "unknown")', which this key or organization may not reach.")
        case .currency:
            RoutingError(.currencyMismatch, model: name,
                         message: "The model '\(name)' is priced in another currency than this organization is billed in; Tollgate does not convert implicitly.")
        case .unpriced:
            RoutingError(.unpriced, model: name, message: "The model '\(name)' has no price in force, so it cannot be billed.")
        case .lacks(let capabilities):
            RoutingError(.lacksCapability, model: name,
                         message: "The model '\(name)' does not support what this request uses: \(capabilities.map(\.rawValue).sorted().joined(separator: ", ")).")
        case .embeddingsOnly:
            RoutingError(.lacksCapability, model: name,
                         message: "The model '\(name)' is an embeddings model: send it to /v1/embeddings.")
        case .contextWindow(let needed, let window):
            RoutingError(.contextExceeded, model: name,
                         message: "This request needs \(needed) tokens (prompt plus max_tokens), more than the \(window) of '\(name)''s context window.")
        case .overPriceCap:
            RoutingError(.overPriceCap, model: name, message: "The model '\(name)' costs more than the route's max_price.")
        case .circuitOpen:
            RoutingError(.unpriced, model: name, message: "The model '\(name)' is unavailable.")
        }
    }

    /// A route with no eligible candidate is refused for the reason that left out the most
    /// client-fixable candidate (context, capability) before the others.
    private func routeRefusal(_ route: RouteDefinition, _ skipped: [SkippedCandidate]) -> RoutingError {
        let rank: (SkippedCandidate.Reason) -> Int = { reason in
            switch reason {
            case .contextWindow: 0
            case .lacks, .embeddingsOnly: 1
            case .overPriceCap: 2
            case .region: 3
            case .notAllowed: 4
            case .currency: 5
            case .unpriced, .circuitOpen: 6
            }
        }
        guard let first = skipped.min(by: { rank($0.reason) < rank($1.reason) }) else {
            return RoutingError(.modelNotFound, model: route.name, message: "The route '\(route.name)' has no candidates.")
        }
        let inner = refusal(first.reason, model: first.model)
        return RoutingError(inner.code, model: route.name,
                            message: "No candidate of the route '\(route.name)' can serve this request: "
                                + skipped.map(\.description).joined(separator: ", ") + ".")
    }
}
