/// How a request was sent, where that changes its price.
public struct CostOptions: Hashable, Sendable {
    /// The request went through the provider's batch API.
    public var batch: Bool
    /// The provider's service tier, such as `flex` or `priority`; `nil` for the default.
    public var serviceTier: String?

    public init(batch: Bool = false, serviceTier: String? = nil) {
        self.batch = batch
        self.serviceTier = serviceTier
    }
}
