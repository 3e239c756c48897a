/// Why no plan could be made for a request.
public struct RoutingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// No model or route has the name.
        case modelNotFound
        /// The key may not use it.
        case modelNotAllowed
        /// Its provider's region is outside what the key and organization may reach.
        case regionNotAllowed
        /// It has no price in force.
        case unpriced
        /// It is priced in another currency than the payer's.
        case currencyMismatch
        /// It lacks a capability the request needs.
        case lacksCapability
        /// The prompt plus `max_tokens` does not fit its context window.
        case contextExceeded
        /// Every candidate costs more than the route's `max_price`.
        case overPriceCap
    }

    public let code: Code
    /// The model or route the client named.
    public let model: String
    public let message: String

    public init(_ code: Code, model: String, message: String) {
        self.code = code
        self.model = model
        self.message = message
    }

    public var description: String { message }
}
