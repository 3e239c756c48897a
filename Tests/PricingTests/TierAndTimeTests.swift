import Foundation
import Pricing
import Testing
import TollgateCore

@Suite struct TierAndTimeTests {
    /// Qwen-Plus-like whole-request tiers in CNY: 0.8/2 up to 128K input, 2.4/20 above.
    let qwen = ModelPrice(currency: .cny, rates: TokenRates(input: Fixtures.rate("0.8"), output: Fixtures.rate("2")),
                          tiers: PriceTiers(kind: .wholeRequest, bands: [
                              TierBand(aboveInputTokens: 128_000,
                                       rates: PartialTokenRates(input: Fixtures.rate("2.4"), output: Fixtures.rate("20"))),
                          ]))

    @Test func aWholeRequestTierPricesEveryTokenAtTheBandTheInputFallsIn() throws {
        let book = Fixtures.book(Fixtures.model("qwen-plus", qwen))
        // Exactly 128,000 input tokens stays in the first band (0 < tokens <= 128K).
        let atEdge = try book.cost(of: TokenUsage(input: 128_000, output: 1000), for: "qwen-plus", at: Fixtures.anyDate)
        #expect(atEdge.total.description == "0.104400000 CNY") // 0.1024 + 0.002
        #expect(atEdge.tierAboveInputTokens == nil)
        let above = try book.cost(of: TokenUsage(input: 128_001, output: 1000), for: "qwen-plus", at: Fixtures.anyDate)
        // 128,001 × 2.4 / 1M = 0.3072024; 1000 × 20 / 1M = 0.02.
        #expect(above.total.description == "0.327202400 CNY")
        #expect(above.tierAboveInputTokens == 128_000)
    }

    @Test func cachedTokensCountTowardsTheTierThreshold() throws {
        let book = Fixtures.book(Fixtures.model("qwen-plus", qwen))
        let cost = try book.cost(of: TokenUsage(input: 1, cachedInput: 128_000), for: "qwen-plus", at: Fixtures.anyDate)
        #expect(cost.tierAboveInputTokens == 128_000)
        // Cache reads default to the input price of the band: 128,001 × 2.4 / 1M.
        #expect(cost.total.nanos == 307_202_400)
    }

