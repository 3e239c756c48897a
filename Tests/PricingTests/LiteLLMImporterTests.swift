import Foundation
import Pricing
import Testing
import TollgateCore

/// Entries copied in the shape of LiteLLM's `model_prices_and_context_window.json`.
@Suite struct LiteLLMImporterTests {
    let file = Data("""
    {
      "sample_spec": {"input_cost_per_token": 0.0, "mode": "chat"},
      "claude-sonnet-4-5": {
        "litellm_provider": "anthropic", "mode": "chat", "max_input_tokens": 200000, "max_output_tokens": 64000,
        "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
        "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
        "cache_creation_input_token_cost_above_1hr": 6e-06,
        "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
        "cache_read_input_token_cost_above_200k_tokens": 6e-07,
        "input_cost_per_token_batches": 1.5e-06, "output_cost_per_token_batches": 7.5e-06,
        "supports_function_calling": true, "supports_vision": true, "supports_reasoning": true,
        "supports_response_schema": true, "supports_prompt_caching": true
      },
      "deepseek/deepseek-chat": {
        "litellm_provider": "deepseek", "mode": "chat", "max_input_tokens": 131072,
        "input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07, "cache_read_input_token_cost": 2.8e-08
      },
      "dashscope/qwen-flash": {
        "litellm_provider": "dashscope", "mode": "chat", "max_input_tokens": 997952,
        "tiered_pricing": [
          {"input_cost_per_token": 5e-08, "output_cost_per_token": 4e-07, "range": [0, 256000.0]},
          {"input_cost_per_token": 2.5e-07, "output_cost_per_token": 2e-06, "range": [256000.0, 1000000.0]}
        ]
      },
      "deepseek-v4-flash": {
        "litellm_provider": "deepseek", "mode": "chat",
        "input_cost_per_token": 3e-07, "output_cost_per_token": 1.2e-06, "cache_read_input_token_cost": 6e-09,
        "off_peak_pricing": {"cache_read_input_token_cost": 3e-09, "input_cost_per_token": 1.5e-07,
          "output_cost_per_token": 6e-07,
          "windows": [{"hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"], "weekdays": [1, 2, 3, 4, 5]},
                      {"hours_utc": "00:00-00:00", "weekdays": [6, 7]}]}
      },
      "gpt-5": {
        "litellm_provider": "openai", "mode": "responses", "input_cost_per_token": 1.25e-06,
        "output_cost_per_token": 1e-05, "input_cost_per_token_flex": 6.25e-07, "output_cost_per_token_flex": 5e-06,
        "input_cost_per_token_priority": 2.5e-06, "output_cost_per_token_priority": 2e-05
      },
      "odd-precision": {"litellm_provider": "x", "mode": "chat",
        "input_cost_per_token": 1.2999999999999999e-07, "output_cost_per_token": 0.000001},
      "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08}
    }
    """.utf8)

    func imported() throws -> LiteLLMImporter.Result { try LiteLLMImporter().importCatalog(json: file) }

    @Test func perTokenFiguresBecomeExactRatesPerMillion() throws {
        let book = try imported().catalog.priceBook
        let deepseek = try #require(book.model(named: "deepseek/deepseek-chat")?.versions.first)
        #expect(deepseek.rates.input.nanos == 280_000_000)
        #expect(deepseek.rates.output.nanos == 420_000_000)
        #expect(deepseek.rates.cachedInput?.nanos == 28_000_000)
        #expect(deepseek.currency == .usd)
    }

    @Test func cacheWriteLifetimesLongContextTiersAndBatchPricesAreMapped() throws {
        let book = try imported().catalog.priceBook
        let claude = try #require(book.model(named: "claude-sonnet-4-5"))
        #expect(claude.contextWindow == 200_000)
        #expect(claude.capabilities == [.tools, .vision, .reasoning, .json, .caching])
        let usage = BillableUsage(tokens: TokenUsage(input: 1000, cacheWrite: 2000, output: 100), longLivedCacheWrite: 1000)
        // 1000 × 3 + 1000 × 3.75 + 1000 × 6 + 100 × 15 per 1M = 0.01425.
        #expect(try book.cost(of: usage, for: "claude-sonnet-4-5", at: Fixtures.anyDate).total.nanos == 14_250_000)
        // Above 200K input every kind moves to the long-context price.
        let long = try book.cost(of: TokenUsage(input: 200_001, cachedInput: 0, output: 1000), for: "claude-sonnet-4-5",
                                 at: Fixtures.anyDate)
        #expect(long.total.nanos == 200_001 * 6000 + 1000 * 22_500)
        let batch = try book.cost(of: TokenUsage(input: 1000, output: 1000), for: "claude-sonnet-4-5", at: Fixtures.anyDate,
                                  options: CostOptions(batch: true))
        #expect(batch.total.nanos == 9_000_000)
    }

