import Hummingbird
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /admin/analytics?from=&to=&group_by=…[&org=&team=&key=&model=&provider=&route=]`.
extension AdminAPI {
    func registerAnalytics(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("analytics") { request, _ in
            try await guarded(request) {
                let query = request.uri.queryParameters
                let (from, to) = try AdminInput.period(query["from"], query["to"])
                var groupBy: [Analytics.Dimension] = []
                for name in (query["group_by"].map(String.init) ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
                where !name.isEmpty {
                    guard let dimension = Analytics.Dimension(rawValue: name) else {
                        throw GatewayError.badRequest("'group_by' takes \(Analytics.Dimension.allCases.map(\.rawValue).joined(separator: ", ")); not '\(name)'",
                                                      param: "group_by")
                    }
                    if !groupBy.contains(dimension) { groupBy.append(dimension) }
                }
                let organizations = try await gateway.accounts.organizations()
                var filter = Analytics.Filter(team: query["team"].map(String.init), key: query["key"].map(String.init),
                                              model: query["model"].map(String.init), provider: query["provider"].map(String.init),
                                              route: query["route"].map(String.init))
                if let name = query["org"].map(String.init) {
                    guard let organization = organizations.first(where: { $0.id == name || $0.name == name }) else {
                        throw GatewayError.notFound("no organization '\(name)'")
                    }
                    filter.organization = organization.id
                }
                let rows = try await Analytics(database: gateway.database).rows(from: from, to: to, groupBy: groupBy, filter: filter)
                let names = Dictionary(organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
                var totals: [String: (Analytics.Totals, Analytics.Totals)] = [:]
                for row in rows {
                    var sum = totals[row.currency] ?? (Analytics.Totals(), Analytics.Totals())
                    sum.0.add(row.totals)
                    sum.1.add(row.previous)
                    totals[row.currency] = sum
                }
                let (start, end) = Analytics.hours(from: from, to: to)
                return [
                    "from": .string(Date(timeIntervalSince1970: Double(start) / 1000).formatted(.iso8601)),
                    "to": .string(Date(timeIntervalSince1970: Double(end) / 1000).formatted(.iso8601)),
                    "group_by": .array(groupBy.map { .string($0.rawValue) }),
                    "rows": .array(rows.map { row in
                        var object = Self.figures(row.totals, previous: row.previous, currency: row.currency)
                        for dimension in groupBy {
                            let value = row.group[dimension] ?? ""
                            switch dimension {
                            case .day:
                                object["day"] = .string(Date(timeIntervalSince1970: Double(Int64(value) ?? 0) / 1000)
                                    .formatted(.iso8601.year().month().day()))
                            case .hour:
                                object["hour"] = .string(Date(timeIntervalSince1970: Double(Int64(value) ?? 0) / 1000).formatted(.iso8601))
                            case .organization:
                                object["org_id"] = .string(value)
                                object["organization"] = .string(names[value] ?? value)
                            default:
                                object[dimension.rawValue] = .string(value)
                            }
                        }
                        return object
                    }),
                    "totals": .array(totals.sorted { $0.key < $1.key }.map { currency, sums in
                        Self.figures(sums.0, previous: sums.1, currency: currency)
                    }),
                ]
            }
        }
    }

    /// One group's figures, with the growth against its previous period (`null` where that was zero).
    static func figures(_ totals: Analytics.Totals, previous: Analytics.Totals, currency: String) -> JSONValue {
        let code = Currency(knownCode: currency) ?? .usd
        let money = { (nanos: Int64) -> JSONValue in .string(Money(nanos: nanos, currency: code).decimalString) }
        let growth = { (now: Int64, before: Int64) -> JSONValue in
            before == 0 ? .null : .double((Double(now - before) / Double(before) * 10_000).rounded() / 10_000)
        }
        let tokens = Int64(totals.usage.total)
        let previousTokens = Int64(previous.usage.total)
        return [
            "requests": .int(totals.requests), "errors": .int(totals.errors), "cache_hits": .int(totals.cacheHits),
            "input_tokens": .int(Int64(totals.usage.input)), "cached_input_tokens": .int(Int64(totals.usage.cachedInput)),
            "cache_write_tokens": .int(Int64(totals.usage.cacheWrite)), "output_tokens": .int(Int64(totals.usage.output)),
            "reasoning_tokens": .int(Int64(totals.usage.reasoning)), "tokens": .int(tokens),
            "cost": money(totals.cost), "provider_cost": money(totals.providerCost), "margin": money(totals.cost - totals.providerCost),
            "saved": money(totals.saved), "currency": .string(currency),
            "previous": ["requests": .int(previous.requests), "tokens": .int(previousTokens), "cost": money(previous.cost)],
            "growth": ["requests": growth(totals.requests, previous.requests), "tokens": growth(tokens, previousTokens),
                       "cost": growth(totals.cost, previous.cost)],
        ]
    }
}

/// `GET /admin/orgs/{org}/runway`: burn rates, runways and runaway flags.
extension AdminAPI {
    func registerRunway(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("orgs/:org/runway") { request, context in
            try await guarded(request) {
                let runway = try await gateway.runway(of: try await organization(context))
                let currency = runway.organization.currency
                let money = { (nanos: Int64) -> JSONValue in .string(Money(nanos: nanos, currency: currency).decimalString) }
                let scopes: [JSONValue] = runway.scopes.map { scope in
                    let line = scope.burn
                    return [
                        "scope": .string(line.scope.rawValue), "subject": .string(scope.name),
                        "spent_day": money(line.spentDay), "spent_week": money(line.spentWeek),
                        "rate_per_day": money(line.ratePerDay), "rate_per_day_week": money(line.ratePerDayOverWeek),
                        "available": money(scope.available), "runway_days": scope.runwayDays.map(JSONValue.double) ?? nil,
                        "last_hour": money(line.lastHour), "hourly_median": money(line.hourlyMedian), "anomaly": .bool(line.anomaly),
                        "budgets": .array(scope.limits.map { limit in
                            ["id": .string(limit.budget.id), "period": .string(limit.budget.period.rawValue),
                             "amount": money(limit.budget.amount.nanos), "spent": money(limit.spent), "remaining": money(limit.remaining),
                             "runway_days": limit.runwayDays.map(JSONValue.double) ?? nil]
                        }),
                    ]
                }
                return ["organization": .string(runway.organization.name), "currency": .string(currency.code),
                        "at": .string(runway.at.formatted(.iso8601)), "scopes": .array(scopes)]
            }
        }
    }
}
