import Hummingbird
import Storage
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/dashboard/orgs`: every organization's balance, burn rate and runway; one organization's
/// teams and keys with their budgets, each budget's burn-down and runway.
extension Dashboard {
    func organizations(_ request: Request) async throws -> Content {
        var lines: [HTML] = []
        for organization in try await gateway.accounts.organizations() {
            let runway = try await gateway.runway(of: organization)
            let code = organization.currency.code
            guard let scope = runway.scopes.first(where: { $0.burn.scope == .organization }) else { continue }
            let keys = try await gateway.accounts.keys(of: organization)
            lines.append("""
                <tr><th scope="row"><a href="/dashboard/orgs/\(Self.pathComponent(organization.name))">\(organization.name)</a></th>\
                <td>\(code)</td><td>\(keys.filter { !$0.isRevoked }.count)</td>\
                <td>\(Self.money(scope.available, code))</td><td>\(Self.money(scope.burn.spentDay, code))</td>\
                <td>\(Self.money(scope.burn.spentWeek, code))</td><td>\(Self.days(scope.runwayDays))</td>\
                <td>\(Self.flag(scope.burn))</td></tr>
                """)
        }
        let table: HTML = lines.isEmpty ? "<p class=\"notice\">No organizations yet: <code>tollgate orgs create NAME</code>.</p>" : """
            <div class="table"><table id="orgs">
            <thead><tr><th scope="col">Organization</th><th scope="col">Currency</th><th scope="col">Live keys</th>\
            <th scope="col">Available</th><th scope="col">Spent 24 h</th><th scope="col">Spent 7 days</th>\
            <th scope="col">Runway</th><th scope="col">Last hour</th></tr></thead>
            <tbody>\(lines)</tbody>
            </table></div>
            """
        return Content(title: "Organizations", body: """
            <p class="muted">Runway: days the available funds last at the last 24 hours' rate (else the last week's).</p>
            \(table)
            """)
    }

    func organization(_ request: Request, name: String, viewer: Viewer) async throws -> Content {
        guard let organization = try await gateway.accounts.organization(named: name) else {
            throw DashboardError(message: "No organization '\(name)'.")
        }
        let code = organization.currency.code
        let runway = try await gateway.runway(of: organization)
        let keys = try await gateway.accounts.keys(of: organization)
        let teams = try await gateway.accounts.teams(of: organization)
        let budgets = try await gateway.budgets.budgets(of: organization.id)
        let names = Dictionary(keys.map { ($0.id, $0.name ?? $0.hint) }, uniquingKeysWith: { first, _ in first })

        let scopes = runway.scopes.map { scope -> HTML in
            let subject: HTML = scope.burn.scope == .key ? "<span title=\"\(scope.name)\">\(names[scope.name] ?? scope.name)</span>" : "\(scope.name)"
            let funds: HTML = scope.ownsFunds ? "<td>\(Self.money(scope.available, code))</td><td>\(Self.days(scope.runwayDays))</td>"
                : "<td colspan=\"2\" class=\"muted\">draws on shared funds</td>"
            return """
                <tr><td>\(scope.burn.scope.rawValue)</td><th scope="row">\(subject)</th>\
                <td>\(Self.money(scope.burn.spentDay, code))</td><td>\(Self.money(scope.burn.spentWeek, code))</td>\
                \(funds)\
                <td>\(Self.money(scope.burn.lastHour, code))</td><td>\(Self.money(scope.burn.hourlyMedian, code))</td>\
                <td>\(Self.flag(scope.burn))</td></tr>
                """
        }

        var budgetSections: [HTML] = []
        let calendar = BudgetCalendar(timeZone: gateway.configuration.metering.timeZone)
        for (index, budget) in budgets.enumerated() {
            let limit = runway.scopes.lazy.flatMap(\.limits).first { $0.budget.id == budget.id }
            var spent = limit?.spent ?? 0
            if limit == nil { spent = try await gateway.budgetSpent(budget, at: runway.at).nanos }
            let remaining = budget.amount.nanos - spent
            let subject = budget.scope == .key ? "key \(names[budget.subject] ?? budget.subject)"
                : budget.scope == .organization ? "the organization" : "\(budget.scope.rawValue) \(budget.subject)"
            var chart: HTML = ""
            if budget.period != .total, budget.scope != .session {
                chart = try await burnDown(budget, id: "burndown-\(index)", calendar: calendar, at: runway.at, organization: organization)
            }
            budgetSections.append("""
                <section class="budget" id="budget-\(budget.id)">
                <h3>\(budget.period.rawValue.capitalized) budget of \(Self.money(budget.amount.nanos, code)) for \(subject)</h3>
                <p>\(budget.hard ? "Hard: refuses requests it cannot cover." : "Soft: alerts only.") \
                Spent \(Self.money(spent, code)), \(remaining >= 0 ? "left \(Self.money(remaining, code))" : "over by \(Self.money(-remaining, code))"); \
                runway \(Self.days(limit?.runwayDays)).</p>
                <div class="charts">\(chart)</div>
                </section>
                """)
        }

        let keyRows = keys.map { key -> HTML in
            let revoke: HTML = key.isRevoked ? "revoked \(Self.time(key.revokedAt!))" : """
                <form method="post" action="/dashboard/keys/\(Self.pathComponent(key.id))/revoke" class="inline">\
                <input type="hidden" name="csrf" value="\(viewer.csrf)"><input type="hidden" name="org" value="\(organization.name)">\
                <button type="submit" aria-label="Revoke key \(key.name ?? key.hint)">Revoke</button></form>
                """
            let limits = [key.requestsPerMinute.map { "\($0) rpm" }, key.tokensPerMinute.map { "\($0) tpm" }].compactMap { $0 }
            return """
                <tr><th scope="row">\(key.name ?? "–")</th><td><code>\(key.hint)</code></td><td><code>\(key.id)</code></td>\
                <td>\(key.team ?? "–")</td><td>\(limits.isEmpty ? "–" : limits.joined(separator: ", "))</td>\
                <td>\(Self.time(key.createdAt))</td><td>\(revoke)</td></tr>
                """
        }
        let teamRows = teams.map { team -> HTML in
            let limits = [team.requestsPerMinute.map { "\($0) rpm" }, team.tokensPerMinute.map { "\($0) tpm" }].compactMap { $0 }
            return "<tr><th scope=\"row\">\(team.name)</th><td>\(keys.filter { $0.team == team.name && !$0.isRevoked }.count)</td><td>\(limits.isEmpty ? "–" : limits.joined(separator: ", "))</td></tr>"
        }

        return Content(title: organization.name, body: """
            <p class="muted">\(code) · markup \(String(format: "%.2f", Double(organization.markupBasisPoints) / 100))%\
            \(organization.priceList.map { " · price list \($0)" } ?? "") · as of \(Self.time(runway.at)) UTC</p>
            <h2>Burn rate and runway</h2>
            <div class="table"><table id="runway">
            <thead><tr><th scope="col">Scope</th><th scope="col">Name</th><th scope="col">Spent 24 h</th><th scope="col">Spent 7 days</th>\
            <th scope="col">Available</th><th scope="col">Runway</th><th scope="col">This hour</th><th scope="col">Usual hour</th>\
            <th scope="col">Flag</th></tr></thead>
            <tbody>\(scopes)</tbody>
            </table></div>
            <h2>Budgets</h2>
            \(budgetSections.isEmpty ? "<p class=\"muted\">No budgets: <code>tollgate budgets create</code>.</p>" : HTML(trusted: budgetSections.map(\.text).joined()))
            <h2>Teams</h2>
            \((teamRows.isEmpty ? "<p class=\"muted\">No teams.</p>" : """
            <div class="table"><table id="teams"><thead><tr><th scope="col">Team</th><th scope="col">Live keys</th><th scope="col">Limits</th></tr></thead>
            <tbody>\(teamRows)</tbody></table></div>
            """) as HTML)
            <h2>Keys</h2>
            <div class="table"><table id="keys">
            <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Id</th><th scope="col">Team</th>\
            <th scope="col">Limits</th><th scope="col">Created (UTC)</th><th scope="col">State</th></tr></thead>
            <tbody>\(keyRows)</tbody>
            </table></div>
            """)
    }

    /// The budget's current period day by day: cumulative spend against the amount.
    private func burnDown(_ budget: Budget, id: String, calendar: BudgetCalendar, at now: Date, organization: Organization) async throws -> HTML {
        let start = calendar.start(of: budget.period, containing: now)
        let startDate = Date(timeIntervalSince1970: Double(start) / 1000)
        let step: Double = switch budget.period {
        case .day: 1.5
        case .week: 7.5
        default: 32
        }
        let end = calendar.start(of: budget.period, containing: startDate.addingTimeInterval(step * 86_400))
        let periodDays = Int(((end - start) + 86_399_999) / 86_400_000)
        var filter = Analytics.Filter(organization: organization.id)
        switch budget.scope {
        case .team: filter.team = budget.subject
        case .key: filter.key = budget.subject
        default: break
        }
        let rows = try await Analytics(database: gateway.database).rows(from: startDate, to: now, groupBy: [.day], filter: filter)
        var byDay: [Int64: Int64] = [:]
        for row in rows where row.currency == budget.amount.currency.code {
            byDay[Int64(row.group[.day] ?? "") ?? 0, default: 0] += row.totals.cost
        }
        let code = budget.amount.currency.code
        var running: Int64 = 0
        let days = stride(from: start / 86_400_000 * 86_400_000, through: Timestamp.milliseconds(now), by: 86_400_000).map { day -> Charts.Datum in
            running += byDay[day] ?? 0
            return Charts.Datum(label: Self.day(day), value: Double(running) / 1e9, text: Self.money(running, code))
        }
        return Charts.burnDown(id: id, title: "Spent this \(budget.period.rawValue) (\(code))", amount: Double(budget.amount.nanos) / 1e9,
                               days: days, periodDays: max(periodDays, days.count), startLabel: Self.day(start, in: calendar.timeZone),
                               endLabel: Self.day(end - 1, in: calendar.timeZone), format: { Self.axisMoney($0) })
    }

    /// A runaway flag: this hour spends more than five times the usual active hour.
    static func flag(_ line: BurnRate.Line) -> HTML {
        line.anomaly ? "<span class=\"flag\" title=\"this hour: more than 5× the usual hour\">runaway</span>" : "<span class=\"ok\">normal</span>"
    }
}