    @Test func tieredPricingBecomesWholeRequestTiers() throws {
        let book = try imported().catalog.priceBook
        let small = try book.cost(of: TokenUsage(input: 256_000, output: 1000), for: "dashscope/qwen-flash", at: Fixtures.anyDate)
        #expect(small.total.nanos == 256_000 * 50 + 1000 * 400)
        let large = try book.cost(of: TokenUsage(input: 256_001, output: 1000), for: "dashscope/qwen-flash", at: Fixtures.anyDate)
        #expect(large.total.nanos == 256_001 * 250 + 1000 * 2000)
    }

    @Test func offPeakPricingBecomesTimeWindows() throws {
        let book = try imported().catalog.priceBook
        let usage = TokenUsage(input: 1_000_000, cachedInput: 1_000_000, output: 1_000_000)
        let peak = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-03-04T07:00:00Z"))
        #expect(peak.total.description == "1.506000000 USD")
        let offPeak = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-03-04T11:00:00Z"))
        #expect(offPeak.total.description == "0.753000000 USD")
        let sunday = try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-03-08T07:00:00Z"))
        #expect(sunday.total.description == "0.753000000 USD")
    }

    @Test func flexAndPriorityBecomeServiceTiers() throws {
        let book = try imported().catalog.priceBook
        let usage = TokenUsage(input: 1_000_000, output: 1_000_000)
        #expect(try book.cost(of: usage, for: "gpt-5", at: Fixtures.anyDate, options: CostOptions(serviceTier: "flex"))
            .total.description == "5.625000000 USD")
        #expect(try book.cost(of: usage, for: "gpt-5", at: Fixtures.anyDate, options: CostOptions(serviceTier: "priority"))
            .total.description == "22.500000000 USD")
    }

    @Test func figuresFinerThanANanoPerMillionAreRoundedAndReported() throws {
        let result = try imported()
        let model = try #require(result.catalog.priceBook.model(named: "odd-precision")?.versions.first)
        // 1.2999999999999999e-07 × 1e15 = 129,999,999.99999999 → 130,000,000.
        #expect(model.rates.input.nanos == 130_000_000)
        #expect(result.notes["odd-precision"]?.count == 1)
    }

    @Test func nonChatEntriesAndTheSampleSpecAreSkipped() throws {
        let result = try imported()
        #expect(result.catalog.priceBook.model(named: "text-embedding-3-small") == nil)
        #expect(result.skipped["text-embedding-3-small"] == "mode embedding")
        #expect(result.catalog.priceBook.model(named: "sample_spec") == nil)
    }

    @Test func anImportedCatalogRoundTripsThroughItsFileForm() throws {
        let catalog = try imported().catalog
        let reread = try PriceCatalog(json: try catalog.json())
        #expect(reread.models == catalog.models)
    }
}

@Suite struct LiteLLMProviderRuleTests {
    @Test func aBatchPriceListingOnlyInputAndOutputAlsoHalvesCachePrices() throws {
        let file = Data("""
        {"o3": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-06,
                "output_cost_per_token": 8e-06, "cache_read_input_token_cost": 5e-07,
                "input_cost_per_token_batches": 1e-06, "output_cost_per_token_batches": 4e-06}}
        """.utf8)
        let book = try LiteLLMImporter().importCatalog(json: file).catalog.priceBook
        #expect(book.model(named: "o3")?.versions.first?.batch == .multiplier(Ratio(1, 2)))
        // 4,205 × 1 + 5,136 × 0.25 + 572 × 4 per 1M.
        let cost = try book.cost(of: TokenUsage(input: 4205, cachedInput: 5136, output: 152, reasoning: 420), for: "o3",
                                 at: Fixtures.anyDate, options: CostOptions(batch: true))
        #expect(cost.total.nanos == 7_777_000)
    }

