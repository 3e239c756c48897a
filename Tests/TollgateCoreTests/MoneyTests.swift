import Testing
@testable import TollgateCore

@Suite struct MoneyTests {
    @Test func parsesDecimalsExactly() throws {
        #expect(try Money(decimal: "0.28", currency: .usd).nanos == 280_000_000)
        #expect(try Money(decimal: "15", currency: .usd).nanos == 15_000_000_000)
        #expect(try Money(decimal: "-1.000000001", currency: .usd).nanos == -1_000_000_001)
        #expect(try Money(decimal: ".5", currency: .usd).nanos == 500_000_000)
    }

    @Test func refusesWhatIsNotAnExactDecimal() {
        #expect(throws: MoneyError.self) { try Money(decimal: "1e3", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money(decimal: "0.0000000001", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money(decimal: "abc", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money(decimal: "99999999999999", currency: .usd) }
        #expect(throws: MoneyError.self) { try Money(decimal: "", currency: .usd) }
    }

    @Test func formatsWithNineDigitsAndTheCurrency() {
        #expect(Money(nanos: 123_400, currency: .usd).description == "0.000123400 USD")
        #expect(Money(nanos: -5, currency: .cny).description == "-0.000000005 CNY")
        #expect(Money(nanos: 12_000_000_000, currency: .usd).decimalString == "12.000000000")
    }

    @Test func roundsHalfToEven() {
        #expect(dividedRoundingHalfEven(5, by: 2) == 2)
        #expect(dividedRoundingHalfEven(7, by: 2) == 4)
        #expect(dividedRoundingHalfEven(-5, by: 2) == -2)
        #expect(dividedRoundingHalfEven(-7, by: 2) == -4)
        #expect(dividedRoundingHalfEven(11, by: 4) == 3)
        #expect(dividedRoundingHalfEven(9, by: 4) == 2)
        #expect(dividedRoundingHalfEven(10, by: 5) == 2)
    }

    @Test func timeOrderedIDsRoundTripAndSortByTime() throws {
        let early = TimeOrderedID(at: .init(timeIntervalSince1970: 1_000))
        let late = TimeOrderedID(at: .init(timeIntervalSince1970: 2_000))
        #expect(early < late)
        #expect(TimeOrderedID(early.description) == early)
        #expect(early.milliseconds == 1_000_000)
        #expect(early.description.count == 36)
        #expect(TimeOrderedID(high: 0x0123_4567_89ab_7def, low: 0x8000_0000_0000_00ff).description
                == "01234567-89ab-7def-8000-0000000000ff")
    }
}

@Test func readableAmountsRoundHalfEvenToCentsWithSeparatorsAndKeepFourDigitsBelowOne() {
    #expect(Money(nanos: 1_234_567_005_000_000, currency: .usd).readable == "1,234,567.00")
    #expect(Money(nanos: 1_005_000_000, currency: .usd).readable == "1.00")
    #expect(Money(nanos: 1_015_000_000, currency: .usd).readable == "1.02")
    #expect(Money(nanos: -2_500_000_000, currency: .usd).readable == "-2.50")
    #expect(Money(nanos: 233_912, currency: .usd).readable == "0.0002339")
    #expect(Money(nanos: 500_000_000, currency: .usd).readable == "0.5")
    #expect(Money(nanos: 0, currency: .usd).readable == "0")
}
