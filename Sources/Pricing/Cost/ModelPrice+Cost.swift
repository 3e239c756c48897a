import Foundation
import TollgateCore

extension ModelPrice {
    /// Prices `usage` with this version; see `PriceBook.cost(of:for:at:options:)`.
    func cost(of usage: BillableUsage, model: String, at date: Date,
              options: CostOptions) throws(PricingError) -> Cost {
        for kind in BillableKind.allCases where usage[kind] < 0 {
            throw PricingError(.negativeCount(kind.rawValue))
        }
        let adjustments = try self.adjustments(at: date, options: options, model: model)
        var multiplier = Ratio.one
        var kindFactors: [BillableKind: Ratio] = [:]
        var overrides: [PartialTokenRates] = []
        for adjustment in adjustments.list {
            switch adjustment {
            case .multiplier(let ratio): multiplier = multiplier * ratio
            case .factors(let factors):
                for (kind, ratio) in factors { kindFactors[kind] = (kindFactors[kind] ?? .one) * ratio }
            case .rates(let partial): overrides.append(partial)
            }
        }
        func adjusted(_ rates: TokenRates) -> TokenRates {
            overrides.reduce(rates) { $0.overridden(by: $1) }
        }

        let inputTotal = usage.tokens.totalInput
        var pieces: [(kind: BillableKind, tokens: Int, rate: RatePerMillion)] = []
        var reachedBand: Int?
        if let tiers, tiers.kind == .graduated {
            reachedBand = tiers.bands.last { inputTotal > $0.aboveInputTokens }?.aboveInputTokens
            // A cached prefix is the start of the prompt, and what is written to the cache
            // precedes the uncached tail, so the lowest bands go to cache reads, then writes.
            var position = 0
            let thresholds = [0] + tiers.bands.map(\.aboveInputTokens)
            for kind in [BillableKind.cachedInput, .cacheWrite, .cacheWriteLongLived, .input] {
                var remaining = usage[kind]
                while remaining > 0 {
                    let band = thresholds.lastIndex { position >= $0 }!
                    let bandEnd = band + 1 < thresholds.count ? thresholds[band + 1] : Int.max
                    let span = min(remaining, bandEnd - position)
                    let rates = adjusted(tiers.rates(base: self.rates, throughInputTokens: thresholds[band] + 1))
                    pieces.append((kind, span, rates.rate(for: kind)))
                    position += span
                    remaining -= span
                }
            }
            let outputRates = adjusted(tiers.rates(base: self.rates, throughInputTokens: inputTotal))
            for kind in [BillableKind.output, .reasoning] {
                pieces.append((kind, usage[kind], outputRates.rate(for: kind)))
            }
        } else {
            reachedBand = tiers?.bands.last { inputTotal > $0.aboveInputTokens }?.aboveInputTokens
            let rates = adjusted(tiers?.rates(base: self.rates, throughInputTokens: inputTotal) ?? self.rates)
            for kind in BillableKind.allCases {
                pieces.append((kind, usage[kind], rates.rate(for: kind)))
            }
        }

        // Every piece is tokens × rate × its multiplier / 1M. Over one common denominator
        // (1M × the least common multiple of the multipliers' denominators) the sum stays
        // exact until the single rounding.
        func ratio(_ kind: BillableKind) -> Ratio { multiplier * (kindFactors[kind] ?? .one) }
        let commonScale = BillableKind.allCases.reduce(Int128(1)) { lcm($0, Int128(ratio($1).denominator)) }
        let denominator = Int128(1_000_000) * commonScale
        var numerators: [CostComponent: Int128] = [:]
        var tokens: [CostComponent: Int] = [:]
        for piece in pieces {
            let pieceRatio = ratio(piece.kind)
            let (product, o1) = Int128(piece.tokens).multipliedReportingOverflow(by: Int128(piece.rate.nanos))
            let (scaled, o2) = product.multipliedReportingOverflow(
                by: Int128(pieceRatio.numerator) * (commonScale / Int128(pieceRatio.denominator)))
            guard !o1, !o2 else { throw PricingError(.overflow(model)) }
            numerators[CostComponent(piece.kind), default: 0] += scaled
            tokens[CostComponent(piece.kind), default: 0] += piece.tokens
        }
        if let requestFee {
            numerators[.requestFee] = Int128(requestFee.nanos) * denominator
            tokens[.requestFee] = 1
        }
        let components = CostComponent.allCases.filter { (tokens[$0] ?? 0) > 0 || (numerators[$0] ?? 0) > 0 }
        let exactSum = components.reduce(Int128(0)) { $0 + numerators[$1]! }
        let total = dividedRoundingHalfEven(exactSum, by: denominator)
        guard let totalNanos = Int64(exactly: total) else { throw PricingError(.overflow(model)) }

        var amounts = components.map { numerators[$0]! / denominator }
        var leftover = total - amounts.reduce(0, +)
        let remainders = components.map { numerators[$0]! % denominator }
        let byRemainder = components.indices.sorted { (remainders[$0], $1) > (remainders[$1], $0) }
        for index in byRemainder where leftover > 0 {
            amounts[index] += 1
            leftover -= 1
        }
        let lines = components.indices.map { index in
            CostLine(component: components[index], tokens: tokens[components[index]]!,
                     amount: Money(nanos: Int64(amounts[index]), currency: currency))
        }
        return Cost(model: model, total: Money(nanos: totalNanos, currency: currency), lines: lines,
                    priceEffectiveFrom: effectiveFrom, timeWindow: adjustments.window,
                    tierAboveInputTokens: reachedBand, multiplier: multiplier)
    }

    /// The adjustments that apply, in order: time window, then service tier, then batch.
    private func adjustments(at date: Date, options: CostOptions,
                             model: String) throws(PricingError) -> (list: [RateAdjustment], window: String?) {
        var list: [RateAdjustment] = []
        let window = timeWindows.first { $0.contains(date) }
        if let window { list.append(window.adjustment) }
        if let tier = options.serviceTier, !tier.isEmpty, tier != "default", tier != "standard" {
            guard let adjustment = serviceTiers[tier] else {
                throw PricingError(.noServiceTier(model: model, tier: tier))
            }
            list.append(adjustment)
        }
        if options.batch {
            guard let batch else { throw PricingError(.noBatchPrice(model)) }
            list.append(batch)
        }
        return (list, window?.name)
    }
}

private func lcm(_ a: Int128, _ b: Int128) -> Int128 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return a / x * b
}
