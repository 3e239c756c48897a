import Foundation
import Pricing
import Testing
import TollgateCore

@Suite struct ConfigPriceTests {
    private func decode(_ json: String) throws -> ConfigPrice {
        try JSONDecoder().decode(ConfigPrice.self, from: Data(json.utf8))
    }

    private func refusal(_ json: String) -> PricingError? {
        do {
            _ = try decode(json)
            return nil
        } catch let error as PricingError {
            return error
        } catch {
            return nil
        }
    }

    @Test func theConfigSyntaxReadsPricesPerMillionExactly() throws {
        let price = try decode(#"{"currency": "USD", "input": 0.28, "cached_input": 0.028, "output": 0.42}"#)
        #expect(price.currency == .usd)
        #expect(price.rates.input.nanos == 280_000_000)
        #expect(price.rates.cachedInput?.nanos == 28_000_000)
        #expect(price.rates.output.nanos == 420_000_000)
        #expect(price.rates.reasoning == nil)
    }

    @Test func pricesMayBeWrittenAsStringsAndInCNY() throws {
        let price = try decode(#"{"currency": "cny", "input": "0.8", "output": "2", "cache_write_1h": "1.6", "batch": 0.5}"#)
        #expect(price.currency == .cny)
        #expect(price.rates.cacheWriteLongLived?.nanos == 1_600_000_000)
        #expect(price.batch == Ratio(1, 2))
    }

    @Test func badFieldsAreNamedInTheError() {
        #expect(refusal(#"{"currency": "USD", "input": -1, "output": 1}"#)?.field == "price.input")
        #expect(refusal(#"{"currency": "USD", "input": 1}"#)?.field == "price.output")
        #expect(refusal(#"{"currency": "USD", "input": 1, "output": 1, "cached_input": "cheap"}"#)?.field
                == "price.cached_input")
        #expect(refusal(#"{"currency": "XYZ", "input": 1, "output": 1}"#)?.field == "price.currency")
        #expect(refusal(#"{"input": 1, "output": 1}"#)?.field == "price.currency")
        #expect(refusal(#"{"currency": "USD", "inptu": 1, "output": 1}"#)?.field == "price.inptu")
        #expect(refusal(#"{"currency": "USD", "input": 0.0000000001, "output": 1}"#)?.field == "price.input")
        #expect(refusal(#"{"currency": "USD", "input": 1, "output": 1, "effective_from": "soon"}"#)?.field
                == "price.effective_from")
    }

    @Test func aConfiguredPriceOverridesTheCatalogs() throws {
        let catalog = PriceBook(models: [PricedModel(id: "deepseek-chat", provider: "deepseek", capabilities: [.tools],
            versions: [ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("0.27"), output: Fixtures.rate("1.1")))])])
        let book = catalog.applying(try decode(#"{"currency": "USD", "input": 0.28, "output": 0.42}"#),
                                    to: "deepseek-chat", provider: "deepseek")
        let cost = try book.cost(of: TokenUsage(input: 1_000_000, output: 1_000_000), for: "deepseek-chat", at: Fixtures.anyDate)
        #expect(cost.total.description == "0.700000000 USD")
        #expect(book.model(named: "deepseek-chat")?.capabilities == [.tools])
    }

    @Test func aConfiguredPriceWithAStartDateKeepsEarlierRequestsAtTheCatalogPrice() throws {
        let catalog = PriceBook(models: [PricedModel(id: "m", provider: "p",
            versions: [ModelPrice(currency: .usd, rates: TokenRates(input: Fixtures.rate("1"), output: Fixtures.rate("1")))])])
        let book = catalog.applying(try decode(#"{"currency": "USD", "input": 2, "output": 2, "effective_from": "2026-06-01"}"#),
                                    to: "m", provider: "p")
        let usage = TokenUsage(input: 1_000_000)
        #expect(try book.cost(of: usage, for: "m", at: Fixtures.instant("2026-05-31T23:59:59Z")).total.nanos == 1_000_000_000)
        #expect(try book.cost(of: usage, for: "m", at: Fixtures.instant("2026-06-01T00:00:00Z")).total.nanos == 2_000_000_000)
    }

    @Test func aModelOnlyInTheConfigIsAdded() throws {
        let book = PriceBook().applying(try decode(#"{"currency": "USD", "input": 0.1, "output": 0.2}"#),
                                        to: "local-llama", provider: "vllm")
        #expect(try book.cost(of: TokenUsage(output: 10), for: "local-llama", at: Fixtures.anyDate).total.nanos == 2000)
    }
}

@Suite struct InstantTextTests {
    @Test func datesAndInstantsWithoutAnOffsetAreUTC() {
        #expect(InstantText.parse("2026-06-01") == Fixtures.instant("2026-06-01T00:00:00Z"))
        #expect(InstantText.parse("2026-06-01T09:30:00") == Fixtures.instant("2026-06-01T09:30:00Z"))
        #expect(InstantText.parse("2026-06-01T17:30:00+08:00") == Fixtures.instant("2026-06-01T09:30:00Z"))
        #expect(InstantText.parse("June first") == nil)
    }
}
