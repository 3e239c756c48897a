/// Prices that depend on how many input tokens a request has.
///
/// The count is the request's whole input: uncached, cache reads and cache writes, which is
/// how providers state their context-length tiers ("prompts over 200K tokens").
public struct PriceTiers: Hashable, Sendable, Codable {
    /// How a request that crosses a threshold is priced.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// The whole request is priced at the band its input falls in (Alibaba's Qwen and GLM
        /// tiers, Gemini's and Claude's long-context prices).
        case wholeRequest = "whole_request"
        /// Each input token is priced at the band its position falls in, like income-tax
        /// brackets; output is priced at the band the input ends in.
        case graduated
    }

    public var kind: Kind
    /// Bands above the model's base price, by ascending threshold.
    public var bands: [TierBand]

    public init(kind: Kind, bands: [TierBand]) {
        self.kind = kind
        self.bands = bands.sorted { $0.aboveInputTokens < $1.aboveInputTokens }
    }

    /// The rates for a request whose input ends at `inputTokens`: the base rates changed by
    /// every band whose threshold it exceeds, in order (so a band need only name what changes).
    func rates(base: TokenRates, throughInputTokens inputTokens: Int) -> TokenRates {
        var rates = base
        for band in bands where inputTokens > band.aboveInputTokens {
            rates = rates.overridden(by: band.rates)
        }
        return rates
    }
}

/// One band of a `PriceTiers`: the prices for input beyond `aboveInputTokens`.
public struct TierBand: Hashable, Sendable, Codable {
    /// The band applies to input counts strictly above this ("above 128K" prices a 128,001-token
    /// prompt, not a 128,000-token one, as Alibaba's `0 < tokens <= 128K` tiers read).
    public var aboveInputTokens: Int
    public var rates: PartialTokenRates

    public init(aboveInputTokens: Int, rates: PartialTokenRates) {
        self.aboveInputTokens = aboveInputTokens
        self.rates = rates
    }

    enum CodingKeys: String, CodingKey { case aboveInputTokens = "above_input_tokens", rates }
}
