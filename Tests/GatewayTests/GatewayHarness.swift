import AsyncHTTPClient
import Foundation
@testable import Gateway
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Pricing
import Providers
import Routing
import ServiceLifecycle
import Storage
import Tokenizers
import TollgateCore
import TollgateTesting
import Tracing

/// A real gateway on a loopback port, in front of a real fake provider, with a fresh SQLite file,
/// a funded organization and a key — for tests that go through sockets end to end.
struct GatewayHarness: Sendable {
    let fake: FakeProvider
    let gateway: Gateway
    let baseURL: String
    let key: String
    let organization: Organization
    let client: HTTPClient
    /// Shuts the gateway down gracefully, as SIGTERM does, and returns once every service stopped.
    let shutdown: @Sendable () async -> Void

    /// One tokenizer store for every test gateway: vocabularies load once per test run.
    static let sharedEncodings = EncodingStore(remembersCounts: true)

    static let cheapPrice = TestPrice(input: 280, cachedInput: 28, output: 420)
    static let premiumPrice = TestPrice(input: 2_500, cachedInput: 1_250, output: 10_000)
    static let claudePrice = TestPrice(input: 3_000, cachedInput: 300, cacheWrite: 3_750, output: 15_000)

    /// Runs `body` against a gateway whose models are `cheap` (DeepSeek-style usage) and
    /// `premium` (OpenAI-style usage), both served by one fake of `style`.
    static func with<R: Sendable>(
        backend: TestBackend = .sqlite,
        style: FakeUsageStyle = .openai,
        credit: Int64 = 10 * Money.nanosPerUnit,
        clock: (any TimeSource)? = nil,
        tracer: (any Tracer)? = nil,
        logger testLogger: Logger? = nil,
        adjust: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        prepare: @Sendable (AccountStore) async throws -> Void = { _ in },
        _ body: @Sendable (GatewayHarness) async throws -> R
    ) async throws -> R {
        // The vocabularies load once for the whole run, before any request can wait on them: a
        // first load on a busy machine must not count against a request's timeout.
        for encoding in [EncodingName.o200kBase, .deepseekV3, .claudeLegacy] { _ = try await sharedEncodings.encoding(encoding) }
        return try await FakeProvider.withRunning(style: style, apiKey: "sk-upstream") { fake in
            let provider = Provider(name: "fake", kind: .openai, baseURL: fake.baseURL, apiKey: "sk-upstream")
            let anthropic = Provider(name: "fake-anthropic", kind: .anthropic, baseURL: fake.baseURL, apiKey: "sk-upstream")
            var configuration = GatewayConfiguration(
                port: 0, upstream: .init(connectTimeout: .seconds(2), readTimeout: .seconds(2)),
                providers: [provider, anthropic],
                models: [
                    ModelDefinition(name: "cheap", provider: provider, upstream: "fake-cheap-v1", tokenizer: "deepseek_v3"),
                    ModelDefinition(name: "premium", provider: provider, tokenizer: "o200k_base"),
                    ModelDefinition(name: "claude", provider: anthropic, upstream: "claude-sonnet-4-5"),
                ],
                routes: [RouteDefinition(name: "auto", policy: .cost, candidates: ["premium", "cheap"])])
            // One call per candidate unless a test asks for retries: most tests script one failure
            // and check how it is answered.
            configuration.routing.retry.retriesPerCandidate = 0
            for (model, price) in zip(configuration.models, [cheapPrice, premiumPrice, claudePrice]) {
                configuration.setPrice(price.config, for: model)
            }
            adjust(&configuration)

            var logger = Logger(label: "test")
            logger.logLevel = .error
            if let testLogger { logger = testLogger }
            let (url, removeDatabase) = try await TestDatabase.make(backend, logger: logger)
            let database = try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger)
            let accounts = AccountStore(database: database)
            let organization = try await accounts.createOrganization(name: "acme", currency: .usd)
            if credit > 0 { try await accounts.addCredit(Money(nanos: credit, currency: .usd), to: organization) }
            let (_, key) = try await accounts.createKey(for: organization, name: "test")
            do { try await prepare(accounts) } catch {
                try? await database.close()
                await removeDatabase()
                throw error
            }
            // The gateway's client has the configured short timeouts; the test's own client waits longer.
            let upstreamClient = UpstreamClient.makeHTTPClient(configuration.upstream)
            // As many connections as the busiest test has workers, so none waits for the pool; idle
            // ones retired before the server's 30 s keep-alive deadline would close them.
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(20), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)))
            do {
                let result = try await run(configuration: configuration, database: database, upstreamClient: upstreamClient,
                                           client: client, fake: fake, key: key, organization: organization, logger: logger,
                                           clock: clock ?? SystemTimeSource(), tracer: tracer, body)
                try await client.shutdown()
                try await upstreamClient.shutdown()
                await removeDatabase()
                return result
            } catch {
                try? await client.shutdown()
                try? await upstreamClient.shutdown()
                await removeDatabase()
                throw error
            }
        }
    }

    private static func run<R: Sendable>(
        configuration: GatewayConfiguration, database: Database, upstreamClient: HTTPClient, client: HTTPClient,
        fake: FakeProvider, key: String,
        organization: Organization, logger: Logger, clock: any TimeSource, tracer: (any Tracer)?,
        _ body: @Sendable (GatewayHarness) async throws -> R
    ) async throws -> R {
            let gateway = Gateway(configuration: configuration, database: database, httpClient: upstreamClient, logger: logger,
                                  encodings: sharedEncodings, clock: clock, tracer: tracer)
            try await gateway.providerSecrets.reload()
            let (ports, portContinuation) = AsyncStream<Int>.makeStream()
            let group = ServiceGroup(configuration: .init(
                services: gateway.services { channel in
                    portContinuation.yield(channel.localAddress?.port ?? 0)
                    portContinuation.finish()
                },
                logger: logger))
            return try await withThrowingTaskGroup(of: Void.self) { tasks in
                let (stopped, stoppedContinuation) = AsyncStream<Void>.makeStream()
                tasks.addTask {
                    defer { stoppedContinuation.finish() }
                    try await group.run()
                }
                var port = 0
                for await bound in ports { port = bound }
                let harness = GatewayHarness(fake: fake, gateway: gateway, baseURL: "http://127.0.0.1:\(port)", key: key,
                                             organization: organization, client: client,
                                             shutdown: {
                                                 await group.triggerGracefulShutdown()
                                                 for await _ in stopped {}
                                             })
                do {
                    let result = try await body(harness)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    return result
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    throw error
                }
            }
    }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: String
        var json: JSONValue? { try? JSONValue(parsing: Array(body.utf8)) }
    }

    /// Posts JSON to a path of the gateway with the harness's key (or `key`).
    func post(_ path: String = "/v1/chat/completions", json: JSONValue, key: String? = nil,
              headers extra: [(String, String)] = []) async throws -> Reply {
        try await post(path, body: Array(json.encoded()), key: key, headers: extra)
    }

    func post(_ path: String, body: [UInt8], key: String? = nil, headers extra: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "authorization", value: "Bearer \(key ?? self.key)")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func get(_ path: String, token: String? = nil, headers extra: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "authorization", value: "Bearer \(token ?? key)")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// The data of every SSE event in a streamed reply.
    static func events(_ body: String) -> [String] {
        var parser = ServerSentEventParser()
        return parser.feed(Array(body.utf8)).map(\.data)
    }

    /// Waits until the record writer has written everything queued, then reads the records.
    func records() async throws -> [RequestRecord] {
        await gateway.recordWriter.flush()
        return try await gateway.requestRecords.recent(limit: 1000)
    }

    /// Waits until every queued settlement is written and gives this gateway's free escrow slices
    /// back: the ledger as it stands once traffic stops.
    func settled() async {
        await gateway.recordWriter.flush()
        await gateway.metering.meter?.escrow?.release()
    }

    static func message(_ model: String = "claude", _ text: String = "Hello there", stream: Bool = false,
                        maxTokens: Int = 1024) -> JSONValue {
        var body: JSONValue = ["model": .string(model), "max_tokens": .int(Int64(maxTokens)),
                               "messages": [["role": "user", "content": .string(text)]]]
        if stream { body["stream"] = true }
        return body
    }

    static func chat(_ model: String = "cheap", _ text: String = "Hello there", stream: Bool = false,
                     maxTokens: Int? = nil, includeUsage: Bool? = nil) -> JSONValue {
        var body: JSONValue = ["model": .string(model), "messages": [["role": "user", "content": .string(text)]]]
        if stream { body["stream"] = true }
        if let maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
        if let includeUsage { body["stream_options"] = ["include_usage": .bool(includeUsage)] }
        return body
    }
}

