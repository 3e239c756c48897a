import Hummingbird
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/dashboard/providers`: each provider's and model's circuit breaker, latency, error rate and
/// price per million tokens.
extension Dashboard {
    func providers(_ request: Request) async throws -> Content {
        let now = gateway.clock.date()
        let period = Period(request, now: now, default: 1)
        let rows = try await analytics(period, [.provider, .model])
        var byProvider: [String: Analytics.Totals] = [:]
        var byModel: [String: Analytics.Totals] = [:]
        for row in rows {
            byProvider[row.group[.provider] ?? "", default: Analytics.Totals()].add(row.totals)
            byModel[(row.group[.provider] ?? "") + "/" + (row.group[.model] ?? ""), default: Analytics.Totals()].add(row.totals)
        }
        let providers = gateway.configuration.providers
        let providerRows = providers.map { provider -> HTML in
            let totals = byProvider[provider.name] ?? Analytics.Totals()
            let models = gateway.configuration.models.filter { $0.provider.name == provider.name }
            return """
                <tr><th scope="row">\(provider.name)</th><td>\(provider.kind.rawValue)</td><td>\(provider.region ?? "–")</td>\
                <td>\(Self.breaker(gateway.health.breakerState("provider:" + provider.name)))</td>\
                <td>\(Self.count(totals.requests))</td><td>\(Self.count(totals.errors))</td><td>\(Self.rate(totals))</td>\
                <td>\(models.count)</td></tr>
                """
        }
        let models = gateway.configuration.models
        let modelRows = models.map { model -> HTML in
            let totals = byModel[model.provider.name + "/" + model.name] ?? Analytics.Totals()
            let averages = gateway.health.averages(model.name)
            let quote = gateway.configuration.quote(of: model, at: now)
            return """
                <tr><th scope="row">\(model.name)</th><td>\(model.provider.name)</td>\
                <td>\(Self.breaker(gateway.health.breakerState("model:" + model.name)))</td>\
                <td>\(averages.latency.map { String(format: "%.0f ms", $0) } ?? "–")</td>\
                <td>\(averages.timeToFirstToken.map { String(format: "%.0f ms", $0) } ?? "–")</td>\
                <td>\(Self.count(totals.requests))</td><td>\(Self.rate(totals))</td>\
                <td>\(quote.map { "\($0.input.readable) / \($0.output.readable) \($0.input.currency.code)" } ?? "not priced")</td></tr>
                """
        }
        let errorBars = providers.map { provider -> Charts.Datum in
            let totals = byProvider[provider.name] ?? Analytics.Totals()
            let share = totals.requests > 0 ? Double(totals.errors) / Double(totals.requests) : 0
            return Charts.Datum(label: provider.name, value: share * 100, text: Self.rate(totals))
        }
        let requestBars = providers.map { provider -> Charts.Datum in
            let totals = byProvider[provider.name] ?? Analytics.Totals()
            return Charts.Datum(label: provider.name, value: Double(totals.requests), text: Self.count(totals.requests))
        }
        let latencyBars = models.compactMap { model -> Charts.Datum? in
            gateway.health.averages(model.name).latency.map { Charts.Datum(label: model.name, value: $0, text: String(format: "%.0f ms", $0)) }
        }
        return Content(title: "Providers", body: """
            \(period.form())
            <p class="muted">Requests and errors over the period; breakers and latencies (moving averages of recent answers) as this process sees them now.</p>
            <div class="table"><table id="providers">
            <thead><tr><th scope="col">Provider</th><th scope="col">Kind</th><th scope="col">Region</th><th scope="col">Breaker</th>\
            <th scope="col">Requests</th><th scope="col">Errors</th><th scope="col">Error rate</th><th scope="col">Models</th></tr></thead>
            <tbody>\(providerRows)</tbody>
            </table></div>
            <div class="charts">
            \(Charts.bars(id: "requests-chart", title: "Requests by provider", rows: requestBars))
            \(Charts.bars(id: "errors-chart", title: "Error rate by provider (%)", rows: errorBars))
            \(Charts.bars(id: "latency-chart", title: "Latency by model (ms, moving average)", rows: latencyBars))
            </div>
            <h2>Models</h2>
            <div class="table"><table id="models">
            <thead><tr><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Breaker</th><th scope="col">Latency</th>\
            <th scope="col">First token</th><th scope="col">Requests</th><th scope="col">Error rate</th>\
            <th scope="col">Per 1M input / output</th></tr></thead>
            <tbody>\(modelRows)</tbody>
            </table></div>
            """)
    }

    static func breaker(_ state: CircuitBreaker.State) -> HTML {
        switch state {
        case .closed: "<span class=\"ok\">closed</span>"
        case .open: "<span class=\"flag\">open</span>"
        case .halfOpen: "<span class=\"warn\">half-open</span>"
        }
    }

    static func rate(_ totals: Analytics.Totals) -> String {
        totals.requests == 0 ? "–" : String(format: "%.1f%%", Double(totals.errors) / Double(totals.requests) * 100)
    }
}
