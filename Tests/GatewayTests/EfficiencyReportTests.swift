import Foundation
@testable import Gateway
import Providers
import Routing
import Testing
import TollgateCore

/// The waste and savings reports against figures computed by hand on a synthetic request log,
/// and through the admin API and the command's JSON.
@Suite struct EfficiencyReportTests {
    static let provider = Provider(name: "fake", kind: .openai, baseURL: "http://127.0.0.1:1")
    static let start = Date(timeIntervalSince1970: 1_796_000_000)
    static let organization = Organization(id: "org_1", name: "acme", currency: .usd)

    /// `cheap` at 280 / 28 / 420 nanos a token (input / cached / output), `premium` at 2,500 /
    /// 1,250 / 10,000; the route `auto` holds both.
    static var configuration: GatewayConfiguration {
        let cheap = ModelDefinition(name: "cheap", provider: provider, tokenizer: "deepseek_v3")
        let premium = ModelDefinition(name: "premium", provider: provider, tokenizer: "o200k_base")
        var configuration = GatewayConfiguration(providers: [provider], models: [cheap, premium],
                                                 routes: [RouteDefinition(name: "auto", policy: .cost, candidates: ["premium", "cheap"])])
        configuration.setPrice(GatewayHarness.cheapPrice.config, for: cheap)
        configuration.setPrice(GatewayHarness.premiumPrice.config, for: premium)
        return configuration
    }

    static func record(_ id: String, at seconds: Double, requested: String = "cheap", usage: TokenUsage, session: String? = nil,
                       prompt: String? = nil, prefix: String? = nil, size: PromptSize = PromptSize(), finish: String = "stop",
                       status: Int = 200) -> RequestRecord {
        var record = RequestRecord(id: id, organizationID: "org_1", modelRequested: requested, modelUsed: "cheap", provider: "fake",
                                   status: status, usage: usage,
                                   cost: status == 200 ? GatewayHarness.cheapPrice.cost(of: usage) : nil,
                                   createdAt: start.addingTimeInterval(seconds))
        record.sessionID = session
        record.promptHash = prompt
        record.prefixHash = prefix
        record.promptSize = size
        record.finishReason = finish
        return record
    }

    /// Six requests: a session's two steps through `auto`, a repeat of the first prompt cut off by
    /// `max_tokens`, a cache hit, a failure, and one whose prompt is mostly tool output.
    static let log: [RequestRecord] = {
        var hit = record("r4", at: 180, usage: .zero, prompt: "h1")
        hit.cache = "hit"
        hit.cost = .zero(.usd)
        hit.savedTokens = 2_100
        hit.savedCost = Money(nanos: 602_000, currency: .usd)
        return [
            record("r1", at: 0, requested: "auto", usage: TokenUsage(input: 2_000, output: 100), session: "s1", prompt: "h1", prefix: "p1",
                   size: PromptSize(total: 8_000, system: 4_000, tools: 4_000)),
            record("r2", at: 60, requested: "auto", usage: TokenUsage(input: 700, cachedInput: 1_900, output: 100), session: "s1",
                   prompt: "h2", prefix: "p1", size: PromptSize(total: 10_000, system: 4_000, tools: 4_000, toolOutput: 2_000)),
            record("r3", at: 120, usage: TokenUsage(input: 2_000, output: 100), prompt: "h1", size: PromptSize(total: 8_000), finish: "length"),
            hit,
            record("r5", at: 200, usage: .zero, prompt: "h5", status: 502),
            record("r6", at: 240, usage: TokenUsage(input: 4_000, output: 10), prompt: "h6", size: PromptSize(total: 10_000, toolOutput: 8_000)),
        ]
    }()

