import Pricing
import Routing
import TollgateCore

/// What an organization pays: explicit prices for some models, and a markup over the provider's
/// price for the rest. A single-company install leaves organizations on markup 0 and no list, so
/// they pay exactly what the providers charge and the platform's margin is zero.
public struct PriceList: Sendable {
    public var name: String
    /// Over the provider's price, in basis points (2,000 = 20%).
    public var markupBasisPoints: Int64
    /// Explicit sell prices by model name.
    public var prices: [String: ConfigPrice]
    /// `prices` as a book, by model name.
    public private(set) var book: PriceBook?

    public init(name: String, markupBasisPoints: Int64 = 0, prices: [String: ConfigPrice] = [:], models: [ModelDefinition] = []) {
        self.name = name
        self.markupBasisPoints = markupBasisPoints
        self.prices = prices
        var book = PriceBook()
        for (model, price) in prices {
            book = book.applying(price, to: model, provider: models.first { $0.name == model }?.provider.name ?? "price-list")
        }
        self.book = prices.isEmpty ? nil : book
    }
}

extension Money {
    /// This amount with a markup in basis points, rounded half-even to the nano-unit.
    public func markedUp(basisPoints: Int64) -> Money {
        guard basisPoints != 0 else { return self }
        let scaled = dividedRoundingHalfEven(Int128(nanos) * Int128(10_000 + basisPoints), by: 10_000)
        return Money(nanos: Int64(scaled), currency: currency)
    }
}
