import Foundation
import Pricing
import Testing
import TollgateCore

@Suite struct CostTests {
    let book = Fixtures.book(Fixtures.model("sonnet", ModelPrice(currency: .usd, rates: Fixtures.sonnetRates,
                                                                   batch: .multiplier(Ratio(1, 2)))))

    @Test func eachKindIsPricedAtItsOwnRatePerMillion() throws {
        // 1000 × 3 + 2000 × 0.3 + 400 × 3.75 + 100 × 6 + 500 × 15 + 200 × 15, all per 1M tokens:
        // 0.003 + 0.0006 + 0.0015 + 0.0006 + 0.0075 + 0.003 = 0.0162 USD.
        let usage = BillableUsage(tokens: TokenUsage(input: 1000, cachedInput: 2000, cacheWrite: 500, output: 500,
                                                     reasoning: 200), longLivedCacheWrite: 100)
        let cost = try book.cost(of: usage, for: "sonnet", at: Fixtures.anyDate)
        #expect(cost.total.description == "0.016200000 USD")
        #expect(cost[.input].nanos == 3_000_000)
        #expect(cost[.cachedInput].nanos == 600_000)
        #expect(cost[.cacheWrite].nanos == 1_500_000)
        #expect(cost[.cacheWriteLongLived].nanos == 600_000)
        #expect(cost[.output].nanos == 7_500_000)
        #expect(cost[.reasoning].nanos == 3_000_000)
        #expect(cost.amount(for: .cacheWrite).nanos == 2_100_000)
    }

    @Test func reasoningDefaultsToTheOutputRateAndCacheRatesToTheInputRate() throws {
        let rates = TokenRates(input: Fixtures.rate("2"), output: Fixtures.rate("8"))
        let book = Fixtures.book(Fixtures.model("plain", ModelPrice(currency: .usd, rates: rates)))
        let usage = TokenUsage(input: 1_000_000, cachedInput: 1_000_000, cacheWrite: 1_000_000, output: 0, reasoning: 1_000_000)
        let cost = try book.cost(of: usage, for: "plain", at: Fixtures.anyDate)
        #expect(cost.total.description == "14.000000000 USD")
        #expect(cost[.reasoning].nanos == 8_000_000_000)
    }

    @Test func theTotalIsRoundedOnceHalfToEvenNotLineByLine() throws {
        // 1 token at 0.0005 per 1M = 0.5 nano, 3 times over three kinds: 1.5 nanos in all.
        // Rounding each line would give 0 + 0 + 0 (half-even) = 0; the total rounds once to 2.
        let rates = TokenRates(input: RatePerMillion(nanos: 500_000), output: RatePerMillion(nanos: 500_000),
                               cachedInput: RatePerMillion(nanos: 500_000))
        let book = Fixtures.book(Fixtures.model("tiny", ModelPrice(currency: .usd, rates: rates)))
        let cost = try book.cost(of: TokenUsage(input: 1, cachedInput: 1, output: 1), for: "tiny", at: Fixtures.anyDate)
        #expect(cost.total.nanos == 2)
        #expect(cost.lines.map(\.amount.nanos).reduce(0, +) == 2)
        // The two leftover nanos go to the earliest lines of equal remainder.
        #expect(cost.lines.map(\.amount.nanos) == [1, 1, 0])
    }

    @Test func halfANanoRoundsToEven() throws {
        let rates = TokenRates(input: RatePerMillion(nanos: 500_000), output: RatePerMillion(nanos: 1_500_000))
        let book = Fixtures.book(Fixtures.model("tiny", ModelPrice(currency: .usd, rates: rates)))
        #expect(try book.cost(of: TokenUsage(input: 1), for: "tiny", at: Fixtures.anyDate).total.nanos == 0)
        #expect(try book.cost(of: TokenUsage(output: 1), for: "tiny", at: Fixtures.anyDate).total.nanos == 2)
        #expect(try book.cost(of: TokenUsage(input: 3), for: "tiny", at: Fixtures.anyDate).total.nanos == 2)
    }

