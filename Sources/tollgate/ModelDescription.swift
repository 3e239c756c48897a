import Foundation
import Pricing

/// The text `prices show` prints for one model.
struct ModelDescription {
    let model: PricedModel

    var text: String {
        var lines = ["\(model.id)  (\(model.provider))"]
        if !model.aliases.isEmpty { lines.append("aliases: \(model.aliases.joined(separator: ", "))") }
        if let window = model.contextWindow { lines.append("context window: \(window) tokens") }
        if let output = model.maxOutputTokens { lines.append("max output: \(output) tokens") }
        lines.append("capabilities: \(model.capabilities.map(\.rawValue).sorted().joined(separator: ", "))")
        for price in model.versions {
            lines.append("")
            lines.append("from \(price.effectiveFrom.formatted(.iso8601)), \(price.currency.code) per 1M tokens:")
            lines.append(contentsOf: rateLines(price.rates).map { "  " + $0 })
            if let fee = price.requestFee {
                lines.append("  request fee: \(RatePerMillion(nanos: fee.nanos).shortDecimal) per request")
            }
            if let tiers = price.tiers {
                for band in tiers.bands {
                    lines.append("  above \(band.aboveInputTokens) input tokens (\(tiers.kind.rawValue)): "
                                 + partialText(band.rates))
                }
            }
            for window in price.timeWindows {
                let days = window.weekdays.map { " ISO weekdays " + $0.sorted().map(String.init).joined(separator: ",") } ?? ""
                lines.append("  \(window.name) \(window.hoursUTC.map(\.description).joined(separator: ", ")) UTC\(days): "
                             + adjustmentText(window.adjustment))
            }
            if let batch = price.batch { lines.append("  batch: " + adjustmentText(batch)) }
            for (tier, adjustment) in price.serviceTiers.sorted(by: { $0.key < $1.key }) {
                lines.append("  service tier \(tier): " + adjustmentText(adjustment))
            }
            if let source = price.source {
                lines.append("  source: \(source.url)" + (source.asOf.map { " (as of \($0))" } ?? "")
                             + (source.note.map { " — \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func rateLines(_ rates: TokenRates) -> [String] {
        BillableKind.allCases.map { "\($0.rawValue): \(rates.rate(for: $0).shortDecimal)" }
    }

    private func partialText(_ rates: PartialTokenRates) -> String {
        let fields: [(String, RatePerMillion?)] = [("input", rates.input), ("cached_input", rates.cachedInput),
                                                   ("cache_write", rates.cacheWrite), ("cache_write_1h", rates.cacheWriteLongLived),
                                                   ("output", rates.output), ("reasoning", rates.reasoning)]
        return fields.compactMap { name, rate in rate.map { "\(name) \($0.shortDecimal)" } }.joined(separator: ", ")
    }

    private func adjustmentText(_ adjustment: RateAdjustment) -> String {
        switch adjustment {
        case .multiplier(let ratio): "× \(ratio)"
        case .factors(let factors):
            BillableKind.allCases.compactMap { kind in factors[kind].map { "\(kind.rawValue) × \($0)" } }
                .joined(separator: ", ")
        case .rates(let rates): partialText(rates)
        }
    }
}