/// A test's own price, in whole nano-units per token, so expected costs are plain products —
/// computed apart from the price book they check.
struct TestPrice: Sendable {
    let input: Int64
    let cachedInput: Int64
    var cacheWrite: Int64? = nil
    let output: Int64

    init(input: Int64, cachedInput: Int64, cacheWrite: Int64? = nil, output: Int64) {
        self.input = input
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.output = output
    }

    func cost(of usage: TokenUsage) -> Money {
        Money(nanos: Int64(usage.input) * input + Int64(usage.cachedInput) * cachedInput
                  + Int64(usage.cacheWrite) * (cacheWrite ?? input) + Int64(usage.output + usage.reasoning) * output,
              currency: .usd)
    }

    /// The same price as a configuration writes it: per 1M tokens.
    var config: ConfigPrice {
        func perMillion(_ nanosPerToken: Int64) -> String { Money(nanos: nanosPerToken * 1_000_000, currency: .usd).decimalString }
        return try! ConfigPrice(currency: .usd, input: perMillion(input), output: perMillion(output), cachedInput: perMillion(cachedInput),
                                cacheWrite: cacheWrite.map(perMillion))
    }
}

/// A usage object's counts, read by the price book's normalizers (what the gateway bills by).
func anthropicTokens(_ usage: JSONValue?) -> TokenUsage? {
    guard let usage else { return nil }
    return try? AnthropicUsage(json: Data(usage.encodedBytes())).billable().tokens
}

func openAITokens(_ usage: JSONValue?) -> TokenUsage? {
    guard let usage else { return nil }
    if usage["prompt_cache_hit_tokens"] != nil { return try? DeepSeekUsage(json: Data(usage.encodedBytes())).billable().tokens }
    return try? OpenAIUsage(json: Data(usage.encodedBytes())).billable().tokens
}
