import Hummingbird
import TollgateCore

/// `/dashboard/sessions`: agent sessions (`x-tollgate-session`) by cost, with runaway flags.
extension Dashboard {
    func agentSessions(_ request: Request) async throws -> Content {
        let period = Period(request, now: gateway.clock.date(), default: 7)
        let rows = try await analytics(period, [.organization, .session]).filter { !($0.group[.session] ?? "").isEmpty }
        let names = Dictionary(try await gateway.accounts.organizations().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let currency = Self.mainCurrency(rows)
        // Judged among sessions of the same currency.
        var costs: [String: [Int64]] = [:]
        for row in rows { costs[row.currency, default: []].append(row.totals.cost) }
        let thresholds = costs.mapValues(Self.runawayThreshold)
        let top = rows.prefix(100)
        let lines = top.map { row -> HTML in
            let session = row.group[.session] ?? ""
            let organization = names[row.group[.organization] ?? ""] ?? row.group[.organization] ?? ""
            let tokens = Int64(row.totals.usage.total)
            let runaway = (thresholds[row.currency] ?? nil).map { row.totals.cost > $0 } ?? false
            let link = "/dashboard/requests?org=\(Self.queryValue(organization))&session=\(Self.queryValue(session))"
            return """
                <tr\(runaway ? HTML(trusted: " class=\"runaway\"") : "")><th scope="row"><a href="\(link)">\(session)</a></th><td>\(organization)</td>\
                <td>\(Self.count(row.totals.requests))</td><td>\(Self.count(tokens))</td>\
                <td>\(Self.count(row.totals.requests > 0 ? tokens / row.totals.requests : 0))</td>\
                <td>\(Self.money(row.totals.cost, row.currency.isEmpty ? "USD" : row.currency))</td><td>\(Self.count(row.totals.errors))</td>\
                <td>\(runaway ? HTML(trusted: "<span class=\"flag\">runaway</span>") : HTML(trusted: "<span class=\"ok\">normal</span>"))</td></tr>
                """
        }
        let bars = rows.filter { $0.currency == currency }.prefix(10).map { row in
            Charts.Datum(label: row.group[.session] ?? "", value: Double(row.totals.cost) / 1e9, text: Self.money(row.totals.cost, currency))
        }
        return Content(title: "Agent sessions", body: """
            \(period.form())
            <p class="muted">Requests that carry <code>x-tollgate-session</code>, dearest first (at most 100). \
            A session is flagged as a runaway when it cost more than five times the median session of the period (in its currency).</p>
            \((rows.isEmpty ? "<p class=\"notice\">No sessions in this period.</p>" : """
            \(Charts.bars(id: "sessions-chart", title: "The ten dearest sessions (\(currency))", rows: Array(bars)))
            <div class="table"><table id="sessions">
            <thead><tr><th scope="col">Session</th><th scope="col">Organization</th><th scope="col">Requests</th><th scope="col">Tokens</th>\
            <th scope="col">Tokens per request</th><th scope="col">Cost</th><th scope="col">Errors</th><th scope="col">Flag</th></tr></thead>
            <tbody>\(lines)</tbody>
            </table></div>
            """) as HTML)
            """)
    }

    /// Five times the median session's cost, when there are at least four sessions to judge by.
    static func runawayThreshold(_ costs: [Int64]) -> Int64? {
        guard costs.count >= 4 else { return nil }
        let sorted = costs.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return median > 0 ? median * 5 : nil
    }
}
