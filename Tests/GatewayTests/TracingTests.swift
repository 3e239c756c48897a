import AsyncHTTPClient
import Foundation
@testable import Gateway
import Hummingbird
import InMemoryTracing
import Logging
import NIOCore
import Providers
import Routing
import ServiceLifecycle
import SimulatedProviders
import Synchronization
import Testing
import TollgateCore
import Tracing

@Suite struct TracingTests {
    @Test func aRequestIsAServerSpanWithGenAIAttributesAndEachUpstreamAttemptAClientSpanUnderIt() async throws {
        let tracer = InMemoryTracer()
        try await GatewayHarness.with(tracer: tracer) { harness in
            // The route's first candidate fails; the second answers.
            harness.fake.enqueue(.fail(status: 500))
            let reply = try await harness.post(json: GatewayHarness.chat("auto"), headers: [
                (InMemoryTracer.traceIDKey, "client-trace"), (InMemoryTracer.spanIDKey, "client-span"), ("x-tollgate-session", "s-1"),
            ])
            #expect(reply.status == 200)
            let record = try #require(try await harness.records().first)
            let spans = tracer.finishedSpans
            let server = try #require(spans.first { $0.kind == .server })
            // The client's trace continues through Tollgate.
            #expect(server.traceID == "client-trace" && server.parentSpanID == "client-span")
            #expect(server.operationName == "chat auto")
            let expected: [String: SpanAttribute] = [
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "auto", "gen_ai.response.model": .string(try #require(record.modelUsed)),
                "gen_ai.provider.name": "fake", "gen_ai.conversation.id": "s-1",
                "gen_ai.usage.input_tokens": .int64(Int64(record.usage.totalInput)),
                "gen_ai.usage.output_tokens": .int64(Int64(record.usage.totalOutput)),
                "tollgate.cost": .string(try #require(record.cost?.decimalString)), "tollgate.cost.currency": "USD",
                "tollgate.request.id": .string(record.id), "tollgate.attempts": 2, "http.response.status_code": 200,
                "gen_ai.response.finish_reasons": .stringArray(["stop"]),
            ]
            for (key, value) in expected { #expect(server.attributes[key]?.toSpanAttribute() == value, "\(key)") }
            #expect(record.usage.totalInput > 0 && record.usage.totalOutput > 0)
            // Never a key or a prompt.
            server.attributes.forEach { key, value in #expect(!"\(value)".contains(harness.key), "\(key)") }

            let attempts = spans.filter { $0.kind == .client }
            #expect(attempts.count == 2)
            #expect(attempts.allSatisfy { $0.parentSpanID == server.spanID && $0.traceID == "client-trace" })
            let failed = try #require(attempts.first { $0.status?.code == .error })
            #expect(failed.attributes["error.type"]?.toSpanAttribute() == "500")
            #expect(failed.attributes["gen_ai.provider.name"]?.toSpanAttribute() == "fake")
            #expect(attempts.contains { $0.status == nil && $0.operationName.hasPrefix("chat ") })
            // Each attempt's context went upstream in its headers.
            #expect(tracer.performedContextInjections.count == 2)
        }
    }

    @Test func aCascadeThatEscalatesIsOneRequestSpanEndingWithTheAnswerTheClientGot() async throws {
        let tracer = InMemoryTracer()
        try await GatewayHarness.with(tracer: tracer, adjust: { configuration in
            configuration.routes.append(RouteDefinition(name: "careful", policy: .cascade, candidates: ["premium", "cheap"]))
        }) { harness in
            let reply = try await harness.post(json: GatewayHarness.chat("careful", "Tell me a long story", maxTokens: 3))
            #expect(reply.status == 200)
            let records = try await harness.records()
            #expect(records.count == 2)
            let servers = tracer.finishedSpans.filter { $0.kind == .server }
            #expect(servers.count == 1)
            let server = try #require(servers.first)
            #expect(server.attributes["gen_ai.response.model"]?.toSpanAttribute() == "premium")
            #expect(server.attributes["tollgate.request.id"]?.toSpanAttribute() == .string(reply.headers.first(name: "x-tollgate-request-id") ?? ""))
            let attempts = tracer.finishedSpans.filter { $0.kind == .client }
            #expect(attempts.count == 2 && attempts.allSatisfy { $0.parentSpanID == server.spanID })
            #expect(tracer.activeSpans.isEmpty)
        }
    }

    @Test func aRefusedRequestIsAnErrorSpanAndTracingOffMakesNone() async throws {
        let tracer = InMemoryTracer()
        try await GatewayHarness.with(tracer: tracer) { harness in
            #expect(try await harness.post(json: GatewayHarness.chat("no-such-model")).status == 404)
            _ = try await harness.records()
            let span = try #require(tracer.finishedSpans.first)
            #expect(span.status?.code == .error)
            #expect(span.attributes["http.response.status_code"]?.toSpanAttribute() == 404)
            #expect(span.attributes["error.type"]?.toSpanAttribute() == "404")
            #expect(tracer.activeSpans.isEmpty)
        }
        try await GatewayHarness.with { harness async throws in
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status == 200)
            #expect(harness.fake.observations.traceparents == [nil])
        }
    }

    @Test func spansGoOverOTLPToACollectorWithTheW3CContextPassedUpstream() async throws {
        // A collector that keeps what it is sent (OTLP/HTTP with JSON bodies).
        let received = Mutex<[JSONValue]>([])
        let router = Router()
        router.post("/v1/traces") { request, _ in
            let body = try await request.body.collect(upTo: 16 << 20)
            if let value = try? JSONValue(parsing: body.readableBytesView) { received.withLock { $0.append(value) } }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, port) = AsyncStream<Int>.makeStream()
        var quiet = Logger(label: "collector")
        quiet.logLevel = .critical
        let collector = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                    onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: quiet)
        try await withThrowingTaskGroup { group in
            group.addTask { try await collector.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let collectorPort = try #require(await iterator.next())
            var settings = TracingSettings()
            settings.endpoint = "http://127.0.0.1:\(collectorPort)"
            settings.json = true
            settings.batchDelay = .milliseconds(50)
            var logger = Logger(label: "otel")
            logger.logLevel = .error
            let (tracer, service) = try #require(try TraceExport.make(settings, environment: [:], logger: logger))
            group.addTask { try await service.run() }

            let traceID = "0af7651916cd43dd8448eb211c80319c"
            try await GatewayHarness.with(tracer: tracer) { harness in
                let reply = try await harness.post(json: GatewayHarness.chat("cheap"), headers: [("traceparent", "00-\(traceID)-b7ad6b7169203331-01")])
                #expect(reply.status == 200)
                _ = try await harness.records()
                // Until both spans have arrived.
                var spans: [JSONValue] = []
                for _ in 0..<200 {
                    spans = received.withLock { $0 }.flatMap(Self.spans)
                    if spans.count >= 2 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let server = try #require(spans.first { $0["kind"]?.intValue == 2 || $0["kind"]?.stringValue == "SPAN_KIND_SERVER" })
                let client = try #require(spans.first { $0["kind"]?.intValue == 3 || $0["kind"]?.stringValue == "SPAN_KIND_CLIENT" })
                #expect(Self.hex(server["traceId"]) == traceID)
                #expect(Self.hex(server["parentSpanId"]) == "b7ad6b7169203331")
                #expect(Self.hex(client["parentSpanId"]) == Self.hex(server["spanId"]))
                #expect(server["name"]?.stringValue == "chat cheap")
                let attributes = Self.attributes(server)
                #expect(attributes["gen_ai.request.model"] == "cheap")
                #expect(attributes["gen_ai.provider.name"] == "fake")
                let record = try #require(try await harness.records().first)
                #expect(attributes["gen_ai.usage.input_tokens"] == String(record.usage.totalInput))
                // The provider was called with the attempt's own context.
                let sent = try #require(harness.fake.observations.traceparents.first ?? nil)
                #expect(sent == "00-\(traceID)-\(Self.hex(client["spanId"]) ?? "")-01")
            }
            group.cancelAll()
        }
    }

    /// Every span of an OTLP export request.
    static func spans(_ export: JSONValue) -> [JSONValue] {
        (export["resourceSpans"]?.arrayValue ?? []).flatMap { resource in
            (resource["scopeSpans"]?.arrayValue ?? []).flatMap { $0["spans"]?.arrayValue ?? [] }
        }
    }

    /// A span's attributes as text (OTLP JSON writes 64-bit integers as strings).
    static func attributes(_ span: JSONValue) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in span["attributes"]?.arrayValue ?? [] {
            guard let key = attribute["key"]?.stringValue, let value = attribute["value"]?.objectValue?.values.first else { continue }
            result[key] = value.stringValue ?? value.jsonText
        }
        return result
    }

    /// A trace or span id as lowercase hex, whether the JSON spelled it in hex or base64.
    static func hex(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue else { return nil }
        if text.allSatisfy(\.isHexDigit), text.count == 16 || text.count == 32 { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
