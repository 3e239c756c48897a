import Foundation
import Gateway
import Pricing
import Providers
import Routing
@testable import Simulator
import Testing
import Tokenizers
import TollgateCore

@Suite struct ReplayTests {
    static let encodings = EncodingStore()
    static let provider = Provider(name: "deepseek", kind: .openai, baseURL: "http://127.0.0.1:9/v1")
    static let cheap = ModelDefinition(name: "deepseek-chat", provider: provider, tokenizer: "deepseek_v3")
    static let premium = ModelDefinition(name: "claude-sonnet-4-5", provider: provider, tokenizer: "claude_legacy")

    static func configuration() throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration(providers: [provider], models: [cheap, premium], prices: try PriceBook.builtIn())
        var route = RouteDefinition(name: "auto", policy: .auto, candidates: ["deepseek-chat", "claude-sonnet-4-5"])
        route.premiumShare = 0.2
        configuration.routes = [route, RouteDefinition(name: "cheapest", policy: .cost, candidates: ["claude-sonnet-4-5", "deepseek-chat"])]
        return configuration
    }

    /// A month of synthetic records on deepseek-chat, each charged what the price book says at its
    /// moment (with the organization's 20% markup), and a refused request with no usage.
    static func records(_ configuration: GatewayConfiguration, _ organization: Organization) throws -> [RequestRecord] {
        var random = SplitMix64(seed: 3)
        var records: [RequestRecord] = []
        let start = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01
        for index in 0..<200 {
            let usage = TokenUsage(input: Int(random.next() % 20_000), cachedInput: Int(random.next() % 5_000), output: Int(random.next() % 2_000),
                                   reasoning: index % 3 == 0 ? Int(random.next() % 500) : 0)
            let at = start.addingTimeInterval(Double(index) * 13_000)
            let cost = try configuration.sellCost(of: BillableUsage(tokens: usage), for: cheap, at: at, organization: organization)
            records.append(RequestRecord(id: "req_\(index)", organizationID: organization.id, modelUsed: "deepseek-chat", status: 200,
                                         usage: usage, cost: cost, createdAt: at))
        }
        records.append(RequestRecord(id: "req_refused", organizationID: organization.id, status: 402, createdAt: start))
        return records
    }

    @Test func replayingALogUnderThePriceBookItWasRecordedWithGivesTheRecordedCostExactly() async throws {
        let configuration = try Self.configuration()
        let organization = Organization(id: "org_1", name: "acme", currency: .usd, markupBasisPoints: 2_000)
        let records = try Self.records(configuration, organization)
        let replay = try await Replay.run(records: records, target: .model("deepseek-chat"), configuration: configuration,
                                          organization: organization, encodings: Self.encodings)
        #expect(replay.rows.count == 1)
        #expect(replay.rows[0].requests == 200)
        #expect(replay.skipped == 1)
        #expect(replay.recorded.nanos == records.compactMap(\.cost).reduce(0) { $0 + $1.nanos })
        #expect(replay.replayed == replay.recorded)
        #expect(replay.ratios.isEmpty)
    }

    @Test func anotherModelIsPricedOnCountsScaledByHowItsTokenizerCountsTheReferenceText() async throws {
        let configuration = try Self.configuration()
        let organization = Organization(id: "org_1", name: "acme", currency: .usd)
        let records = try Self.records(configuration, organization)
        let replay = try await Replay.run(records: records, target: .model("claude-sonnet-4-5"), configuration: configuration,
                                          organization: organization, encodings: Self.encodings)
        let deepseek = try await Self.encodings.encoding(.deepseekV3), claude = try await Self.encodings.encoding(.claudeLegacy)
        let ratio = Double(claude.count(Replay.reference)) / Double(deepseek.count(Replay.reference))
        #expect(ratio != 1)
        #expect(replay.ratios == ["deepseek-chat→claude-sonnet-4-5": ratio])
        var expected: Int64 = 0
        for record in records where record.cost != nil {
            expected += try configuration.sellCost(of: BillableUsage(tokens: Replay.scaled(record.usage, by: ratio)), for: Self.premium,
                                                   at: record.createdAt, organization: organization).nanos
        }
        #expect(replay.replayed.nanos == expected)
        #expect(replay.replayed.nanos > replay.recorded.nanos * 5, "claude-sonnet-4-5 lists at about 10× deepseek-chat")
    }

    @Test func anAutoRouteIsItsTwoModelsAtItsPremiumShareAndAnotherRouteItsFirstChoice() async throws {
        let configuration = try Self.configuration()
        let organization = Organization(id: "org_1", name: "acme", currency: .usd)
        let records = try Self.records(configuration, organization)
        let onCheap = try await Replay.run(records: records, target: .model("deepseek-chat"), configuration: configuration,
                                           organization: organization, encodings: Self.encodings)
        let onPremium = try await Replay.run(records: records, target: .model("claude-sonnet-4-5"), configuration: configuration,
                                             organization: organization, encodings: Self.encodings)
        let auto = try await Replay.run(records: records, target: .route("auto"), configuration: configuration,
                                        organization: organization, encodings: Self.encodings)
        let mixed = 0.8 * Double(onCheap.replayed.nanos) + 0.2 * Double(onPremium.replayed.nanos)
        #expect(abs(Double(auto.replayed.nanos) - mixed) <= 200, "within a rounding of each of the 200 records")
        let cheapest = try await Replay.run(records: records, target: .route("cheapest"), configuration: configuration,
                                            organization: organization, encodings: Self.encodings)
        #expect(cheapest.replayed == onCheap.replayed)
        await #expect(throws: ForecastError.self) {
            try await Replay.run(records: records, target: .route("nowhere"), configuration: configuration, organization: organization,
                                 encodings: Self.encodings)
        }
    }
}
