import AsyncHTTPClient
import Foundation
@testable import Gateway
import Pricing
import NIOCore
import Providers
import Routing
import Testing
import Tokenizers
import TollgateCore
import TollgateTesting

/// A long prompt is let in on its size — a bound of its tokens — and counted beside the upstream
/// call; wherever the bound would decide differently from the count, the count decides.
@Suite struct PromptBoundTests {
    /// About 40 KB of text: some 8,800 o200k tokens, a bound of some 44,000.
    static let longText = String(repeating: "The ledger settles every token an agent spends. ", count: 850)

    static func expectedInput(_ harness: GatewayHarness, _ text: String) async throws -> Int {
        let o200k = try await harness.gateway.encodings.encoding(.o200kBase)
        // OpenAI's rule: 3 to prime the reply, 3 per message, the role and the content.
        return 3 + 3 + o200k.count("user") + o200k.count(text)
    }

    /// An upstream read timeout well past the 1.5 s the provider holds its answer back (the
    /// harness's 2 s leaves a loaded machine too little room).
    static func patientUpstream(_ configuration: inout GatewayConfiguration) {
        configuration.upstream.readTimeout = .seconds(10)
    }

    /// The key's tokens this minute while the provider holds back its answer to `body` (read once
    /// the provider has the request: admitted, reserved, sent), and the answer's status.
    static func heldWhileCalling(_ harness: GatewayHarness, _ body: JSONValue, key: String) async throws -> (held: Int64?, status: Int) {
        harness.fake.enqueue(.delayFirstByte(.milliseconds(1_500)))
        let sent = harness.fake.observations.requests.count
        async let reply = harness.post(json: body, key: key)
        for _ in 0..<1_000 where harness.fake.observations.requests.count == sent { try await Task.sleep(for: .milliseconds(5)) }
        let held = harness.gateway.limiter.usage().first { $0.subject.hasPrefix("key:") }?.tokens
        return (held, try await reply.status)
    }

    /// A key whose tokens a minute are counted (a generous limit).
    static func limitedKey(_ harness: GatewayHarness) async throws -> String {
        try await harness.gateway.accounts.createKey(for: harness.organization, name: "counted", tokensPerMinute: 10_000_000).secret
    }

    @Test func aLongPromptIsAdmittedOnItsSizeAndBilledByItsExactCountWhenTheProviderReportsNoUsage() async throws {
        try await GatewayHarness.with(adjust: Self.patientUpstream) { harness in
            let key = try await Self.limitedKey(harness)
            let streamed = GatewayHarness.chat("premium", Self.longText, stream: true, includeUsage: true)
            let bytes = streamed.encodedBytes().count
            // While the call runs the key's rate limit holds the bound: the body's size and a tenth.
            let call = try await Self.heldWhileCalling(harness, streamed, key: key)
            #expect(call.held == Int64(bytes + bytes / 10 + 16))
            #expect(call.status == 200)
            let expected = try await Self.expectedInput(harness, Self.longText)
            #expect(expected < bytes / 3)
            // Settled on the provider's usage, which also puts the rate limit right.
            let first = try #require(try await harness.records().first)
            #expect(first.usageSource == .provider)
            #expect(harness.gateway.limiter.usage().first { $0.subject.hasPrefix("key:") }?.tokens == Int64(first.usage.total))

            // Without the provider's usage: billed by the count made beside the call.
            harness.fake.enqueue(.omitUsage)
            let body = GatewayHarness.chat("premium", Self.longText, maxTokens: 20)
            let reply = try await harness.post(json: body, key: key)
            #expect(reply.status == 200)
            let record = try #require(try await harness.records().first { $0.id != first.id })
            #expect(record.usageSource == .counted)
            #expect(record.usage.input == expected)
            #expect(reply.headers.first(name: "x-tollgate-cost") == GatewayHarness.premiumPrice.cost(of: record.usage).description)
        }
    }

