import TollgateCore

/// A customer of the gateway: it owns keys, holds prepaid credit and is billed in one currency.
public struct Organization: Hashable, Sendable, Codable {
    public var id: String
    public var name: String
    public var currency: Currency
    /// What it pays over the provider's price, in basis points (2,000 = 20%), when no price list
    /// says otherwise. 0 for an organization that pays cost.
    public var markupBasisPoints: Int64
    /// The configured price list it is on, if any.
    public var priceList: String?
    /// The provider regions its keys may reach (`orgs create --regions eu,us`); `nil` for any.
    public var allowedRegions: [String]?

    public init(id: String, name: String, currency: Currency, markupBasisPoints: Int64 = 0, priceList: String? = nil,
                allowedRegions: [String]? = nil) {
        self.allowedRegions = allowedRegions
        self.id = id
        self.name = name
        self.currency = currency
        self.markupBasisPoints = markupBasisPoints
        self.priceList = priceList
    }

    enum CodingKeys: String, CodingKey {
        case id, name, currency, markupBasisPoints = "markup_bp", priceList = "price_list", allowedRegions = "regions"
    }
}
