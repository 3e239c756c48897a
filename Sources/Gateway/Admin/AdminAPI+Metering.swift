import Hummingbird
import Ledger
import Providers
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/admin/…` for metering: teams, funds, token packages, budgets and agent sessions.
extension AdminAPI {
    func registerMetering(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("orgs/:org/teams") { request, context in
            try await guarded(request) { try JSONValue.encodable(try await gateway.accounts.teams(of: try await organization(context))) }
        }
        admin.post("orgs/:org/teams") { request, context in
            try await guarded(request, status: .created) {
                let organization = try await organization(context)
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 20))
                let name = try body.requiredString("name")
                return try JSONValue.encodable(try await gateway.accounts.setTeam(
                    name, of: organization, requestsPerMinute: try body.integer("rpm", in: AdminInput.rateRange),
                    tokensPerMinute: try body.integer("tpm", in: AdminInput.rateRange)))
            }
        }
        admin.get("orgs/:org/funds") { request, context in
            try await guarded(request) {
                let organization = try await organization(context)
                let query = request.uri.queryParameters
                let holder = try AdminInput.holder(team: query["team"].map(String.init), key: query["key"].map(String.init))
                let funds = try await gateway.accounts.funds(of: organization, holder: holder)
                return .array(funds.map { fund in
                    ["account": .string(fund.id), "unit": .string(fund.unit), "available": .int(fund.available),
                     "priority": .int(fund.priority), "model": fund.model.map { .string($0) } ?? .null,
                     "expires_at": fund.expiresAt.map { .int($0) } ?? .null]
                })
            }
        }
        admin.post("orgs/:org/packages") { request, context in
            try await guarded(request, status: .created) {
                let organization = try await organization(context)
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 20))
                let model = try body.requiredString("model")
                guard let tokens = (body.json["tokens"]?.stringValue).flatMap(AdminInput.tokens)
                        ?? body.json["tokens"]?.intValue.map(Int64.init).flatMap({ $0 > 0 ? $0 : nil }) else {
                    throw GatewayError.badRequest("'tokens' must be a positive count such as 1000000 or \"10M\"", param: "tokens")
                }
                let price = try body.money("price", in: organization.currency)
                return try JSONValue.encodable(try await gateway.accounts.grantPackage(
                    to: organization, holder: try AdminInput.holder(team: try body.string("team"), key: try body.string("key")),
                    model: model, tokens: tokens, price: price, expiresAt: try body.instant("expires_at")))
            }
        }
        admin.get("orgs/:org/packages") { request, context in
            try await guarded(request) { try JSONValue.encodable(try await gateway.accounts.packages(of: try await organization(context))) }
        }
        admin.post("orgs/:org/budgets") { request, context in
            try await guarded(request, status: .created) {
                let organization = try await organization(context)
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 20))
                let budget = try AdminInput.budget(
                    organization: organization, scope: try body.string("scope") ?? "organization", subject: try body.string("subject"),
                    amount: try body.decimal("amount") ?? "", period: try body.string("period") ?? "month",
                    hard: try body.bool("hard") ?? true,
                    thresholds: try body.integers("thresholds", in: 1...1_000)?.map(String.init).joined(separator: ","),
                    webhookURL: try body.string("webhook_url"), createdAt: gateway.clock.date())
                try await gateway.budgets.create(budget)
                return try JSONValue.encodable(budget)
            }
        }
        admin.get("orgs/:org/budgets") { request, context in
            try await guarded(request) {
                let organization = try await organization(context)
                var list: [JSONValue] = []
                for budget in try await gateway.budgets.budgets(of: organization.id) {
                    var value = try JSONValue.encodable(budget)
                    if budget.scope != .session {
                        let spent = try await gateway.budgetSpent(budget, at: gateway.clock.date())
                        value["spent"] = try JSONValue.encodable(spent)
                    }
                    list.append(value)
                }
                return .array(list)
            }
        }
        admin.delete("budgets/:id") { request, context in
            try await guarded(request) {
                let id = Dashboard.pathParameter(context.parameters.get("id"))
                guard try await gateway.budgets.delete(id: id) else { throw GatewayError.notFound("no budget '\(id)'") }
                return ["id": .string(id), "deleted": true]
            }
        }
        admin.get("orgs/:org/statement") { request, context in
            try await guarded(request) {
                let organization = try await organization(context)
                let query = request.uri.queryParameters
                let (from, to) = try period(query)
                let owner = try AdminInput.holder(team: query["team"].map(String.init), key: query["key"].map(String.init))
                    .owner(in: organization)
                let statement = try await Statement.build(store: gateway.accounts.ledger, owner: owner, from: from, to: to)
                return try JSONValue(parsing: Array(try StatementFormat.json.render(statement).utf8))
            }
        }
        admin.get("providers/:provider/settlement") { request, context in
            try await guarded(request) {
                let query = request.uri.queryParameters
                let (from, to) = try period(query)
                var invoiced: [String: Int64] = [:]
                if let invoice = query["invoice"] {
                    let parts = invoice.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, let currency = Currency(knownCode: String(parts[0])),
                          let amount = try? Money(decimal: String(parts[1]), currency: currency) else {
                        throw GatewayError.badRequest("'invoice' must be CURRENCY:AMOUNT such as USD:120.50", param: "invoice")
                    }
                    invoiced[currency.code] = amount.nanos
                }
                let settlement = try await ProviderSettlement.build(store: gateway.accounts.ledger, provider: Dashboard.pathParameter(context.parameters.get("provider")),
                                                                    from: from, to: to, invoiced: invoiced)
                var value = try JSONValue(parsing: Array(try StatementFormat.json.render(settlement).utf8))
                value["reconciles"] = .bool(settlement.reconciles)
                return value
            }
        }
        admin.get("orgs/:org/sessions/:session") { request, context in
            try await guarded(request) {
                let organization = try await organization(context)
                let session = Dashboard.pathParameter(context.parameters.get("session"))
                var value = try JSONValue.encodable(try await gateway.requestRecords.sessionTotals(organizationID: organization.id,
                                                                                                  sessionID: session))
                value["records"] = try JSONValue.encodable(try await gateway.requestRecords.recent(
                    organizationID: organization.id, sessionID: session, limit: 1000))
                return value
            }
        }
    }

    /// `from` and `to` (dates or ISO 8601 instants) as milliseconds, `from` before `to`.
    private func period(_ query: Parameters) throws -> (from: Int64, to: Int64) {
        let (from, to) = try AdminInput.period(query["from"], query["to"])
        return (Timestamp.milliseconds(from), Timestamp.milliseconds(to))
    }
}

extension Gateway {
    /// What a budget's current period has spent, settled (pending reservations apart).
    public func budgetSpent(_ budget: Budget, at date: Date) async throws -> Money {
        let start = BudgetCalendar(timeZone: configuration.metering.timeZone).start(of: budget.period, containing: date)
        let accounts = try await self.accounts.ledger.accounts(ids: [LedgerChart.budget(budget, periodStart: start, session: nil),
                                                                     LedgerChart.budgetOverrun(budget, periodStart: start, session: nil)])
        return Money(nanos: accounts.reduce(0) { $0 + $1.debitsPosted }, currency: budget.amount.currency)
    }
}
