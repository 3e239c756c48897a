import TollgateCore

/// A customer of the gateway: it owns keys, holds prepaid credit and is billed in one currency.
public struct Organization: Hashable, Sendable, Codable {
    public var id: String
    public var name: String
    public var currency: Currency

    public init(id: String, name: String, currency: Currency) {
        self.id = id
        self.name = name
        self.currency = currency
    }
}
