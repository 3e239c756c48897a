/// How a time window, a batch request or a service tier changes a model's price: a
/// multiplier of the whole price (`0.5` for OpenAI's and Anthropic's batch discount), a
/// multiplier per kind of token (a tier that discounts input and output but not cache reads),
/// or a price list of its own (LiteLLM records off-peak prices that way).
///
/// Multipliers, whole or per kind, apply on top of tier prices, so a long-context request keeps
/// its long-context price; a price list replaces the rates it names whatever the tier.
public enum RateAdjustment: Hashable, Sendable, Codable {
    case multiplier(Ratio)
    /// Multipliers by kind; a kind without one keeps its price.
    case factors([BillableKind: Ratio])
    case rates(PartialTokenRates)

    private enum CodingKeys: String, CodingKey { case multiplier, factors, rates }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let ratio = try container.decodeIfPresent(Ratio.self, forKey: .multiplier) {
            self = .multiplier(ratio)
        } else if let factors = try container.decodeIfPresent([BillableKind: Ratio].self, forKey: .factors) {
            self = .factors(factors)
        } else if let rates = try container.decodeIfPresent(PartialTokenRates.self, forKey: .rates) {
            self = .rates(rates)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "an adjustment needs 'multiplier', 'factors' or 'rates'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .multiplier(let ratio): try container.encode(ratio, forKey: .multiplier)
        case .factors(let factors): try container.encode(factors, forKey: .factors)
        case .rates(let rates): try container.encode(rates, forKey: .rates)
        }
    }
}
