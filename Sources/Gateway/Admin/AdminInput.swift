import Pricing
import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading what an operator types or sends, the same way for the CLI and the admin API.
public enum AdminInput {
    /// Requests or tokens per minute for a key or a team.
    static let rateRange: ClosedRange<Int64> = 1...1_000_000_000_000

    /// A date (`2026-12-31`, the start of that day in UTC) or an ISO 8601 instant.
    public static func instant(_ text: String) -> Date? { InstantText.parse(text) }

    /// A percentage with at most two decimals as basis points ("20" → 2,000).
    public static func basisPoints(_ text: String) -> Int64? { ConfigurationReader.basisPoints(text) }

    /// A list of provider regions: `eu,us` on the command line, `"eu,us"` or `["eu", "us"]` in
    /// JSON; `nil` for none given. Each is 1–32 lowercase letters, digits or `-`.
    public static func regions(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        return try regions(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// `from` and `to` of a query: dates or instants, `from` before `to`.
    static func period(_ from: Substring?, _ to: Substring?) throws -> (from: Date, to: Date) {
        guard let from = from.flatMap({ instant(String($0)) }), let to = to.flatMap({ instant(String($0)) }), from < to else {
            throw GatewayError.badRequest("'from' and 'to' must be dates such as 2026-11-01, 'from' before 'to'", param: "from")
        }
        return (from, to)
    }

    /// A key's `cache_ttl_seconds`: 1 s to 30 days, or absent.
    static func cacheTTL(_ value: JSONValue?) throws -> Int64? {
        guard let value, !value.isNull else { return nil }
        guard let seconds = value.intValue, (1...(30 * 86_400)).contains(seconds) else {
            throw GatewayError.badRequest("'cache_ttl_seconds' must be a whole number of seconds from 1 to 2592000", param: "cache_ttl_seconds")
        }
        return Int64(seconds)
    }

    static func regions(_ value: JSONValue?) throws -> [String]? {
        guard let value, !value.isNull else { return nil }
        if let text = value.stringValue { return try regions(text) }
        guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
            throw GatewayError.badRequest("'regions' must be a list of region names such as [\"eu\", \"us\"].", param: "regions")
        }
        return try regions(items.compactMap(\.stringValue))
    }

    private static func regions(_ names: [String]) throws -> [String] {
        let valid = names.allSatisfy { name in
            (1...32).contains(name.utf8.count)
                && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
        }
        guard valid, !names.isEmpty else {
            throw GatewayError.badRequest("regions must be names of 1 to 32 lowercase letters, digits or '-', such as eu,us.", param: "regions")
        }
        return names
    }

    /// A token count, with an optional `k` or `M` suffix ("10M" → 10,000,000).
    public static func tokens(_ text: String) -> Int64? {
        let multiplier: Int64 = text.hasSuffix("M") ? 1_000_000 : text.hasSuffix("k") ? 1_000 : 1
        let digits = multiplier == 1 ? Substring(text) : text.dropLast()
        guard let value = Int64(digits), value > 0 else { return nil }
        return value.multipliedReportingOverflow(by: multiplier).overflow ? nil : value * multiplier
    }

    /// Who holds funds, from a team name and a key id (at most one of them).
    public static func holder(team: String?, key: String?) throws -> AccountStore.Holder {
        switch (team, key) {
        case (nil, nil): return .organization
        case (let team?, nil): return .team(team)
        case (nil, let key?): return .key(key)
        default: throw AccountStoreError(.invalid, "give a team or a key, not both")
        }
    }

    /// A budget from its parts, checked.
    public static func budget(organization: Organization, scope: String, subject: String?, amount: String, period: String,
                              hard: Bool, thresholds: String?, webhookURL: String?, createdAt: Date) throws -> Budget {
        guard let scope = Budget.Scope(rawValue: scope) else {
            throw AccountStoreError(.invalid, "scope must be one of: \(Budget.Scope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let period = Budget.Period(rawValue: period) else {
            throw AccountStoreError(.invalid, "period must be one of: \(Budget.Period.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let money = try? Money(decimal: amount, currency: organization.currency), money.nanos > 0 else {
            throw AccountStoreError(.invalid, "amount must be a positive decimal such as 100 or 12.50")
        }
        let subject = scope == .organization ? organization.id : scope == .session ? (subject ?? "*") : subject
        guard let subject, !subject.isEmpty else { throw AccountStoreError(.invalid, "a \(scope.rawValue) budget needs a subject") }
        var levels = [50, 80, 100]
        if let thresholds {
            let parsed = thresholds.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw AccountStoreError(.invalid, "thresholds are comma-separated percentages such as 50,80,100")
            }
            levels = parsed.compactMap { $0 }
        }
        if let webhookURL {
            guard let url = URL(string: webhookURL), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                throw AccountStoreError(.invalid, "webhook must be an http(s) URL")
            }
        }
        return Budget(organizationID: organization.id, scope: scope, subject: subject, amount: money, period: period, hard: hard,
                      thresholds: levels, webhookURL: webhookURL, createdAt: createdAt)
    }
}

/// An admin request's JSON body, read field by field: an absent field (or `null`) is `nil`; a
/// field of the wrong type is a 400 naming it, never silently taken as absent (a key created with
/// `"models": "gpt-4o"` must not be a key for every model).
struct AdminBody {
    let json: JSONValue

