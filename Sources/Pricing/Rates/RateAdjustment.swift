/// How a time window, a batch request or a service tier changes a model's price: either a
/// multiplier of the whole price (`0.5` for OpenAI's and Anthropic's batch discount) or a
/// price list of its own (LiteLLM records batch and off-peak prices that way).
public enum RateAdjustment: Hashable, Sendable, Codable {
    case multiplier(Ratio)
    case rates(PartialTokenRates)

    private enum CodingKeys: String, CodingKey { case multiplier, rates }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let ratio = try container.decodeIfPresent(Ratio.self, forKey: .multiplier) {
            self = .multiplier(ratio)
        } else if let rates = try container.decodeIfPresent(PartialTokenRates.self, forKey: .rates) {
            self = .rates(rates)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "an adjustment needs 'multiplier' or 'rates'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .multiplier(let ratio): try container.encode(ratio, forKey: .multiplier)
        case .rates(let rates): try container.encode(rates, forKey: .rates)
        }
    }
}