    @Test func theWasteReportFindsEachKindOfWasteWithTheTokensAndMoneyItWouldSave() {
        let report = WasteReport.build(records: Self.log, organization: Self.organization, configuration: Self.configuration,
                                       from: Self.start, to: Self.start.addingTimeInterval(3_600))
        let byKind = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.kind, $0) })
        // r3 repeats r1's prompt on the same model: all of it (2,000 + 100 tokens, 602,000 nanos).
        #expect(byKind[.repeatedPrompts].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [1, 2_100, 602_000])
        #expect(byKind[.repeatedPrompts]?.examples == ["r3"])
        // r2 shares r1's 2,000 input tokens; 1,900 were read from the cache: 100 at 280 − 28.
        #expect(byKind[.uncachedPrefix].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [1, 100, 25_200])
        // r2's instructions are 8,000 of 10,000 bytes of 2,600 tokens: 2,080, 80 over the limit,
        // valued at r2's own mix (58 cached at 28, 22 at 280).
        #expect(byKind[.oversizedInstructions].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [1, 80, 7_784])
        // r6's tool output is 3,200 of 4,000 tokens: 1,200 over half.
        #expect(byKind[.toolOutputDominates].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [1, 1_200, 336_000])
        // r3 was cut off: its 100 output tokens at 420.
        #expect(byKind[.hitMaxTokens].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [1, 100, 42_000])
        #expect(byKind[.unboundedContext] == nil)
        #expect(report.totalNanos == 602_000 + 25_200 + 7_784 + 336_000 + 42_000)
        #expect(report.requests == 6)
        #expect(report.json["total_cost"] == "0.001012984")
        #expect(report.table.contains("identical prompts repeated"))
    }

    @Test func aSessionWhoseContextKeepsGrowingIsFoundWithWhatCompactionWouldSave() {
        // Twelve steps of 1,000, 1,500, … 6,500 input tokens a minute apart, nothing cached.
        let steps = (0..<12).map { index in
            Self.record("s\(index)", at: Double(index * 60), usage: TokenUsage(input: 1_000 + 500 * index), session: "agent",
                        prompt: "g\(index)")
        }
        let report = WasteReport.build(records: steps, organization: Self.organization, configuration: Self.configuration,
                                       from: Self.start, to: Self.start.addingTimeInterval(3_600))
        let byKind = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.kind, $0) })
        // Above twice the opening 1,000: steps 3…11 carry 500, 1,000, … 4,500 too many.
        #expect(byKind[.unboundedContext].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [1, 22_500, 6_300_000])
        #expect(byKind[.unboundedContext]?.examples == ["agent"])
        // Steps 2…11 resent the previous step's whole prompt (1,500 … 6,000) uncached.
        #expect(byKind[.uncachedPrefix].map { [$0.occurrences, Int($0.tokens), Int($0.nanos)] } == [10, 37_500, 9_450_000])
    }

    @Test func theSavingsReportAddsUpTheCacheThePromptCachesAndRouting() {
        let report = SavingsReport.build(records: Self.log, organization: Self.organization, configuration: Self.configuration,
                                         from: Self.start, to: Self.start.addingTimeInterval(3_600))
        let bySource = Dictionary(uniqueKeysWithValues: report.lines.map { ($0.source, $0) })
        #expect(bySource[.responseCache].map { [$0.requests, Int($0.tokens), Int($0.nanos)] } == [1, 2_100, 602_000])
        // r2's 1,900 cached tokens at 28 instead of 280.
        #expect(bySource[.providerPromptCache].map { [$0.requests, Int($0.tokens), Int($0.nanos)] } == [1, 1_900, 478_800])
        // r1 and r2 went through `auto` to cheap; on premium they would have cost 6,000,000 and 5,125,000.
        #expect(bySource[.routing].map { [$0.requests, Int($0.tokens), Int($0.nanos)] }
            == [2, 4_800, (6_000_000 - 602_000) + (5_125_000 - 291_200)])
        #expect(report.spentNanos == 602_000 + 291_200 + 602_000 + 1_124_200)
        #expect(report.savedNanos == 602_000 + 478_800 + 10_231_800)
        #expect(report.json["saved"] == "0.011312600")
    }

    @Test func theAdminAPIServesBothReportsForAnOrganizationAndPeriod() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = "admin-secret" }) { harness async throws in
            var body = GatewayHarness.chat("cheap", "Cut me short", maxTokens: 3)
            body["temperature"] = 0
            for _ in 0..<2 { #expect(try await harness.post(json: body, headers: [("cache-control", "max-age=60")]).status == 200) }
            _ = try await harness.records()
            let day = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])
            let tomorrow = ISO8601DateFormatter.string(from: Date().addingTimeInterval(86_400), timeZone: .gmt, formatOptions: [.withFullDate])
            let waste = try await harness.get("/admin/reports/waste?org=acme&from=\(day)&to=\(tomorrow)", token: "admin-secret")
            #expect(waste.status == 200)
            let cut = waste.json?["findings"]?.arrayValue?.first { $0["kind"] == "hit_max_tokens" }
            #expect(cut?["occurrences"] == 1)
            #expect(cut?["tokens"] == 3)
            let savings = try await harness.get("/admin/reports/savings?org=acme&from=\(day)&to=\(tomorrow)", token: "admin-secret")
            let cache = savings.json?["lines"]?.arrayValue?.first { $0["source"] == "response_cache" }
            #expect(cache?["requests"] == 1)
            let records = try await harness.records()
            let saved = try #require(records.first { $0.cache == "hit" }?.savedCost)
            #expect(cache?["saved"]?.stringValue == saved.decimalString)
            #expect(try await harness.get("/admin/reports/waste?org=nobody&from=\(day)&to=\(tomorrow)", token: "admin-secret").status == 404)
            #expect(try await harness.get("/admin/reports/waste?org=acme&from=\(tomorrow)&to=\(day)", token: "admin-secret").status == 400)
            #expect(try await harness.get("/admin/reports/savings?org=acme&from=\(day)&to=\(tomorrow)").status == 401)
        }
    }
}
