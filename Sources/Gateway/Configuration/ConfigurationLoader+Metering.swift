import Pricing
import Routing
import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ConfigurationReader {
    func metering(_ node: Node, into metering: inout MeteringConfiguration) throws(ConfigurationError) {
        let fields = try mapping(node, "metering", allowed: ["enabled", "max_reserved_output_tokens", "reservation_timeout_seconds",
                                                             "time_zone", "alert_secret", "escrow"])
        if let value = fields["enabled"] { metering.enabled = try boolean(value, "metering.enabled") }
        if let value = fields["escrow"] { metering.escrow = try boolean(value, "metering.escrow") }
        if let value = fields["max_reserved_output_tokens"] {
            metering.maxReservedOutputTokens = try integer(value, "metering.max_reserved_output_tokens", range: 1...10_000_000)
        }
        if let value = fields["reservation_timeout_seconds"] {
            metering.reservationTimeout = .seconds(try integer(value, "metering.reservation_timeout_seconds", range: 10...86_400))
        }
        if let value = fields["alert_secret"] { metering.alertSecret = try string(value, "metering.alert_secret") }
        if let value = fields["time_zone"] {
            let name = try string(value, "metering.time_zone")
            guard let zone = TimeZone(identifier: name) else {
                throw error(value, "metering.time_zone", "'\(name)' is not a time zone (such as UTC or Asia/Shanghai)")
            }
            metering.timeZone = zone
        }
    }

    func sessions(_ node: Node, into metering: inout MeteringConfiguration) throws(ConfigurationError) {
        let fields = try mapping(node, "sessions", allowed: ["max_requests_per_minute", "max_tokens_per_minute"])
        if let value = fields["max_requests_per_minute"] {
            metering.sessionRequestsPerMinute = Int64(try integer(value, "sessions.max_requests_per_minute", range: 1...10_000_000))
        }
        if let value = fields["max_tokens_per_minute"] {
            metering.sessionTokensPerMinute = Int64(try integer(value, "sessions.max_tokens_per_minute", range: 1...Int(Int32.max)))
        }
    }

    func priceLists(_ node: Node, models: [ModelDefinition]) throws(ConfigurationError) -> [String: PriceList] {
        guard let mapping = node.mapping else { throw error(node, "price_lists", "must be a mapping") }
        var lists: [String: PriceList] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, "price_lists", "has a key that is not a string") }
            let path = "price_lists.\(name)"
            let fields = try self.mapping(value, path, allowed: ["markup_percent", "prices"])
            var markup: Int64 = 0
            if let node = fields["markup_percent"] {
                let text = try string(node, "\(path).markup_percent")
                guard let basisPoints = Self.basisPoints(text) else {
                    throw error(node, "\(path).markup_percent", "'\(text)' is not a percentage from -100 to 10000 with at most two decimals")
                }
                markup = basisPoints
            }
            var prices: [String: ConfigPrice] = [:]
            if let node = fields["prices"] {
                guard let entries = node.mapping else { throw error(node, "\(path).prices", "must be a mapping of model names to prices") }
                for (modelKey, priceNode) in entries {
                    guard let model = modelKey.string, models.contains(where: { $0.name == model }) else {
                        throw error(modelKey, "\(path).prices", "no model named '\(modelKey.string ?? "")' is defined")
                    }
                    prices[model] = try price(priceNode, "\(path).prices.\(model)")
                }
            }
            lists[name] = PriceList(name: name, markupBasisPoints: markup, prices: prices, models: models)
        }
        return lists
    }

    func boolean(_ node: Node, _ path: String) throws(ConfigurationError) -> Bool {
        switch try string(node, path).lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        case let text: throw error(node, path, "'\(text)' is not true or false")
        }
    }

    /// "20" or "12.5" percent as basis points; `nil` when not a percentage with at most two decimals.
    static func basisPoints(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), abs(whole) <= 10_000 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let digits = Int64(parts[1]) else { return nil }
            fraction = parts[1].count == 1 ? digits * 10 : digits
        }
        let value = whole * 100 + (text.hasPrefix("-") ? -fraction : fraction)
        return value >= -10_000 ? value : nil
    }
}