    @Test func fireworksCachedTokensDefaultToHalfTheInputPrice() throws {
        let file = Data("""
        {"fireworks_ai/accounts/fireworks/models/x": {"litellm_provider": "fireworks_ai", "mode": "chat",
          "input_cost_per_token": 9e-07, "output_cost_per_token": 9e-07}}
        """.utf8)
        let book = try LiteLLMImporter().importCatalog(json: file).catalog.priceBook
        let rates = try #require(book.model(named: "fireworks_ai/accounts/fireworks/models/x")?.versions.first).rates
        #expect(rates.rate(for: .cachedInput).nanos == 450_000_000)
    }
}

@Suite struct LiteLLMServiceTierTests {
    @Test func aPriorityTierKeepsTheLongContextPriceAboveItsThreshold() throws {
        let file = Data("""
        {"gpt-5.6": {"litellm_provider": "openai", "mode": "chat",
          "input_cost_per_token": 4e-06, "output_cost_per_token": 2e-05, "cache_read_input_token_cost": 4e-07,
          "input_cost_per_token_above_272k_tokens": 8e-06, "output_cost_per_token_above_272k_tokens": 3e-05,
          "input_cost_per_token_priority": 8e-06, "output_cost_per_token_priority": 4e-05,
          "cache_read_input_token_cost_priority": 8e-07,
          "input_cost_per_token_above_272k_tokens_priority": 1.6e-05}}
        """.utf8)
        let book = try LiteLLMImporter().importCatalog(json: file).catalog.priceBook
        let usage = TokenUsage(input: 300_000, output: 1000)
        // Above 272K the priority price is twice the long-context price: 300,000 × 16 + 1,000 × 60 per 1M.
        let cost = try book.cost(of: usage, for: "gpt-5.6", at: Fixtures.anyDate, options: CostOptions(serviceTier: "priority"))
        #expect(cost.total.description == "4.860000000 USD")
    }
}

@Suite struct LiteLLMPartialDiscountTests {
    /// Gemini 2.5 Pro's flex prices in LiteLLM's file: input and output at half, cache reads not
    /// discounted, and no flex prices above 200K.
    let file = Data("""
    {"gemini-2.5-pro": {"litellm_provider": "vertex_ai-language-models", "mode": "chat",
      "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-07,
      "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05,
      "cache_read_input_token_cost_above_200k_tokens": 2.5e-07,
      "input_cost_per_token_flex": 6.25e-07, "output_cost_per_token_flex": 5e-06,
      "cache_read_input_token_cost_flex": 1.25e-07}}
    """.utf8)

    @Test func aTierDiscountingSomeKindsOnlyGetsAFactorPerKind() throws {
        let result = try LiteLLMImporter().importCatalog(json: file)
        let flex = try #require(result.catalog.priceBook.model(named: "gemini-2.5-pro")?.versions.first?.serviceTiers["flex"])
        guard case .factors(let factors) = flex else {
            Issue.record("expected per-kind factors, got \(flex)")
            return
        }
        #expect(factors[.input] == Ratio(1, 2))
        #expect(factors[.output] == Ratio(1, 2))
        #expect(factors[.cachedInput] == .one)
        // The file form keeps the factors.
        #expect(try PriceCatalog(json: result.catalog.json()).models == result.catalog.models)
    }

    @Test func perKindFactorsApplyOnTopOfTheLongContextTier() throws {
        let book = try LiteLLMImporter().importCatalog(json: file).catalog.priceBook
        let usage = TokenUsage(input: 50_000, cachedInput: 160_000, output: 1_000)
        // Above 200K: 50,000 × 2.5 × ½ + 160,000 × 0.25 × 1 + 1,000 × 15 × ½ per 1M.
        let cost = try book.cost(of: usage, for: "gemini-2.5-pro", at: Fixtures.anyDate,
                                 options: CostOptions(serviceTier: "flex"))
        #expect(cost.total.nanos == 62_500_000 + 40_000_000 + 7_500_000)
    }

    @Test func factorsWithDifferentDenominatorsStayExact() throws {
        let price = ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("1"), output: Fixtures.rate("1")),
                               serviceTiers: ["odd": .factors([.input: Ratio(1, 3), .output: Ratio(2, 7)])])
        let book = Fixtures.book(Fixtures.model("m", price))
        // 21M tokens each at 1 per 1M: input 21 × 1/3 = 7, output 21 × 2/7 = 6.
        let cost = try book.cost(of: TokenUsage(input: 21_000_000, output: 21_000_000), for: "m", at: Fixtures.anyDate,
                                 options: CostOptions(serviceTier: "odd"))
        #expect(cost.total.description == "13.000000000 USD")
        #expect(cost[.input].description == "7.000000000 USD")
    }
}
