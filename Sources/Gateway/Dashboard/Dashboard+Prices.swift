import Hummingbird
import Pricing
import TollgateCore

/// `/dashboard/prices`: what each configured model costs per million tokens now, the routes and
/// the sell-price lists.
extension Dashboard {
    func prices() async throws -> Content {
        let now = gateway.clock.date()
        let configuration = gateway.configuration
        let rate = { (rate: RatePerMillion?) -> String in rate.map(\.shortDecimal) ?? "–" }
        let rows = configuration.models.map { model -> HTML in
            guard let price = configuration.prices.model(named: model.priceName)?.price(at: now) else {
                return "<tr><th scope=\"row\">\(model.name)</th><td>\(model.provider.name)</td><td colspan=\"7\">not priced</td></tr>"
            }
            let rates = price.rates
            return """
                <tr><th scope="row">\(model.name)</th><td>\(model.provider.name)</td><td>\(rate(rates.input))</td>\
                <td>\(rate(rates.cachedInput))</td><td>\(rate(rates.cacheWrite))</td><td>\(rate(rates.output))</td>\
                <td>\(rate(rates.reasoning))</td><td>\(price.currency.code)</td>\
                <td>\(price.source.map { source -> HTML in "<a href=\"\(source.url)\" rel=\"noreferrer\">\(source.asOf ?? "source")</a>" } ?? "configured")</td></tr>
                """
        }
        let chart = Charts.bars(id: "prices-chart", title: "Output per 1M tokens", rows: configuration.models.compactMap { model in
            configuration.quote(of: model, at: now).map { quote in
                Charts.Datum(label: model.name, value: quote.output.approximateUnits, text: "\(quote.output.readable) \(quote.output.currency.code)")
            }
        }.sorted { $0.value > $1.value })
        let routes = configuration.routes.map { route -> HTML in
            "<tr><th scope=\"row\">\(route.name)</th><td>\(route.policy.rawValue)</td><td>\(route.candidates.joined(separator: ", "))</td></tr>"
        }
        let lists = configuration.priceLists.values.sorted { $0.name < $1.name }.map { list -> HTML in
            let overrides = list.prices.keys.sorted().joined(separator: ", ")
            return "<tr><th scope=\"row\">\(list.name)</th><td>\(String(format: "%.2f", Double(list.markupBasisPoints) / 100))%</td><td>\(overrides.isEmpty ? "–" : overrides)</td></tr>"
        }
        return Content(title: "Prices", body: """
            <p class="muted">Provider list prices per million tokens in force now (\(Self.time(now)) UTC); an organization pays these with its markup, or its price list's.</p>
            <div class="table"><table id="prices">
            <thead><tr><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Input</th><th scope="col">Cached input</th>\
            <th scope="col">Cache write</th><th scope="col">Output</th><th scope="col">Reasoning</th><th scope="col">Currency</th>\
            <th scope="col">Source</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table></div>
            \(chart)
            <h2>Routes</h2>
            \((routes.isEmpty ? "<p class=\"muted\">No routes configured.</p>" : """
            <div class="table"><table id="routes"><thead><tr><th scope="col">Route</th><th scope="col">Policy</th><th scope="col">Candidates</th></tr></thead>
            <tbody>\(routes)</tbody></table></div>
            """) as HTML)
            <h2>Price lists</h2>
            \((lists.isEmpty ? "<p class=\"muted\">No price lists configured.</p>" : """
            <div class="table"><table id="price-lists"><thead><tr><th scope="col">List</th><th scope="col">Markup</th><th scope="col">Own prices for</th></tr></thead>
            <tbody>\(lists)</tbody></table></div>
            """) as HTML)
            """)
    }
}
