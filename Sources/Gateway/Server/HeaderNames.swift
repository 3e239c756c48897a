import HTTPTypes

/// The headers Tollgate adds to proxied responses and reads from requests (INTERFACE.md).
extension HTTPField.Name {
    static let tollgateRequestID = Self("x-tollgate-request-id")!
    static let tollgateModel = Self("x-tollgate-model")!
    static let tollgateProvider = Self("x-tollgate-provider")!
    static let tollgateRoute = Self("x-tollgate-route")!
    static let tollgateCost = Self("x-tollgate-cost")!
    static let tollgateAttempts = Self("x-tollgate-attempts")!
    static let tollgateSession = Self("x-tollgate-session")!
    static let idempotencyKey = Self("idempotency-key")!
    static let tollgateUser = Self("x-tollgate-user")!
    static let tollgateTags = Self("x-tollgate-tags")!
    static let tollgateIdempotentReplay = Self("x-tollgate-idempotent-replay")!
    static let tollgatePackageTokens = Self("x-tollgate-package-tokens")!
    static let xAPIKey = Self("x-api-key")!
    static let anthropicVersion = Self("anthropic-version")!
    static let tollgateCountSource = Self("x-tollgate-count-source")!
    static let tollgateDropped = Self("x-tollgate-dropped")!
    static let tollgateCache = Self("x-tollgate-cache")!
    static let cacheControlRequest = Self("cache-control")!
}
