import Pricing

/// The route a request will take: the candidates to try in order, and why.
public struct RoutePlan: Sendable {
    /// The route the client named, or `nil` when it named a model.
    public var route: String?
    /// `direct`, or the route's policy.
    public var policy: String
    /// The models to try, best first: the first is attempted, the rest are fallbacks.
    public var candidates: [ModelDefinition]
    /// The candidates left out, and why.
    public var skipped: [SkippedCandidate]
    /// Every candidate's breaker is open and this plan tries the one that opened longest ago anyway.
    public var lastResort = false
    /// The `auto` policy's decision, when it made one.
    public var auto: AutoDecision?
    /// Why prompt-cache affinity put its first candidate first, when it did.
    public var affinity: String?

    public init(route: String?, policy: String, candidates: [ModelDefinition], skipped: [SkippedCandidate] = []) {
        self.route = route
        self.policy = policy
        self.candidates = candidates
        self.skipped = skipped
    }

    /// Why this plan, as `x-tollgate-route` starts it: `direct`, `direct; skipped …` or
    /// `auto: cost; skipped gpt-4o (circuit open)`.
    public var reason: String {
        var text = route.map { "\($0): \(policy)" } ?? policy
        if let auto { text += "; " + auto.description }
        if let affinity { text += "; affinity: " + affinity }
        if !skipped.isEmpty { text += "; skipped " + skipped.map(\.description).joined(separator: ", ") }
        return text
    }
}

/// A candidate the plan left out.
public struct SkippedCandidate: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The key may not use it.
        case notAllowed
        /// Its provider's region is outside what the key and organization may reach.
        case region(String?)
        /// It is priced in another currency than the payer's.
        case currency
        /// It has no price in force.
        case unpriced
        /// It lacks capabilities the request needs.
        case lacks(Set<Capability>)
        /// It is an embeddings model and the request is not for embeddings.
        case embeddingsOnly
        /// The prompt plus `max_tokens` is more than its context window.
        case contextWindow(needed: Int, window: Int)
        /// It costs more per 1M tokens than the route's `max_price`.
        case overPriceCap
        /// Its provider's or its own circuit breaker is open.
        case circuitOpen
    }

    public var model: String
    public var reason: Reason

    public var description: String {
        let why = switch reason {
        case .notAllowed: "not allowed"
        case .region(let region): "region \(region ?? "unknown")"
        case .currency: "other currency"
        case .unpriced: "unpriced"
        case .lacks(let capabilities): "lacks " + capabilities.map(\.rawValue).sorted().joined(separator: "+")
        case .embeddingsOnly: "embeddings only"
        case .contextWindow(let needed, let window): "context \(needed) > \(window)"
        case .overPriceCap: "over max_price"
        case .circuitOpen: "circuit open"
        }
        return "\(model) (\(why))"
    }
}

/// Why the `auto` policy sent a request where it did: the classifier's score against the threshold.
public struct AutoDecision: Sendable, Hashable, CustomStringConvertible {
    /// The classifier's score: the premium model's expected gain on the request.
    public var score: Double
    public var threshold: Double
    /// The dearest candidate, which went first when `score >= threshold`.
    public var premium: String

    public init(score: Double, threshold: Double, premium: String) {
        self.score = score
        self.threshold = threshold
        self.premium = premium
    }

    public var goesPremium: Bool { score >= threshold }

    /// `score 0.712 >= threshold 0.640: premium` or `score 0.210 < threshold 0.640: cheap`.
    public var description: String {
        let format: (Double) -> String = { value in
            let thousandths = Int((abs(value) * 1000).rounded())
            let fraction = String(thousandths % 1000)
            return (value < 0 && thousandths > 0 ? "-" : "") + "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        return goesPremium ? "score \(format(score)) >= threshold \(format(threshold)): premium"
            : "score \(format(score)) < threshold \(format(threshold)): cheap"
    }
}
