import TollgateCore

extension ConfigPrice {
    /// A price from decimal figures per 1M tokens, as a configuration writes them:
    /// `ConfigPrice(currency: .usd, input: "0.28", output: "0.42", cachedInput: "0.028")`.
    /// - Throws: `PricingError` naming the figure that is not a decimal.
    public init(currency: Currency, input: String, output: String, cachedInput: String? = nil,
                cacheWrite: String? = nil, reasoning: String? = nil) throws(PricingError) {
        func rate(_ text: String?, _ field: String) throws(PricingError) -> RatePerMillion? {
            guard let text else { return nil }
            guard let rate = RatePerMillion(unitsPerMillion: text) else {
                throw PricingError(.invalidPrice(field: "price.\(field)", reason: "'\(text)' is not a decimal price"))
            }
            return rate
        }
        guard let inputRate = try rate(input, "input"), let outputRate = try rate(output, "output") else {
            throw PricingError(.invalidPrice(field: "price", reason: "input and output are required"))
        }
        self.init(currency: currency, rates: TokenRates(input: inputRate, output: outputRate, cachedInput: try rate(cachedInput, "cached_input"),
                                                        cacheWrite: try rate(cacheWrite, "cache_write"), reasoning: try rate(reasoning, "reasoning")))
    }
}