    @Test func aLongStreamCutBeforeItsUsageIsBilledForItsExactlyCountedInput() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.cutStream(afterChunks: 2))
            let reply = try await harness.post(json: GatewayHarness.chat("premium", Self.longText, stream: true, includeUsage: true))
            #expect(reply.status == 200)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .counted)
            #expect(record.usage.input == (try await Self.expectedInput(harness, Self.longText)))
            #expect(try await MeteringTests.openReservations(harness) == 0)
        }
    }

    @Test func aPromptWhoseSizeExceedsACandidatesWindowIsCountedFirstAndServedWhenItsCountFits() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            Self.patientUpstream(&configuration)
            for index in configuration.models.indices where configuration.models[index].name == "premium" {
                configuration.models[index].contextWindow = 20_000
            }
        }) { harness in
            // Counted before the call: the rate limit holds the count, not the bound.
            let body = GatewayHarness.chat("premium", Self.longText, stream: true, includeUsage: true)
            let call = try await Self.heldWhileCalling(harness, body, key: try await Self.limitedKey(harness))
            #expect(call.held == Int64(try await Self.expectedInput(harness, Self.longText)))
            #expect(call.status == 200)
            // Too long by its count: refused before anything is sent.
            let sent = harness.fake.observations.requests.count
            let refused = try await harness.post(json: GatewayHarness.chat("premium", Self.longText + Self.longText + Self.longText))
            #expect(refused.status == 400)
            #expect(refused.json?["error"]?["code"] == "context_length_exceeded")
            #expect(harness.fake.observations.requests.count == sent)
        }
    }

    @Test func aKeysTokenLimitThatTheBoundWouldPassIsDecidedOnTheCount() async throws {
        try await GatewayHarness.with { harness in
            let (_, secret) = try await harness.gateway.accounts.createKey(for: harness.organization, name: "limited", tokensPerMinute: 20_000)
            let body = GatewayHarness.chat("premium", Self.longText, maxTokens: 20)
            #expect(try await harness.post(json: body, key: secret).status == 200)
            // The minute now holds ~8,800 tokens: a second fits by its count, a third does not.
            #expect(try await harness.post(json: body, key: secret).status == 200)
            let third = try await harness.post(json: body, key: secret)
            #expect(third.status == 429)
            #expect(third.json?["error"]?["code"] == "rate_limit_exceeded")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func nearTheEndOfItsFundsALongPromptTheBoundWouldRefuseIsReservedOnItsCount(_ backend: TestBackend) async throws {
        // 0.03 USD: the bound's worst case (~45,000 tokens at 2.5 USD/M, 0.11 USD) does not fit;
        // the count's (~8,400 tokens, 0.021 USD) does, once — then the funds are too low for another.
        try await GatewayHarness.with(backend: backend, credit: 30_000_000) { harness in
            let body = GatewayHarness.chat("premium", Self.longText, maxTokens: 20)
            let reply = try await harness.post(json: body)
            #expect(reply.status == 200)
            let second = try await harness.post(json: body)
            #expect(second.status == 402)
            #expect(try await MeteringTests.openReservations(harness) == 0)
            let records = try await harness.records()
            #expect(records.filter { $0.status == 200 }.count == 1)
            let spent = records.compactMap(\.cost).reduce(Int64(0)) { $0 + $1.nanos }
            #expect(spent > 0 && spent <= 30_000_000)
        }
    }

    @Test func aPromptIsBoundedOnlyWhenLongAndWithinEveryWindowWithItsOutputAndToolsCountedExactly() {
        #expect(PromptCount.bound(bytes: 16_383, toolTokens: 0) == nil)
        #expect(PromptCount.bound(bytes: 20_000, toolTokens: 0) == 22_016)
        #expect(PromptCount.bound(bytes: 20_000, toolTokens: 500) == 22_516)
        #expect(PromptCount.fits(22_016, maxOutputTokens: 1_000, window: 23_016))
        #expect(!PromptCount.fits(22_016, maxOutputTokens: 1_001, window: 23_016))
        #expect(PromptCount.fits(22_016, maxOutputTokens: nil, window: nil))
        // Normalizing encodings can make a character longer than its bytes (NFKC: "ﷺ", 3 bytes → 33).
        #expect(EncodingName.allCases.filter(PromptCount.boundsByBytes) == [.o200kBase, .cl100kBase, .deepseekV3])
    }

    @Test func aTokenPackageThatCoversTheCountButNotTheBoundStillPays() async throws {
        try await GatewayHarness.with { harness in
            // 15,000 tokens: the count's worst case (~8,400 and the output) fits, the bound's (~45,000) does not.
            _ = try await harness.gateway.accounts.grantPackage(to: harness.organization, model: "premium", tokens: 15_000)
            let reply = try await harness.post(json: GatewayHarness.chat("premium", Self.longText, maxTokens: 20))
            #expect(reply.status == 200)
            let record = try #require(try await harness.records().first)
            #expect(record.cost?.nanos == 0, "the organization's money paid instead of its token package")
            #expect(record.packageTokens == Int64(record.usage.total))
        }
    }

    @Test func aLongPromptForAnEncodingThatNormalizesIsCountedFirst() async throws {
        try await GatewayHarness.with(adjust: { configuration in
            Self.patientUpstream(&configuration)
            for index in configuration.models.indices where configuration.models[index].name == "premium" {
                configuration.models[index].tokenizer = "claude_legacy"
            }
        }) { harness in
            let body = GatewayHarness.chat("premium", Self.longText, stream: true, includeUsage: true)
            let call = try await Self.heldWhileCalling(harness, body, key: try await Self.limitedKey(harness))
            let legacy = try await harness.gateway.encodings.encoding(.claudeLegacy)
            #expect(call.held != nil && call.held! < Int64(body.encodedBytes().count / 2))
            #expect(call.held! >= Int64(legacy.count(Self.longText)))
        }
    }
}
