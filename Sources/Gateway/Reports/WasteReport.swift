import Pricing
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where an organization's tokens were wasted in a period, each finding with the tokens and
/// money it would save, read from its request records and priced at its own prices then.
///
/// Token counts of a prompt's parts (system prompt, tools, tool output) are estimated from its
/// size: the input tokens in proportion to the part's share of the prompt's bytes.
public struct WasteReport: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The same prompt sent again: a response cache would have answered it.
        case repeatedPrompts = "repeated_prompts"
        /// Input the previous request of the session (or of the same system prompt and tools)
        /// had already sent, billed at the full rate: the provider's prefix cache missed.
        case uncachedPrefix = "uncached_prefix"
        /// System prompts and tool definitions above 2,000 tokens a request.
        case oversizedInstructions = "oversized_instructions"
        /// Tool output above half of a request's prompt.
        case toolOutputDominates = "tool_output_dominates"
        /// Sessions whose context kept growing: what compacting it at twice the opening context saves.
        case unboundedContext = "unbounded_context"
        /// Answers cut off by `max_tokens`: paid for, and usually asked again.
        case hitMaxTokens = "hit_max_tokens"

        var title: String {
            switch self {
            case .repeatedPrompts: "identical prompts repeated"
            case .uncachedPrefix: "cacheable prefix billed at the full rate"
            case .oversizedInstructions: "oversized system prompt and tools"
            case .toolOutputDominates: "tool output dominating the context"
            case .unboundedContext: "context growing without bound"
            case .hitMaxTokens: "answers cut off by max_tokens"
            }
        }
    }

    public struct Finding: Sendable, Hashable {
        public var kind: Kind
        /// Requests (or, for `unbounded_context`, sessions) it was found in.
        public var occurrences: Int
        public var tokens: Int64
        /// What those tokens cost, in the organization's currency's nano-units.
        public var nanos: Int64
        /// Up to five request ids (session ids for `unbounded_context`), the dearest first.
        public var examples: [String]
    }

    public var organization: String
    public var currency: Currency
    public var from: Date
    public var to: Date
    public var requests: Int
    public var findings: [Finding]

    public var totalNanos: Int64 { findings.reduce(0) { $0 + $1.nanos } }

    /// Thresholds, in tokens.
    static let instructionLimit = 2_000
    static let minimumCacheable = 1_024

    public static func build(records: [RequestRecord], organization: Organization, configuration: GatewayConfiguration,
                             from: Date, to: Date) -> WasteReport {
        let pricing = RecordPricing(configuration: configuration, organization: organization)
        let served = records.filter { $0.status == 200 && $0.cache != "hit" }
        var found: [Kind: [(id: String, tokens: Int64, nanos: Int64)]] = [:]
        func add(_ kind: Kind, _ id: String, _ tokens: Int, _ nanos: Int64) {
            guard tokens > 0 else { return }
            found[kind, default: []].append((id, Int64(tokens), nanos))
        }

        // Identical prompts: every repeat after the first.
        var seen: Set<String> = []
        for record in served {
            guard let hash = record.promptHash else { continue }
            if !seen.insert((record.modelUsed ?? "") + ":" + hash).inserted {
                add(.repeatedPrompts, record.id, record.usage.total, record.cost?.nanos ?? 0)
            }
        }

        // Prefixes sent before and billed at the full rate, by session, else by system prompt and tools.
        var previous: [String: RequestRecord] = [:]
        for record in served {
            guard let group = record.sessionID.map({ "session:" + $0 }) ?? record.prefixHash.map({ "prefix:" + $0 }) else { continue }
            defer { previous[group] = record }
            guard let before = previous[group], before.modelUsed == record.modelUsed,
                  record.createdAt.timeIntervalSince(before.createdAt) <= 600 else { continue }
            let shared = record.sessionID != nil ? min(before.usage.totalInput, record.usage.totalInput)
                                                 : record.estimated(record.promptSize.system + record.promptSize.tools)
            guard shared >= minimumCacheable else { continue }
            let missed = shared - record.usage.cachedInput - record.usage.cacheWrite
            add(.uncachedPrefix, record.id, missed, pricing.cachingSaves(missed, record))
        }

        for record in served {
            // Instructions above the limit, valued at the rate the record paid for its input.
            let instructions = record.estimated(record.promptSize.system + record.promptSize.tools)
            if instructions > instructionLimit {
                let excess = instructions - instructionLimit
                add(.oversizedInstructions, record.id, excess, pricing.inputValue(excess, record))
            }
            // Tool output above half the prompt.
            let toolOutput = record.estimated(record.promptSize.toolOutput)
            let half = record.usage.totalInput / 2
            if toolOutput > half {
                add(.toolOutputDominates, record.id, toolOutput - half, pricing.inputValue(toolOutput - half, record))
            }
            if record.finishReason == "length" {
                let output = record.usage.totalOutput
                add(.hitMaxTokens, record.id, output, pricing.value(TokenUsage(output: output), record))
            }
        }

        // Sessions whose context grew at each of their last ten steps to four times their first.
        let sessions = Dictionary(grouping: served.filter { $0.sessionID != nil }, by: { $0.sessionID! })
        for (session, steps) in sessions where steps.count >= 10 {
            let inputs = steps.map(\.usage.totalInput)
            let opening = max(1, inputs[0])
            let growing = zip(inputs.suffix(11), inputs.suffix(10)).allSatisfy { $0 < $1 }
            guard growing, inputs.last! >= 4 * opening else { continue }
            var tokens = 0
            var nanos: Int64 = 0
            for step in steps where step.usage.totalInput > 2 * opening {
                let excess = step.usage.totalInput - 2 * opening
                tokens += excess
                nanos += pricing.inputValue(excess, step)
            }
            add(.unboundedContext, session, tokens, nanos)
        }

        let findings = Kind.allCases.compactMap { kind -> Finding? in
            guard let items = found[kind], !items.isEmpty else { return nil }
            return Finding(kind: kind, occurrences: items.count, tokens: items.reduce(0) { $0 + $1.tokens },
                           nanos: items.reduce(0) { $0 + $1.nanos },
                           examples: items.sorted { ($0.nanos, $0.tokens) > ($1.nanos, $1.tokens) }.prefix(5).map(\.id))
        }
        return WasteReport(organization: organization.name, currency: organization.currency, from: from, to: to,
                           requests: records.count, findings: findings)
    }
}

