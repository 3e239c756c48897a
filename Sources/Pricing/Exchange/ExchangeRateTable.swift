import Foundation
import TollgateCore

/// Dated exchange rates for reports that convert between currencies on purpose.
///
/// Nothing in the price book converts: a cost is in its price's currency. A report that
/// wants one currency asks this table, which uses the latest rate dated on or before the
/// day of the amount, and rounds the converted amount once, half to even.
public struct ExchangeRateTable: Sendable, Codable {
    /// One rate: `1 from = rate to`, in force from `effectiveFrom`.
    public struct Rate: Hashable, Sendable, Codable {
        public var from: Currency
        public var to: Currency
        public var effectiveFrom: Date
        /// Units of `to` per unit of `from`, exact (`"7.1234"`).
        public var rate: Ratio

        public init(from: Currency, to: Currency, effectiveFrom: Date, rate: Ratio) {
            self.from = from
            self.to = to
            self.effectiveFrom = effectiveFrom
            self.rate = rate
        }

        enum CodingKeys: String, CodingKey { case from, to, effectiveFrom = "effective_from", rate }
    }

    public private(set) var rates: [Rate]

    public init(rates: [Rate] = []) {
        self.rates = rates.sorted { $0.effectiveFrom < $1.effectiveFrom }
    }

    public mutating func add(_ rate: Rate) {
        rates.append(rate)
        rates.sort { $0.effectiveFrom < $1.effectiveFrom }
    }

    /// The rate from one currency to another in force at `date`. A rate recorded only the other
    /// way round is used inverted.
    public func rate(from: Currency, to: Currency, at date: Date) throws(PricingError) -> Ratio {
        if from == to { return .one }
        if let direct = rates.last(where: { $0.from == from && $0.to == to && $0.effectiveFrom <= date }) {
            return direct.rate
        }
        if let inverse = rates.last(where: { $0.from == to && $0.to == from && $0.effectiveFrom <= date }),
           inverse.rate.numerator > 0 {
            return Ratio(inverse.rate.denominator, inverse.rate.numerator)
        }
        throw PricingError(.noExchangeRate(from: from.code, to: to.code, date: date))
    }

    /// `money` in `currency` at the rate in force at `date`, rounded once, half to even.
    public func convert(_ money: Money, to currency: Currency, at date: Date) throws(PricingError) -> Money {
        let rate = try rate(from: money.currency, to: currency, at: date)
        let exact = Int128(money.nanos) * Int128(rate.numerator)
        guard let nanos = Int64(exactly: dividedRoundingHalfEven(exact, by: Int128(rate.denominator))) else {
            throw PricingError(.overflow("conversion to \(currency.code)"))
        }
        return Money(nanos: nanos, currency: currency)
    }
}
