import Logging
import Pricing
import Routing
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
    /// The tokens the rate limits counted at admission.
    let admittedTokens: Int64
    /// The input by the model's tokenizer, when it has one: what a request abandoned before its
    /// answer began is billed (the provider has read the prompt).
    var countedInput: Int? = nil
    let records: RequestRecordWriter
    let logger: Logger

    /// What `usage` costs the customer, at its sell price.
    func sell(_ usage: BillableUsage) -> Money? {
        do {
            return try configuration.sellCost(of: usage, for: model, at: startDate, organization: organization)
        } catch {
            logger.error("cannot price a request", metadata: ["model": "\(model.name)", "error": "\(error)"])
            return nil
        }
    }

    /// What the customer is charged in money for `usage`: nothing when a token package pays.
    func charged(_ usage: BillableUsage) -> Money? {
        if reservation?.paysInTokens == true { return .zero(organization.currency) }
        return sell(usage)
    }

    /// What `usage` costs at the provider's price.
    func cost(_ usage: BillableUsage) -> Money? {
        try? configuration.cost(of: usage, for: model, at: startDate)
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
        } else if let usage, let sell = sell(usage), let cost = cost(usage) {
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
