import Logging
import Pricing
import Routing
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One admitted request's metering, from its reservation to its settlement: what its usage costs
/// the customer and the provider, and the hand-over of its record with the charge to settle.
///
/// Every way a request ends goes through `finish` exactly once (the answer, a failure, a cut or
/// abandoned stream, a response dropped before it began), so a reservation is always settled or
/// released.
struct MeteredRequest: Sendable {
    let configuration: GatewayConfiguration
    let organization: Organization
    let model: ModelDefinition
    /// When the request started: its prices are the ones in force then.
    let startDate: Date
    /// `nil` when metering is off.
    let reservation: Reservation?
    let limiter: RateLimiter
    let limits: [RateLimiter.Limit]
    /// The tokens the rate limits counted at admission (moved to a long prompt's count once it is made).
    var admittedTokens: Int64
    /// The input by the model's tokenizer, when it has one: what a request abandoned before its
    /// answer began is billed (the provider has read the prompt).
    var countedInput: Int? = nil
    let records: RequestRecordWriter
    let logger: Logger

    /// The last usage priced and its prices, shared by the copies of this request: the answer's
    /// cost and its settlement are priced once.
    private let priced = PriceMemo()

    /// What `usage` costs the customer at its sell price and at the provider's price; `nil` when
    /// the model cannot be priced (logged).
    func prices(_ usage: BillableUsage) -> (sell: Money, cost: Money)? {
        if let (last, prices) = priced.last.withLock({ $0 }), last == usage { return prices }
        do {
            let prices = try configuration.prices(of: usage, for: model, at: startDate, organization: organization)
            priced.last.withLock { $0 = (usage, prices) }
            return prices
        } catch {
            logger.error("cannot price a request", metadata: ["model": "\(model.name)", "error": "\(error)"])
            return nil
        }
    }

    /// What `usage` costs the customer, at its sell price.
    func sell(_ usage: BillableUsage) -> Money? { prices(usage)?.sell }

    /// What the customer is charged in money for `usage`: nothing when a token package pays.
    func charged(_ usage: BillableUsage) -> Money? {
        if reservation?.paysInTokens == true { return .zero(organization.currency) }
        return sell(usage)
    }

    /// Completes `record` with what it is charged for `usage` (nothing when `nil`: the reservation
    /// is released) — or, for an answer no provider was paid for (a cache hit), the `fixed`
    /// charge — and hands it to the writer with its settlement.
    /// - Returns: the record as priced and submitted.
    @discardableResult
    func finish(_ record: RequestRecord, usage: BillableUsage?, fixed: Money? = nil) -> RequestRecord {
        var record = record
        var charge: Reservation.Charge?
        if let fixed {
            charge = Reservation.Charge(sell: fixed, cost: .zero(fixed.currency), tokens: 0)
            record.cost = reservation?.paysInTokens == true ? .zero(fixed.currency) : fixed
            record.providerCost = .zero(fixed.currency)
        } else if let usage, let (sell, cost) = prices(usage) {
            let package = reservation?.paysInTokens == true
            charge = Reservation.Charge(sell: sell, cost: cost, tokens: Int64(usage.tokens.total))
            record.cost = package ? .zero(sell.currency) : sell
            record.providerCost = cost
            record.packageTokens = package ? Int64(usage.tokens.total) : 0
        } else if usage != nil {
            logger.error("a request with usage could not be priced; its reservation is released", metadata: ["request": "\(record.id)"])
        }
        limiter.adjust(limits, tokens: Int64(usage?.tokens.total ?? 0) - admittedTokens)
        guard let reservation else {
            records.submit(record)
            return record
        }
        record.reserved = reservation.reserved
        records.submit(record, settling: reservation, charge: charge)
        return record
    }
}

/// One request's last priced usage (see `MeteredRequest.prices`).
final class PriceMemo: Sendable {
    let last = Mutex<(usage: BillableUsage, prices: (sell: Money, cost: Money))?>(nil)
}
