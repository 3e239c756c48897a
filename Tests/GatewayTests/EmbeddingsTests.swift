import Foundation
@testable import Gateway
import Pricing
import Providers
import Routing
import Testing
import TollgateCore
import TollgateTesting

/// `POST /v1/embeddings`: relayed as sent to an OpenAI-style provider and billed on input tokens.
@Suite struct EmbeddingsTests {
    static let price = TestPrice(input: 20, cachedInput: 20, output: 0)

    static func withEmbeddings(_ body: @Sendable (GatewayHarness) async throws -> Void) async throws {
        try await GatewayHarness.with(adjust: { configuration in
            let embed = ModelDefinition(name: "embed", provider: configuration.providers[0], upstream: "text-embedding-3-small",
                                        tokenizer: "cl100k_base", capabilities: [.embeddings])
            configuration.models.append(embed)
            configuration.setPrice(Self.price.config, for: embed)
        }, body)
    }

    @Test func embeddingsAreRelayedAsSentAndBilledOnTheReportedInputTokens() async throws {
        try await Self.withEmbeddings { harness in
            let body: JSONValue = ["model": "embed", "input": ["The token is the unit of account.", "Settle it."], "dimensions": 8]
            let reply = try await harness.post("/v1/embeddings", json: body)
            #expect(reply.status == 200, "\(reply.body)")
            let json = try #require(reply.json)
            #expect(json["data"]?.arrayValue?.count == 2 && json["data"]?[0]?["embedding"]?.arrayValue?.count == 8)
            let sent = try #require(harness.fake.observations.requests.last)
            #expect(sent["model"] == "text-embedding-3-small" && sent["input"] == body["input"] && sent["dimensions"] == 8)
            let tokens = try #require(json["usage"]?["prompt_tokens"]?.intValue)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .provider && record.usage == TokenUsage(input: tokens))
            #expect(record.cost == Self.price.cost(of: record.usage))
            #expect(reply.headers["x-tollgate-cost"].first == record.cost?.description)
            #expect(json["usage"]?["cost"]?.doubleValue == record.cost?.approximateUnits)
        }
    }

    @Test func withoutTheProvidersUsageTheInputIsBilledByTollgatesCount() async throws {
        try await Self.withEmbeddings { harness in
            harness.fake.enqueue(.omitUsage)
            let texts = ["Count me exactly.", "And me."]
            let reply = try await harness.post("/v1/embeddings", json: ["model": "embed", "input": .array(texts.map { .string($0) })])
            #expect(reply.status == 200)
            let cl100k = try await harness.gateway.encodings.encoding(.cl100kBase)
            let record = try #require(try await harness.records().first)
            #expect(record.usageSource == .counted)
            #expect(record.usage == TokenUsage(input: texts.reduce(0) { $0 + cl100k.count($1) }))
            #expect(record.cost == Self.price.cost(of: record.usage))
        }
    }

    @Test func aChatModelAskedForEmbeddingsAndBadInputAreRefusedWithNothingSent() async throws {
        try await Self.withEmbeddings { harness in
            let chat = try await harness.post("/v1/embeddings", json: ["model": "cheap", "input": "hi"])
            #expect(chat.status == 400 && chat.json?["error"]?["code"] == "model_lacks_capability", "\(chat.body)")
            for bad: JSONValue in [["model": "embed", "input": []], ["model": "embed", "input": ""], ["model": "embed", "input": [1, "a"]],
                                   ["model": "embed", "input": "x", "encoding_format": "hex"], ["model": "embed", "input": "x", "stream": true]] {
                let reply = try await harness.post("/v1/embeddings", json: bad)
                #expect(reply.status == 400, "\(bad.jsonText)")
            }
            // A chat request cannot reach an embeddings model either.
            let backwards = try await harness.post(json: GatewayHarness.chat("embed"))
            #expect(backwards.status == 400 && backwards.json?["error"]?["code"] == "model_lacks_capability", "\(backwards.body)")
            #expect(harness.fake.observations.requests.isEmpty)
        }
    }
}