    @Test func graduatedTiersPriceEachInputTokenByItsPosition() throws {
        let price = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("1"), output: Fixtures.rate("4"),
                                                                 cachedInput: Fixtures.rate("0.1")),
                               tiers: PriceTiers(kind: .graduated, bands: [
                                   TierBand(aboveInputTokens: 1000, rates: PartialTokenRates(
                                       input: Fixtures.rate("2"), output: Fixtures.rate("8"), cachedInput: Fixtures.rate("0.2"))),
                               ]))
        let book = Fixtures.book(Fixtures.model("graduated", price))
        // Positions 1–600 are the cached prefix (0.1), 601–1000 uncached at 1, 1001–1500 at 2;
        // output at the band the input ends in (8): 0.00006 + 0.0004 + 0.001 + 0.0008.
        let cost = try book.cost(of: TokenUsage(input: 900, cachedInput: 600, output: 100), for: "graduated",
                                 at: Fixtures.anyDate)
        #expect(cost[.cachedInput].nanos == 60_000)
        #expect(cost[.input].nanos == 1_400_000)
        #expect(cost[.output].nanos == 800_000)
        #expect(cost.total.nanos == 2_260_000)
        #expect(cost.lines.first { $0.component == .input }?.tokens == 900)
    }

    /// DeepSeek V4-like: peak 01:00–04:00 and 06:00–10:00 UTC on weekdays, half price otherwise.
    let deepseek = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("0.3"), output: Fixtures.rate("1.2"),
                                                                cachedInput: Fixtures.rate("0.006")),
                              timeWindows: [
                                  TimeWindow(name: "off-peak", hoursUTC: [HourRange("10:00-01:00")!, HourRange("04:00-06:00")!],
                                             weekdays: [1, 2, 3, 4, 5], adjustment: .multiplier(Ratio(1, 2))),
                                  TimeWindow(name: "weekend", hoursUTC: [HourRange("00:00-00:00")!], weekdays: [6, 7],
                                             adjustment: .multiplier(Ratio(1, 2))),
                              ])

    @Test func timeWindowsPriceByTheRequestsStartInUTC() throws {
        let book = Fixtures.book(Fixtures.model("deepseek-v4-flash", deepseek))
        let usage = TokenUsage(input: 1_000_000, output: 1_000_000)
        // 2026-03-04 is a Wednesday.
        let peak = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-03-04T02:00:00Z"))
        #expect(peak.total.description == "1.500000000 USD")
        #expect(peak.timeWindow == nil)
        let peakEdge = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-03-04T09:59:59Z"))
        #expect(peakEdge.total.description == "1.500000000 USD")
        for offPeak in ["2026-03-04T10:00:00Z", "2026-03-04T00:59:00Z", "2026-03-04T05:00:00Z", "2026-03-04T23:30:00Z"] {
            let cost = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant(offPeak))
            #expect(cost.total.description == "0.750000000 USD", "at \(offPeak)")
            #expect(cost.timeWindow == "off-peak")
        }
        // Saturday 02:00 is inside the weekday peak hours but the weekend is all off-peak.
        let saturday = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-03-07T02:00:00Z"))
        #expect(saturday.total.description == "0.750000000 USD")
        #expect(saturday.timeWindow == "weekend")
    }

    @Test func theOlderOffPeakWindowWrapsPastMidnight() throws {
        let r1 = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("0.55"), output: Fixtures.rate("2.19"),
                                                              cachedInput: Fixtures.rate("0.14")),
                            timeWindows: [TimeWindow(name: "off-peak", hoursUTC: [HourRange("16:30-00:30")!],
                                                     adjustment: .multiplier(Ratio(1, 4)))])
        let book = Fixtures.book(Fixtures.model("deepseek-reasoner", r1))
        let usage = TokenUsage(input: 1_000_000, cachedInput: 1_000_000, output: 1_000_000)
        #expect(try book.cost(of: usage, for: "deepseek-reasoner", at: Fixtures.instant("2026-03-04T16:29:59Z"))
            .total.description == "2.880000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-reasoner", at: Fixtures.instant("2026-03-04T16:30:00Z"))
            .total.description == "0.720000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-reasoner", at: Fixtures.instant("2026-03-05T00:29:59Z"))
            .total.description == "0.720000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-reasoner", at: Fixtures.instant("2026-03-05T00:30:00Z"))
            .total.description == "2.880000000 USD")
    }

    @Test func aWindowWithItsOwnRatesReplacesOnlyTheRatesItNames() throws {
        let price = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("1"), output: Fixtures.rate("2")),
                               timeWindows: [TimeWindow(name: "night", hoursUTC: [HourRange("00:00-06:00")!],
                                                        adjustment: .rates(PartialTokenRates(input: Fixtures.rate("0.4"))))])
        let book = Fixtures.book(Fixtures.model("m", price))
        let cost = try book.cost(of: TokenUsage(input: 1_000_000, output: 1_000_000), for: "m",
                                 at: Fixtures.instant("2026-03-04T03:00:00Z"))
        #expect(cost.total.description == "2.400000000 USD")
    }

    @Test func aRequestIsPricedByTheVersionInForceWhenItStarted() throws {
        let old = ModelPrice(effectiveFrom: Fixtures.instant("2025-01-01T00:00:00Z"), currency: .usd,
                             rates: TokenRates(input: Fixtures.rate("0.27"), output: Fixtures.rate("1.1")))
        let new = ModelPrice(effectiveFrom: Fixtures.instant("2025-09-05T16:00:00Z"), currency: .usd,
                             rates: TokenRates(input: Fixtures.rate("0.28"), output: Fixtures.rate("0.42")))
        var model = Fixtures.model("deepseek-chat", old)
        let usage = TokenUsage(input: 1_000_000, output: 1_000_000)
        let before = try Fixtures.book(model).cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2025-09-05T15:59:59Z"))
        model.addVersion(new)
        let book = Fixtures.book(model)
        // Adding a version does not change what a request before it costs.
        #expect(try book.cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2025-09-05T15:59:59Z")) == before)
        #expect(before.total.description == "1.370000000 USD")
        let after = try book.cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2025-09-05T16:00:00Z"))
        #expect(after.total.description == "0.700000000 USD")
        #expect(after.priceEffectiveFrom == Fixtures.instant("2025-09-05T16:00:00Z"))
        #expect(throws: PricingError.self) {
            try book.cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2024-12-31T23:59:59Z"))
        }
    }
}
