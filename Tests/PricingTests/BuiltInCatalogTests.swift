import Foundation
import Pricing
import Testing
import TollgateCore

@Suite struct BuiltInCatalogTests {
    let catalog: PriceCatalog
    let book: PriceBook

    init() throws {
        catalog = try PriceCatalog.builtIn()
        book = catalog.priceBook
    }

    @Test func theBuiltInCatalogCoversAboutFortyModelsOfEveryProviderFamily() {
        #expect(catalog.models.count >= 40)
        let providers = Set(catalog.models.map(\.provider))
        for family in ["deepseek", "dashscope", "moonshot", "minimax", "zai", "volcengine", "openai", "anthropic", "google"] {
            #expect(providers.contains(family), "no \(family) model")
        }
    }

    @Test func everyPriceNamesItsSourceAndDate() {
        for model in catalog.models {
            #expect(!model.versions.isEmpty, "\(model.id) has no price")
            for price in model.versions {
                #expect(price.source?.url.hasPrefix("https://") == true, "\(model.id) has no source URL")
                #expect(price.source?.asOf?.count == 10, "\(model.id) has no source date")
            }
            #expect(model.contextWindow != nil, "\(model.id) has no context window")
        }
    }

    @Test func chinesePlatformPricesAreInYuan() throws {
        #expect(try #require(book.model(named: "qwen3-max")?.versions.last).currency == .cny)
        #expect(try #require(book.model(named: "deepseek-cn/deepseek-flash")?.versions.last).currency == .cny)
        // qwen3-max above 32K input: 40,000 × 4 + 1,000 × 16 per 1M = 0.176 CNY.
        let cost = try book.cost(of: TokenUsage(input: 40_000, output: 1_000), for: "qwen3-max",
                                 at: Fixtures.instant("2026-11-24T00:00:00Z"))
        #expect(cost.total.description == "0.176000000 CNY")
    }

    @Test func deepSeekFlashIsHalfPriceOffPeakAndOnWeekends() throws {
        let usage = TokenUsage(input: 1_000_000, cachedInput: 1_000_000, output: 1_000_000)
        // Tuesday 2026-11-24 02:00 UTC is peak: 0.3 + 0.006 + 1.2.
        #expect(try book.cost(of: usage, for: "deepseek-v4-flash", at: Fixtures.instant("2026-11-24T02:00:00Z"))
            .total.description == "1.506000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-flash", at: Fixtures.instant("2026-11-24T12:00:00Z"))
            .total.description == "0.753000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-flash", at: Fixtures.instant("2026-11-22T02:00:00Z"))
            .total.description == "0.753000000 USD")
    }

    @Test func deepSeekChatKeepsItsPriceHistory() throws {
        let usage = TokenUsage(input: 1_000_000, cachedInput: 1_000_000, output: 1_000_000)
        // V3 in the old off-peak window (16:30-00:30 UTC): (0.27 + 0.07 + 1.1) / 2.
        #expect(try book.cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2025-03-03T17:00:00Z"))
            .total.description == "0.720000000 USD")
        // deepseek-reasoner took 75% off in the same window: (0.55 + 0.14 + 2.19) / 4.
        #expect(try book.cost(of: usage, for: "deepseek-reasoner", at: Fixtures.instant("2025-03-03T17:00:00Z"))
            .total.description == "0.720000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2025-09-10T12:00:00Z"))
            .total.description == "2.310000000 USD")
        #expect(try book.cost(of: usage, for: "deepseek-chat", at: Fixtures.instant("2026-01-10T12:00:00Z"))
            .total.description == "0.728000000 USD")
    }

    @Test func anthropicOneHourCacheWritesCostMoreThanFiveMinuteOnes() throws {
        let model = try #require(book.model(named: "claude-sonnet-4-5-20250929"))
        let rates = try #require(model.versions.last).rates
        #expect(rates.rate(for: .cacheWrite).nanos == 3_750_000_000)
        #expect(rates.rate(for: .cacheWriteLongLived).nanos == 6_000_000_000)
    }
}