    @Test func theBreakdownAlwaysSumsToTheTotal() throws {
        let rates = TokenRates(input: RatePerMillion(nanos: 333_333), output: RatePerMillion(nanos: 777_777),
                               cachedInput: RatePerMillion(nanos: 33_333), cacheWrite: RatePerMillion(nanos: 416_666),
                               reasoning: RatePerMillion(nanos: 999_999))
        let book = Fixtures.book(Fixtures.model("odd", ModelPrice(currency: .usd, rates: rates,
                                                                  requestFee: RequestFee(nanos: 7))))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let usage = TokenUsage(input: Int.random(in: 0...99_999, using: &generator),
                                   cachedInput: Int.random(in: 0...99_999, using: &generator),
                                   cacheWrite: Int.random(in: 0...9_999, using: &generator),
                                   output: Int.random(in: 0...9_999, using: &generator),
                                   reasoning: Int.random(in: 0...9_999, using: &generator))
            let cost = try book.cost(of: usage, for: "odd", at: Fixtures.anyDate)
            #expect(cost.lines.map(\.amount.nanos).reduce(0, +) == cost.total.nanos)
            let exact = Int128(usage.input) * 333_333 + Int128(usage.cachedInput) * 33_333
                + Int128(usage.cacheWrite) * 416_666 + Int128(usage.output) * 777_777
                + Int128(usage.reasoning) * 999_999 + 7 * 1_000_000
            #expect(Int128(cost.total.nanos) == dividedRoundingHalfEven(exact, by: 1_000_000))
        }
    }

    @Test func aRequestFeeIsAddedOnceAndNotDiscounted() throws {
        let price = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("1"), output: Fixtures.rate("1")),
                               requestFee: RequestFee(nanos: 5_000_000), batch: .multiplier(Ratio(1, 2)))
        let book = Fixtures.book(Fixtures.model("search", price))
        let cost = try book.cost(of: TokenUsage(input: 1000), for: "search", at: Fixtures.anyDate,
                                 options: CostOptions(batch: true))
        // 1000 × 1 / 1M × 0.5 = 0.0005, plus the 0.005 fee.
        #expect(cost.total.description == "0.005500000 USD")
        #expect(cost[.requestFee].nanos == 5_000_000)
    }

    @Test func batchHalvesEveryTokenRate() throws {
        let usage = TokenUsage(input: 1000, cachedInput: 1000, output: 1000)
        let standard = try book.cost(of: usage, for: "sonnet", at: Fixtures.anyDate)
        let batch = try book.cost(of: usage, for: "sonnet", at: Fixtures.anyDate, options: CostOptions(batch: true))
        #expect(standard.total.nanos == 18_300_000)
        #expect(batch.total.nanos == 9_150_000)
        #expect(batch.multiplier == Ratio(1, 2))
    }

    @Test func aModelWithoutABatchPriceRefusesBatchPricing() {
        let book = Fixtures.book(Fixtures.model("m", ModelPrice(currency: .usd, rates: Fixtures.sonnetRates)))
        #expect(throws: PricingError.self) {
            try book.cost(of: TokenUsage(input: 1), for: "m", at: Fixtures.anyDate, options: CostOptions(batch: true))
        }
    }

    @Test func serviceTiersApplyTheirMultiplierOrTheirOwnRates() throws {
        let price = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("1.25"), output: Fixtures.rate("10")),
                               serviceTiers: ["flex": .multiplier(Ratio(1, 2)),
                                              "priority": .rates(PartialTokenRates(input: Fixtures.rate("2.5"),
                                                                                   output: Fixtures.rate("20")))])
        let book = Fixtures.book(Fixtures.model("gpt", price))
        let usage = TokenUsage(input: 1_000_000, output: 100_000)
        #expect(try book.cost(of: usage, for: "gpt", at: Fixtures.anyDate).total.description == "2.250000000 USD")
        #expect(try book.cost(of: usage, for: "gpt", at: Fixtures.anyDate,
                              options: CostOptions(serviceTier: "flex")).total.description == "1.125000000 USD")
        #expect(try book.cost(of: usage, for: "gpt", at: Fixtures.anyDate,
                              options: CostOptions(serviceTier: "priority")).total.description == "4.500000000 USD")
        #expect(throws: PricingError.self) {
            try book.cost(of: usage, for: "gpt", at: Fixtures.anyDate, options: CostOptions(serviceTier: "turbo"))
        }
    }

    @Test func costsAreInThePricesOwnCurrency() throws {
        let price = ModelPrice(currency: .cny, rates: TokenRates(input: Fixtures.rate("2"), output: Fixtures.rate("8")))
        let book = Fixtures.book(Fixtures.model("qwen", price))
        let cost = try book.cost(of: TokenUsage(input: 1000, output: 1000), for: "qwen", at: Fixtures.anyDate)
        #expect(cost.total.description == "0.010000000 CNY")
    }

    @Test func unknownModelsAndNegativeCountsAreRefused() {
        #expect(throws: PricingError.self) { try book.cost(of: TokenUsage(input: 1), for: "nope", at: Fixtures.anyDate) }
        #expect(throws: PricingError.self) { try book.cost(of: TokenUsage(input: -1), for: "sonnet", at: Fixtures.anyDate) }
    }

    @Test func modelsAreFoundByAliasAndIgnoringCase() throws {
        let model = PricedModel(id: "claude-sonnet-4-5", provider: "anthropic", aliases: ["claude-sonnet-4-5-20250929"],
                                versions: [ModelPrice(currency: .usd, rates: Fixtures.sonnetRates)])
        let book = PriceBook(models: [model])
        #expect(book.model(named: "claude-sonnet-4-5-20250929")?.id == "claude-sonnet-4-5")
        #expect(book.model(named: "Claude-Sonnet-4-5")?.id == "claude-sonnet-4-5")
        #expect(try book.cost(of: TokenUsage(input: 1), for: "claude-sonnet-4-5-20250929", at: Fixtures.anyDate).model
                == "claude-sonnet-4-5")
    }
}
