/// A model name that stands for several candidates, such as `auto`.
public struct RouteDefinition: Hashable, Sendable {
    public enum Policy: String, Hashable, Sendable, CaseIterable {
        /// The candidate with the lowest list price.
        case cost
    }

    public var name: String
    public var policy: Policy
    /// Model names, in the order the route prefers them on equal terms.
    public var candidates: [String]

    public init(name: String, policy: Policy, candidates: [String]) {
        self.name = name
        self.policy = policy
        self.candidates = candidates
    }
}