    init(_ json: JSONValue) throws {
        guard json.objectValue != nil else { throw GatewayError.badRequest("The request body must be a JSON object.") }
        self.json = json
    }

    private func present(_ name: String) -> JSONValue? {
        guard let value = json[name], !value.isNull else { return nil }
        return value
    }

    private func wrong(_ name: String, _ expected: String) -> GatewayError {
        GatewayError.badRequest("'\(name)' must be \(expected)", param: name)
    }

    func string(_ name: String) throws -> String? {
        guard let value = present(name) else { return nil }
        guard let text = value.stringValue else { throw wrong(name, "a string") }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name), !text.isEmpty else { throw GatewayError.badRequest("'\(name)' is required", param: name) }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = present(name) else { return nil }
        guard let flag = value.boolValue else { throw wrong(name, "true or false") }
        return flag
    }

    func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let value = present(name) else { return nil }
        guard let number = value.intValue.map(Int64.init), range.contains(number) else {
            throw wrong(name, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func strings(_ name: String) throws -> [String]? {
        guard let value = present(name) else { return nil }
        guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { throw wrong(name, "a list of strings") }
        return items.compactMap(\.stringValue)
    }

    func integers(_ name: String, in range: ClosedRange<Int64>) throws -> [Int64]? {
        guard let value = present(name) else { return nil }
        guard let items = value.arrayValue, !items.isEmpty,
              items.allSatisfy({ $0.intValue.map { range.contains(Int64($0)) } == true }) else {
            throw wrong(name, "a list of whole numbers from \(range.lowerBound) to \(range.upperBound)")
        }
        return items.compactMap { $0.intValue.map(Int64.init) }
    }

    /// A decimal amount, sent as a string ("12.50") or a number.
    func decimal(_ name: String) throws -> String? {
        guard let value = present(name) else { return nil }
        if let text = value.stringValue { return text }
        guard value.doubleValue != nil else { throw wrong(name, "a decimal such as \"12.50\"") }
        return value.jsonText
    }

    /// Money in `currency`, from a decimal.
    func money(_ name: String, in currency: Currency) throws -> Money? {
        guard let text = try decimal(name) else { return nil }
        guard let money = try? Money(decimal: text, currency: currency), money.nanos >= 0 else {
            throw wrong(name, "a decimal amount such as \"12.50\"")
        }
        return money
    }

    /// A date (`2026-12-31`) or an ISO 8601 instant.
    func instant(_ name: String) throws -> Date? {
        guard let text = try string(name) else { return nil }
        guard let date = AdminInput.instant(text) else { throw wrong(name, "a date such as 2026-12-31 or an ISO 8601 instant") }
        return date
    }
}
