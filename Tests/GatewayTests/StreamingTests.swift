import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import Pricing
import Providers
import Testing
import TollgateCore
import TollgateTesting
import Tokenizers

@Suite struct StreamingTests {
    @Test func usageIsAskedForUpstreamAndStrippedWhenTheClientDidNotAsk() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 5))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type") == "text/event-stream")
            let upstreamOptions = harness.fake.observations.requests.last?["stream_options"]
            #expect(upstreamOptions?["include_usage"] == true)
            let events = GatewayHarness.events(reply.body)
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            #expect(chunks.count == events.count - 1)
            #expect(chunks.allSatisfy { $0["usage"] == nil })
            #expect(chunks.allSatisfy { !($0["choices"]?.arrayValue?.isEmpty ?? true) })
            let text = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(text.split(separator: " ").count == 5)
            // Billing still used the usage Tollgate asked for.
            let record = try #require(try await harness.records().first)
            #expect(record.streamed)
            #expect(record.usageSource == .provider)
            #expect(record.usage.output == 5)
            #expect(record.cost == GatewayHarness.premiumPrice.cost(of: record.usage))
            #expect(record.timeToFirstTokenMilliseconds != nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aClientThatAskedForUsageGetsItWithTheCost(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, style: .deepseek) { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("cheap", stream: true, maxTokens: 4, includeUsage: true))
            let chunks = GatewayHarness.events(reply.body).dropLast().compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            let usageChunk = try #require(chunks.last)
            #expect(usageChunk["choices"]?.arrayValue?.isEmpty == true)
            let usage = try #require(usageChunk["usage"])
            let tokens = try #require(openAITokens(usage))
            let cost = GatewayHarness.cheapPrice.cost(of: tokens)
            #expect(usage["cost_currency"] == "USD")
            #expect(usage["cost"] == .double(cost.approximateUnits))
            #expect(usage["prompt_cache_miss_tokens"] != nil)
            let record = try #require(try await harness.records().first)
            #expect(record.cost == cost)
        }
    }

    /// A provider whose stream arrives one byte at a time — every event, every UTF-8 sequence split at
    /// every byte boundary — is relayed as the same answer and billed as the same stream sent whole.
    @Test func aStreamSplitAtEveryByteBoundaryIsRelayedAndBilledAsTheSameStreamWhole() async throws {
        try await GatewayHarness.with { harness async throws in
            /// The text, the usage and the cost a client reads from a stream, without ids and times.
            func reading(_ body: String) throws -> (text: String, usage: [JSONValue]) {
                var text = ""
                var usage: [JSONValue] = []
                for event in GatewayHarness.events(body) where event != "[DONE]" {
                    let value = try JSONValue(parsing: Array(event.utf8))
                    text += value["choices"]?[0]?["delta"]?["content"]?.stringValue ?? ""
                    text += value["delta"]?["text"]?.stringValue ?? ""
                    if let found = value["usage"] ?? value["message"]?["usage"], !found.isNull { usage.append(found) }
                }
                return (text, usage)
            }
            let requests: [(String, JSONValue)] = [
                ("/v1/chat/completions", GatewayHarness.chat("premium", "Grüße aus Köln 🌍", stream: true, maxTokens: 12, includeUsage: true)),
                ("/v1/messages", GatewayHarness.message("claude", "Grüße aus Köln 🌍", stream: true, maxTokens: 12)),
            ]
            for (path, body) in requests {
                let whole = try await harness.post(path, json: body)
                harness.fake.enqueue(.bytewise)
                let split = try await harness.post(path, json: body)
                #expect(whole.status == 200 && split.status == 200)
                let (wholeReading, splitReading) = (try reading(whole.body), try reading(split.body))
                #expect(!wholeReading.text.isEmpty)
                #expect(splitReading.text == wholeReading.text, "\(path)")
                #expect(!wholeReading.usage.isEmpty)
                // The same fields and values (the gateway may add its cost fields in another order).
                #expect(splitReading.usage.map(Self.unordered) == wholeReading.usage.map(Self.unordered), "\(path)")
            }
            try await eventually { try await harness.records().count == 4 }
            // Each answer's two copies cost the same: in order of cost, they come in equal pairs.
            let costs = try await harness.records().compactMap(\.cost).sorted { $0.nanos < $1.nanos }
            #expect(costs.count == 4)
            #expect(costs.count == 4 && costs[0] == costs[1] && costs[2] == costs[3] && costs[0].nanos > 0)
        }
    }

    static func unordered(_ value: JSONValue) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: (value.objectValue ?? [:]).map { ($0.key, $0.value) })
    }

    @Test func aClientThatDisconnectsMidStreamCancelsTheUpstreamAndIsStillRecorded() async throws {
        try await GatewayHarness.with { harness in
            // 22 words 300 ms apart: the client leaves after the first, and a loaded machine still
            // has six seconds to notice before the answer would be complete (1.6 s was too little
            // under a loaded CI run).
            harness.fake.enqueue(.paced(.milliseconds(300)))
            var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(harness.key)")
            request.body = .bytes(ByteBuffer(data: GatewayHarness.chat("premium", stream: true, maxTokens: 2000).encoded()))
            // A client of its own, shut down once it has read enough: its connection closes for
            // certain (walking away from a shared client's body does not always close it at once).
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let task = Task {
                let response = try await client.execute(request, timeout: .seconds(30))
                for try await chunk in response.body where chunk.readableBytes > 0 { break }
            }
            try await task.value
            try? await client.shutdown()
            // The connection is gone; the gateway notices within a few writes and abandons the
            // upstream request, which the fake sees as a cancelled stream.
            try await eventually { harness.fake.observations.cancelledStreams == 1 }
            #expect(harness.fake.observations.completedStreams == 0)
            try await eventually { try await harness.records().count == 1 }
            let record = try #require(try await harness.records().first)
            #expect(record.status == 499)
            #expect(record.error?.contains("client disconnected") == true)
        }
    }

    @Test func eventsReachTheClientAsTheProviderSendsThemNotWhenItIsDone() async throws {
        try await GatewayHarness.with { harness in
            // 22 words 100 ms apart: the client leaves after about six, and a loaded machine still
            // has more than a second to notice before the answer would be complete.
            harness.fake.enqueue(.paced(.milliseconds(100)))
            var request = HTTPClientRequest(url: harness.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(harness.key)")
            request.body = .bytes(ByteBuffer(data: GatewayHarness.chat("premium", stream: true, maxTokens: 10).encoded()))
            let response = try await harness.client.execute(request, timeout: .seconds(30))
            var parser = ServerSentEventParser()
            var contentEvents = 0
            var completedWhenFirstContentArrived: Int?
            for try await chunk in response.body {
                for event in parser.feed(chunk.readableBytesView) where event.data.contains("\"content\":\"") {
                    contentEvents += 1
                    if contentEvents == 2 { completedWhenFirstContentArrived = harness.fake.observations.completedStreams }
                }
            }
            // The second word was in the client's hands while the provider was still generating.
            #expect(completedWhenFirstContentArrived == 0)
            #expect(contentEvents == 11)
            #expect(harness.fake.observations.completedStreams == 1)
        }
    }

    @Test func aStreamCutByTheProviderEndsWithAnErrorEventAndIsRecorded() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.cutStream(afterChunks: 3))
            let reply = try await harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 10))
            #expect(reply.status == 200)
            let events = GatewayHarness.events(reply.body)
            #expect(!events.contains("[DONE]"))
            let last = try #require(events.last.flatMap { try? JSONValue(parsing: Array($0.utf8)) })
            #expect(last["error"]?["type"] == "upstream_error")
            let record = try #require(try await harness.records().first)
            #expect(record.error != nil)
            // What was sent is billed by Tollgate's own count with the model's tokenizer.
            let sent = events.compactMap { try? JSONValue(parsing: Array($0.utf8)) }
                .compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            let o200k = try await harness.gateway.encodings.encoding(.o200kBase)
            #expect(record.usageSource == .counted)
            #expect(record.usage.output == o200k.count(sent))
            #expect(record.usage.input > 0)
            #expect(record.cost == GatewayHarness.premiumPrice.cost(of: record.usage))
        }
    }

    @Test func aStreamThatStallsMidWayEndsWithATimeoutErrorEvent() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.stall(afterChunks: 3))
            let reply = try await harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 10))
            #expect(reply.status == 200)
            let events = GatewayHarness.events(reply.body)
            #expect(events.filter { $0.contains("\"content\":\"") }.count == 4)
            let last = try #require(events.last.flatMap { try? JSONValue(parsing: Array($0.utf8)) })
            #expect(last["error"]?["code"] == "upstream_timeout")
            let record = try #require(try await harness.records().first)
            #expect(record.error?.contains("timed out") == true)
        }
    }

    @Test func malformedEventsFromTheProviderEndTheStreamWithAnError() async throws {
        try await GatewayHarness.with { harness in
            harness.fake.enqueue(.malformedJSON)
            let reply = try await harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 10))
            let last = try #require(GatewayHarness.events(reply.body).last.flatMap { try? JSONValue(parsing: Array($0.utf8)) })
            #expect(last["error"]?["code"] == "upstream_malformed")
        }
    }
}

/// Polls `condition` until it holds, failing after a few seconds.
func eventually(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<1000 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition did not become true", sourceLocation: sourceLocation)
}
