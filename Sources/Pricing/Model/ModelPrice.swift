import Foundation
import TollgateCore

/// One version of a model's price: everything needed to price a request that started while
/// it was in force.
public struct ModelPrice: Hashable, Sendable, Codable {
    /// The instant from which this version applies; it applies until the next version's.
    public var effectiveFrom: Date
    /// The currency every figure of this version is in. Nothing converts it silently.
    public var currency: Currency
    /// The base prices per 1M tokens.
    public var rates: TokenRates
    /// A fee charged per request on top of tokens, where a provider has one.
    public var requestFee: RequestFee?
    /// Prices by the request's input size.
    public var tiers: PriceTiers?
    /// Prices by time of day; the first window containing the request's start applies.
    public var timeWindows: [TimeWindow]
    /// The price of a batch request; `nil` when the model has no batch price.
    public var batch: RateAdjustment?
    /// Prices of service tiers such as `flex` and `priority`, by the provider's tier name.
    public var serviceTiers: [String: RateAdjustment]
    /// Where the figures come from.
    public var source: PriceSource?

    public init(effectiveFrom: Date = Date(timeIntervalSince1970: 0), currency: Currency, rates: TokenRates,
                requestFee: RequestFee? = nil, tiers: PriceTiers? = nil, timeWindows: [TimeWindow] = [],
                batch: RateAdjustment? = nil, serviceTiers: [String: RateAdjustment] = [:],
                source: PriceSource? = nil) {
        self.effectiveFrom = effectiveFrom
        self.currency = currency
        self.rates = rates
        self.requestFee = requestFee
        self.tiers = tiers
        self.timeWindows = timeWindows
        self.batch = batch
        self.serviceTiers = serviceTiers
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case effectiveFrom = "effective_from", currency, rates, requestFee = "request_fee", tiers
        case timeWindows = "time_windows", batch, serviceTiers = "service_tiers", source
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        effectiveFrom = try c.decodeIfPresent(Date.self, forKey: .effectiveFrom) ?? Date(timeIntervalSince1970: 0)
        currency = try c.decode(Currency.self, forKey: .currency)
        rates = try c.decode(TokenRates.self, forKey: .rates)
        requestFee = try c.decodeIfPresent(RequestFee.self, forKey: .requestFee)
        tiers = try c.decodeIfPresent(PriceTiers.self, forKey: .tiers)
        timeWindows = try c.decodeIfPresent([TimeWindow].self, forKey: .timeWindows) ?? []
        batch = try c.decodeIfPresent(RateAdjustment.self, forKey: .batch)
        serviceTiers = try c.decodeIfPresent([String: RateAdjustment].self, forKey: .serviceTiers) ?? [:]
        source = try c.decodeIfPresent(PriceSource.self, forKey: .source)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(effectiveFrom, forKey: .effectiveFrom)
        try c.encode(currency, forKey: .currency)
        try c.encode(rates, forKey: .rates)
        try c.encodeIfPresent(requestFee, forKey: .requestFee)
        try c.encodeIfPresent(tiers, forKey: .tiers)
        if !timeWindows.isEmpty { try c.encode(timeWindows, forKey: .timeWindows) }
        try c.encodeIfPresent(batch, forKey: .batch)
        if !serviceTiers.isEmpty { try c.encode(serviceTiers, forKey: .serviceTiers) }
        try c.encodeIfPresent(source, forKey: .source)
    }
}

/// A fixed charge per request, in nano-units of the price's currency; written as a decimal of
/// currency units (`"0.01"`).
public struct RequestFee: Hashable, Sendable, Codable {
    public var nanos: Int64

    public init(nanos: Int64) {
        self.nanos = nanos
    }

    public init(from decoder: any Decoder) throws {
        let text = try DecimalField.decodeText(from: decoder)
        guard let rate = RatePerMillion(unitsPerMillion: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a non-negative fee"))
        }
        nanos = rate.nanos
    }

    public func encode(to encoder: any Encoder) throws {
        try RatePerMillion(nanos: nanos).encode(to: encoder)
    }
}

/// Where a price was read: the provider's page and the date its figures were taken.
public struct PriceSource: Hashable, Sendable, Codable {
    public var url: String
    /// The date (`YYYY-MM-DD`) the figures were read or published.
    public var asOf: String?
    /// How the figure was obtained when not read off `url` directly.
    public var note: String?

    public init(url: String, asOf: String? = nil, note: String? = nil) {
        self.url = url
        self.asOf = asOf
        self.note = note
    }

    enum CodingKeys: String, CodingKey { case url, asOf = "as_of", note }
}
