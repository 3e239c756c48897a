import Foundation
import Pricing
import TollgateCore

/// Prices used across the tests, with figures easy to check by hand.
enum Fixtures {
    static func rate(_ text: String) -> RatePerMillion { RatePerMillion(unitsPerMillion: text)! }

    static func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// Claude-Sonnet-like: $3 in, $0.30 cache read, $3.75 5-minute write, $6 1-hour write, $15 out.
    static let sonnetRates = TokenRates(input: rate("3"), output: rate("15"), cachedInput: rate("0.3"),
                                        cacheWrite: rate("3.75"), cacheWriteLongLived: rate("6"))

    static func book(_ models: PricedModel...) -> PriceBook { PriceBook(models: models) }

    static func model(_ id: String, _ versions: ModelPrice...) -> PricedModel {
        PricedModel(id: id, provider: "test", versions: versions)
    }

    static let anyDate = instant("2026-03-04T12:00:00Z")
}
