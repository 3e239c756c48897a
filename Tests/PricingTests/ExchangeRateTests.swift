import Foundation
import Pricing
import Testing
import TollgateCore

@Suite struct ExchangeRateTests {
    let table = ExchangeRateTable(rates: [
        .init(from: .usd, to: .cny, effectiveFrom: Fixtures.instant("2026-01-01T00:00:00Z"), rate: Ratio(decimal: "7.1")!),
        .init(from: .usd, to: .cny, effectiveFrom: Fixtures.instant("2026-03-01T00:00:00Z"), rate: Ratio(decimal: "7.2")!),
    ])

    @Test func conversionUsesTheRateInForceOnTheDay() throws {
        let cost = Money(nanos: 1_000_000_000, currency: .usd)
        #expect(try table.convert(cost, to: .cny, at: Fixtures.instant("2026-02-28T23:59:59Z")).description
                == "7.100000000 CNY")
        #expect(try table.convert(cost, to: .cny, at: Fixtures.instant("2026-03-01T00:00:00Z")).description
                == "7.200000000 CNY")
    }

    @Test func aReverseRateIsInvertedAndRoundedHalfToEven() throws {
        // 1 CNY at 1/7.2 USD = 0.138888888… → 0.138888889 USD.
        let converted = try table.convert(Money(nanos: 1_000_000_000, currency: .cny), to: .usd,
                                          at: Fixtures.instant("2026-06-01T00:00:00Z"))
        #expect(converted.description == "0.138888889 USD")
    }

    @Test func aMissingRateIsAnErrorNotASilentConversion() {
        #expect(throws: PricingError.self) {
            try table.convert(Money(nanos: 1, currency: .usd), to: .eur, at: Fixtures.instant("2026-06-01T00:00:00Z"))
        }
        #expect(throws: PricingError.self) {
            try table.convert(Money(nanos: 1, currency: .usd), to: .cny, at: Fixtures.instant("2025-12-31T00:00:00Z"))
        }
    }
}
