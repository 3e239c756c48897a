import TollgateCore

/// A model name that stands for several candidates, such as `auto`, and how it orders them.
public struct RouteDefinition: Hashable, Sendable {
    public enum Policy: String, Hashable, Sendable, CaseIterable {
        /// Cheapest list price first (1M input plus 1M output tokens).
        case cost
        /// Lowest moving average first: of time to first token for streams, of latency otherwise.
        /// Candidates not yet measured go first, so each is measured.
        case latency
        /// A weighted random order by `weights:`: the first candidate is drawn with probability
        /// proportional to its weight, the fallbacks after it likewise from the rest.
        case weighted
        /// As listed.
        case ordered
        /// The classifier scores how likely the request needs the premium model (the dearest
        /// candidate): at or above the route's threshold it goes first, else the cheapest does;
        /// the rest follow cheapest first.
        case auto
        /// The cheapest candidate first; its answer is checked (cut off by length, invalid JSON
        /// where JSON was asked for, a call to a tool the request did not offer, a refusal, an
        /// empty answer) and, when it fails, the request escalates to the next dearer candidate.
        /// Every attempt that answered is billed.
        case cascade
    }

    public var name: String
    public var policy: Policy
    /// Model names, in the order the route prefers them on equal terms.
    public var candidates: [String]
    /// Each candidate's weight for the `weighted` policy (default 1).
    public var weights: [String: Int]
    /// The most a candidate may cost per 1M tokens, input or output; dearer candidates are skipped.
    public var maxPrice: Money?
    /// Overrides the candidates' own setting for requests through this route.
    public var unsupportedParameters: UnsupportedParameters?

    /// Requests through this route are answered from the response cache for this long (unless
    /// they say otherwise in `cache-control`).
    public var cacheTTL: Duration?
    /// Whether requests that are not deterministic (temperature above 0) are cached too.
    public var cachesNondeterministic = false

    /// The `auto` policy's classifier (default: the one Tollgate ships).
    public var classifier: AutoClassifier?
    /// The score at or above which `auto` sends a request premium; `nil` derives it from
    /// `premiumShare` on the classifier's training scores.
    public var threshold: Double?
    /// The share of requests `auto` is meant to send premium (default 0.3), when no threshold is set.
    public var premiumShare: Double?

    public init(name: String, policy: Policy, candidates: [String], weights: [String: Int] = [:], maxPrice: Money? = nil,
                unsupportedParameters: UnsupportedParameters? = nil) {
        self.unsupportedParameters = unsupportedParameters
        self.name = name
        self.policy = policy
        self.candidates = candidates
        self.weights = weights
        self.maxPrice = maxPrice
    }
}

extension RouteDefinition {
    /// The classifier `auto` scores with.
    public var autoClassifier: AutoClassifier { classifier ?? .shipped }

    /// The score at or above which `auto` goes premium.
    public var autoThreshold: Double { threshold ?? autoClassifier.threshold(premiumShare: premiumShare ?? Self.defaultPremiumShare) }

    /// The share of requests `auto` is meant to send premium: `premium_share`, or the share of the
    /// classifier's training scores at or above `threshold`.
    public var autoPremiumShare: Double {
        if let premiumShare { return premiumShare }
        guard let threshold else { return Self.defaultPremiumShare }
        let quantiles = autoClassifier.quantiles
        return Double(quantiles.filter { $0 >= threshold }.count) / Double(quantiles.count)
    }

    public static let defaultPremiumShare = 0.3
}
