import Pricing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The billable usage of one answer, read from the provider's usage reports by the price
/// book's normalizers — one per provider family, so no family's overlaps are undone twice.
public struct UsageReading: Sendable {
    private var anthropic: AnthropicUsage?
    /// The usage so far; `nil` until the provider reports any.
    public private(set) var billable: BillableUsage?

    public init() {}

    /// Takes one report: a whole usage object, or (Anthropic streams) `message_start`'s then
    /// each `message_delta`'s running totals, which replace rather than add.
    public mutating func add(_ report: UsageReport) throws(PricingError) {
        let data = { Data(report.object.encodedBytes()) }
        switch report.shape {
        case .anthropic:
            let usage = if let anthropic { try anthropic.updated(byDelta: data()) } else { try AnthropicUsage(json: data()) }
            anthropic = usage
            billable = try usage.billable()
        case .openai:
            if report.object["prompt_cache_hit_tokens"] != nil {
                billable = try DeepSeekUsage(json: data()).billable()
            } else if report.object["prompt_tokens_details"]?["cache_creation_input_tokens"] != nil {
                billable = try DashScopeUsage(json: data()).billable()
            } else {
                // Read from the parsed value when it is plain; the JSON reader decides the rest.
                let usage = if let plain = OpenAIUsage(usageObject: report.object) { plain } else { try OpenAIUsage(json: data()) }
                billable = try usage.billable()
            }
        }
    }

    /// The billable usage of a single report, or `nil` for none.
    public static func billable(_ report: UsageReport?) throws(PricingError) -> BillableUsage? {
        guard let report else { return nil }
        var reading = UsageReading()
        try reading.add(report)
        return reading.billable
    }
}
