import Hummingbird
import TollgateCore

/// `/dashboard`: spend and tokens over time, by model and by provider, with growth.
extension Dashboard {
    func overview(_ request: Request, viewer: Viewer) async throws -> Content {
        let period = Period(request, now: gateway.clock.date())
        let byDay = try await analytics(period, [.day])
        let byModel = try await analytics(period, [.model])
        let byProvider = try await analytics(period, [.provider])
        let currency = Self.mainCurrency(byDay)

        // Totals per currency, with the previous period's (the same length just before).
        var totals: [String: (Analytics.Totals, Analytics.Totals)] = [:]
        for row in try await analytics(period, []) { totals[row.currency] = (row.totals, row.previous) }
        let cards = totals.sorted { $0.key < $1.key }.map { code, sums -> HTML in
            let (now, before) = sums
            // Requests that failed before they were priced, when their currency cannot be told.
            guard !code.isEmpty else {
                return """
                    <section class="cards" aria-label="Requests never priced">
                    <div class="card"><span>Unpriced requests</span><strong id="total-requests-none">\(Self.count(now.requests))</strong></div>
                    <div class="card"><span>Their errors</span><strong>\(Self.count(now.errors))</strong></div>
                    </section>
                    """
            }
            return """
                <section class="cards" aria-label="Totals in \(code)">
                <div class="card"><span>Requests</span><strong id="total-requests-\(code)">\(Self.count(now.requests))</strong>\(Self.growth(now.requests, before.requests))</div>
                <div class="card"><span>Tokens</span><strong id="total-tokens-\(code)">\(Self.count(Int64(now.usage.total)))</strong>\(Self.growth(Int64(now.usage.total), Int64(before.usage.total)))</div>
                <div class="card"><span>Spend</span><strong id="total-cost-\(code)">\(Self.money(now.cost, code))</strong>\(Self.growth(now.cost, before.cost))</div>
                <div class="card"><span>Provider cost</span><strong>\(Self.money(now.providerCost, code))</strong></div>
                <div class="card"><span>Margin</span><strong>\(Self.money(now.cost - now.providerCost, code))</strong></div>
                <div class="card"><span>Saved by caching</span><strong>\(Self.money(now.saved, code))</strong></div>
                <div class="card"><span>Cache hits</span><strong>\(Self.count(now.cacheHits))</strong></div>
                <div class="card"><span>Errors</span><strong>\(Self.count(now.errors))</strong></div>
                </section>
                """
        }
        // Day by day, every day of the period drawn (zero when nothing ran).
        // Spend in the main currency; tokens whatever they cost.
        var days: [Int64: Analytics.Totals] = [:]
        var tokensByDay: [Int64: TokenUsage] = [:]
        for row in byDay {
            let day = Int64(row.group[.day] ?? "") ?? 0
            if row.currency == currency { days[day, default: Analytics.Totals()].add(row.totals) }
            tokensByDay[day, default: .zero] = tokensByDay[day, default: .zero] + row.totals.usage
        }
        let starts = period.dayStarts
        let labels = starts.map { Self.day($0) }
        let spend = Charts.line(id: "spend-chart", title: "Spend per day (\(currency))", points: starts.map { start in
            let cost = days[start]?.cost ?? 0
            return Charts.Datum(label: Self.day(start), value: Double(cost) / 1e9, text: Self.money(cost, currency))
        }, format: { Self.axisMoney($0) })
        let usage = starts.map { tokensByDay[$0] ?? .zero }
        let tokens = Charts.stacked(id: "tokens-chart", title: "Tokens per day", labels: labels, series: [
            Charts.Series(name: "input", color: Charts.palette[0], values: usage.map { Double($0.input + $0.cacheWrite) }),
            Charts.Series(name: "cached input", color: Charts.palette[2], values: usage.map { Double($0.cachedInput) }),
            Charts.Series(name: "output", color: Charts.palette[1], values: usage.map { Double($0.output + $0.reasoning) }),
        ], format: { Self.count(Int64($0)) })

        return Content(title: "Overview", body: """
            \(period.form())
            \((totals.isEmpty ? "<p class=\"notice\">No requests in this period.</p>" : "") as HTML)
            \(cards)
            <div class="charts">
            \(spend)
            \(tokens)
            \(Charts.bars(id: "models-chart", title: "Spend by model (\(currency))", rows: Self.spendBars(byModel, .model, currency)))
            \(Charts.bars(id: "providers-chart", title: "Spend by provider (\(currency))", rows: Self.spendBars(byProvider, .provider, currency)))
            </div>
            <h2>By model</h2>
            \(Self.breakdown(byModel, .model, heading: "Model"))
            <h2>By provider</h2>
            \(Self.breakdown(byProvider, .provider, heading: "Provider"))
            """)
    }

    /// One bar per group in `currency`, largest spend first (at most twelve).
    static func spendBars(_ rows: [Analytics.Row], _ dimension: Analytics.Dimension, _ currency: String) -> [Charts.Datum] {
        rows.filter { $0.currency == currency && $0.totals.cost > 0 }.prefix(12).map { row in
            Charts.Datum(label: row.group[dimension].flatMap { $0.isEmpty ? nil : $0 } ?? "(none)", value: Double(row.totals.cost) / 1e9,
                         text: money(row.totals.cost, currency))
        }
    }

    /// A table of groups: requests, tokens by kind, spend and growth.
    static func breakdown(_ rows: [Analytics.Row], _ dimension: Analytics.Dimension, heading: String) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"muted\">Nothing in this period.</p>" }
        let lines = rows.map { row -> HTML in
            let usage = row.totals.usage
            return """
                <tr><th scope="row">\(row.group[dimension].flatMap { $0.isEmpty ? nil : $0 } ?? "(none)")</th>\
                <td>\(count(row.totals.requests))</td><td>\(count(Int64(usage.input + usage.cacheWrite)))</td>\
                <td>\(count(Int64(usage.cachedInput)))</td><td>\(count(Int64(usage.output + usage.reasoning)))</td>\
                <td>\(money(row.totals.cost, row.currency.isEmpty ? "USD" : row.currency))</td>\
                <td>\(growth(row.totals.cost, row.previous.cost))</td><td>\(count(row.totals.errors))</td></tr>
                """
        }
        return """
            <div class="table"><table>
            <thead><tr><th scope="col">\(heading)</th><th scope="col">Requests</th><th scope="col">Input</th><th scope="col">Cached input</th>\
            <th scope="col">Output</th><th scope="col">Spend</th><th scope="col">Growth</th><th scope="col">Errors</th></tr></thead>
            <tbody>\(lines)</tbody>
            </table></div>
            """
    }

    /// An axis label for an amount in units.
    static func axisMoney(_ value: Double) -> String {
        value == 0 ? "0" : value >= 100 ? String(format: "%.0f", value) : value >= 1 ? String(format: "%.2f", value) : String(format: "%.3g", value)
    }
}