extension RequestRecord {
    /// A part of the prompt's tokens, estimated by its share of the prompt's bytes.
    func estimated(_ bytes: Int64) -> Int {
        guard promptSize.total > 0, bytes > 0 else { return 0 }
        return Int((Int64(usage.totalInput) * min(bytes, promptSize.total)) / promptSize.total)
    }
}

/// Prices token counts of a record at the organization's sell price for the record's model then.
struct RecordPricing: Sendable {
    let configuration: GatewayConfiguration
    let organization: Organization

    func model(_ record: RequestRecord) -> ModelDefinition? {
        record.modelUsed.flatMap { name in configuration.models.first { $0.name == name } }
    }

    func value(_ usage: TokenUsage, _ record: RequestRecord, model: ModelDefinition? = nil) -> Int64 {
        guard let model = model ?? self.model(record) else { return 0 }
        return (try? configuration.sellCost(of: BillableUsage(tokens: usage), for: model, at: record.createdAt,
                                            organization: organization).nanos) ?? 0
    }

    /// `tokens` of input at the mix of cached and uncached rates the record paid.
    func inputValue(_ tokens: Int, _ record: RequestRecord) -> Int64 {
        let input = max(1, record.usage.totalInput)
        let cached = tokens * record.usage.cachedInput / input
        return value(TokenUsage(input: tokens - cached, cachedInput: cached), record)
    }

    /// What `tokens` billed at the full input rate would have cost less at the cached rate.
    func cachingSaves(_ tokens: Int, _ record: RequestRecord) -> Int64 {
        value(TokenUsage(input: tokens), record) - value(TokenUsage(cachedInput: tokens), record)
    }
}
