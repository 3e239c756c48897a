import Benchmark
import Foundation
import Ledger
import Logging
import Pricing
// Providers is not a product of the main package: its module is reachable here because Routing,
// which this target depends on, is built on it (and `ModelDefinition` cannot be made without its
// `Provider`).
import Providers
import Routing
import Storage
import Synchronization
import Tokenizers
import TollgateCore

/// What one proxied request costs the gateway at each step it goes through, through the main
/// package's public API only, on the inputs a request typically brings (a chat of four messages,
/// ~1 KB, and a long conversation with two tools, ~100 KB).
///
/// - parse: the client's body bytes into a `JSONValue`, checked by the format's `validate` and
///   read into Tollgate's chat form (`WireFormats.openAIChat` / `.anthropicMessages`,
///   `chatRequest(from:strict:)`), as admission does. translate: that chat form written for a
///   provider of the other format (`providerBody(for:model:)`) and serialized, as a cross-format
///   upstream call does; forward: the same-format case (`forwarded(_:model:)` and serialized).
/// - count: the prompt's input tokens by the model's tokenizer, the counter looked up through
///   the `EncodingStore` as the gateway's token counter does (o200k for gpt-5-mini, the legacy
///   Claude template for claude-sonnet-4-5).
/// - plan: `RoutePlanner.plan` for a route of four candidates, each quoted from the built-in price
///   book on the way as the gateway does (cost policy, and auto policy with the request's
///   `PromptFeatures`); "cached quotes" is the planner alone.
/// - price: `PriceBook.cost` of one answer's usage; worst case: the two costs admission reserves
///   the larger of (the counted input plus its margin as plain and as cache-write input, plus
///   `max_tokens` of output).
/// - ledger: `GroupCommit.submit(linked:)` on a SQLite ledger in a temporary file, one caller (no
///   company to group with): a request reserving alone (one pending transfer), settling (the post
///   plus the provider and margin legs), both in turn, and an escrow slice (64 pending pieces in
///   one write; `Wall clock per piece (ns)` is the slice's wall clock divided by 64).
/// - relay: an OpenAI chat stream of 30 `chat.completion.chunk` events (the last with usage) and
///   `[DONE]`, fed one event per read: the Server-Sent-Event parser alone; the whole per-event work
///   of a same-format relay (parse, decode, read usage with `UsageReading`, `relayed`, encode); the
///   same translated for an Anthropic Messages client; and the final event's usage alone
///   (`usage(of:)` and `UsageReading.billable`).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(2), maxIterations: 10_000)

    let openAI = WireFormats.openAIChat
    let anthropic = WireFormats.anthropicMessages
    let small = RequestBodies.openAISmall(), large = RequestBodies.openAILarge()
    let anthropicSmall = RequestBodies.anthropicSmall(), anthropicLarge = RequestBodies.anthropicLarge()

    // parse / translate / forward
    let bodies: [(String, any WireFormat, any WireFormat, String, [UInt8])] = [
        ("openai-chat", openAI, anthropic, "claude-sonnet-4-5", small),
        ("openai-chat", openAI, anthropic, "claude-sonnet-4-5", large),
        ("anthropic-messages", anthropic, openAI, "gpt-5-mini", anthropicSmall),
        ("anthropic-messages", anthropic, openAI, "gpt-5-mini", anthropicLarge),
    ]
    for (name, format, other, upstream, bytes) in bodies {
        let size = RequestBodies.size(bytes)
        Benchmark("parse \(name) \(size)") { benchmark in
            for _ in benchmark.scaledIterations {
                let body = try JSONValue(parsing: bytes)
                blackHole(try format.validate(body))
                blackHole(try format.chatRequest(from: body, strict: false))
            }
        }
        Benchmark("translate \(name) \(size) to \(other.kind.rawValue)") { benchmark in
            let chat = try format.chatRequest(from: try JSONValue(parsing: bytes), strict: false)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try other.providerBody(for: chat, model: upstream).encodedBytes())
            }
        }
        Benchmark("forward \(name) \(size)") { benchmark in
            let body = try JSONValue(parsing: bytes)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(format.forwarded(body, model: "upstream-model").encodedBytes())
            }
        }
    }

    // count
    let encodings = EncodingStore()
    let chats: [(String, ChatRequest)] = [
        ("\(RequestBodies.size(small))", try! openAI.chatRequest(from: try! JSONValue(parsing: small), strict: false)),
        ("\(RequestBodies.size(large))", try! openAI.chatRequest(from: try! JSONValue(parsing: large), strict: false)),
    ]
    for model in ["gpt-5-mini", "claude-sonnet-4-5"] {
        for (size, chat) in chats {
            Benchmark("count \(model) \(size)") { benchmark in
                _ = try await encodings.chatCounter(forModel: model) // loaded once, outside the measurement
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let counter = try await encodings.chatCounter(forModel: model)
                    blackHole(try counter.count(chat.messages, tools: chat.tools))
                }
            }
        }
    }

    // plan
    let book = try! PriceBook.builtIn()
    let date = Date()
    let planner = Routes.planner()
    let quotes = Dictionary(uniqueKeysWithValues: planner.models.map { ($0.name, Routes.quote($0, book: book, at: date)!) })
    let smallChat = chats[0].1
    for route in ["cheap", "auto"] {
        var requirements = RouteRequirements(capabilities: [.tools], maxOutputTokens: 1_024, streamed: true, currency: .usd)
        requirements.promptTokens = Dictionary(uniqueKeysWithValues: planner.models.map { ($0.name, 1_210) })
        let needs = requirements
        let auto = planner.route(named: route)!.policy == .auto
        let policy = auto ? "auto (features of the \(chats[0].0) chat, score)" : planner.route(named: route)!.policy.rawValue
        Benchmark("plan \(policy) route, 4 candidates, quoted from the price book") { benchmark in
            var random = SystemRandomNumberGenerator()
            for _ in benchmark.scaledIterations {
                var requirements = needs
                // As the gateway: the auto policy's features are read from the chat form on the way.
                if auto { requirements.features = PromptFeatures(smallChat) }
                blackHole(try planner.plan(route, for: requirements, quote: { Routes.quote($0, book: book, at: date) }, using: &random))
            }
        }
        Benchmark("plan \(policy) route, 4 candidates, cached quotes") { benchmark in
            var random = SystemRandomNumberGenerator()
            for _ in benchmark.scaledIterations {
                var requirements = needs
                if auto { requirements.features = PromptFeatures(smallChat) }
                blackHole(try planner.plan(route, for: requirements, quote: { quotes[$0.name] }, using: &random))
            }
        }
    }

    // price
    let usages: [(String, String, BillableUsage)] = [
        ("gpt-5-mini", "cached input", BillableUsage(tokens: TokenUsage(input: 186, cachedInput: 1_024, output: 96))),
        ("claude-sonnet-4-5", "cache write", BillableUsage(tokens: TokenUsage(input: 210, cachedInput: 24_000, cacheWrite: 3_100, output: 640))),
        ("deepseek-chat", "reasoning", BillableUsage(tokens: TokenUsage(input: 1_210, output: 300, reasoning: 900))),
    ]
    for (model, label, usage) in usages {
        Benchmark("price \(model) usage (\(label))") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try book.cost(of: usage, for: model, at: date))
            }
        }
    }
    Benchmark("price worst case gpt-5-mini (1,210 counted, max_tokens 1,024)") { benchmark in
        let counted = 1_210, output = 1_024
        for _ in benchmark.scaledIterations {
            // As admission: the counted input with a 10% + 16 margin, at the dearer of the plain and
            // the cache-write rate, plus all the output the request allows.
            let input = counted + counted / 10 + 16
            let plain = try book.cost(of: BillableUsage(tokens: TokenUsage(input: input, output: output)), for: "gpt-5-mini", at: date)
            let written = try book.cost(of: BillableUsage(tokens: TokenUsage(cacheWrite: input, output: output)), for: "gpt-5-mini", at: date)
            blackHole(max(plain.total.nanos, written.total.nanos))
        }
    }

    // ledger
    let ledger = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(3), maxIterations: 2_000)
    Benchmark("ledger reserve: 1 pending (a request reserving alone)", configuration: ledger,
              closure: { (benchmark: Benchmark, fixture: LedgerFixture) async throws in
                  let pending = fixture.pending()
                  benchmark.startMeasurement()
                  try await fixture.commit.submit(linked: [pending])
                  benchmark.stopMeasurement()
              },
              setup: { try await LedgerFixture.open() }, teardown: { await LedgerFixture.closeAll() })
    Benchmark("ledger settle: post + provider and margin legs", configuration: ledger,
              closure: { (benchmark: Benchmark, fixture: LedgerFixture) async throws in
                  let pending = fixture.pending()
                  try await fixture.commit.submit(linked: [pending])
                  let settlement = fixture.settlement(of: pending)
                  benchmark.startMeasurement()
                  try await fixture.commit.submit(linked: settlement)
                  benchmark.stopMeasurement()
              },
              setup: { try await LedgerFixture.open() }, teardown: { await LedgerFixture.closeAll() })
    Benchmark("ledger reserve then settle (2 writes)", configuration: ledger,
              closure: { (benchmark: Benchmark, fixture: LedgerFixture) async throws in
                  let pending = fixture.pending()
                  let settlement = fixture.settlement(of: pending)
                  benchmark.startMeasurement()
                  try await fixture.commit.submit(linked: [pending])
                  try await fixture.commit.submit(linked: settlement)
                  benchmark.stopMeasurement()
              },
              setup: { try await LedgerFixture.open() }, teardown: { await LedgerFixture.closeAll() })
    let perPiece = BenchmarkMetric.custom("Wall clock per piece (ns)", polarity: .prefersSmaller, useScalingFactor: false)
    Benchmark("ledger escrow slice: 64 pendings in one write",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput, perPiece], units: [perPiece: .count],
                                   maxDuration: .seconds(3), maxIterations: 1_000),
              closure: { (benchmark: Benchmark, fixture: LedgerFixture) async throws in
                  let pieces = (0..<64).map { _ in fixture.pending(amount: 50_000_000, reference: "escrow") }
                  let start = ContinuousClock.now
                  benchmark.startMeasurement()
                  try await fixture.commit.submit(linked: pieces)
                  benchmark.stopMeasurement()
                  let elapsed = (ContinuousClock.now - start).components
                  benchmark.measurement(perPiece, Int((elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000) / 64))
              },
              setup: { try await LedgerFixture.open() }, teardown: { await LedgerFixture.closeAll() })

    // relay
    let stream = StreamFixture.openAIChunks(events: 30)
    Benchmark("relay sse-parse 30 chunks") { benchmark in
        for _ in benchmark.scaledIterations {
            var parser = ServerSentEventParser()
            for read in stream { blackHole(parser.feed(read)) }
        }
    }
    Benchmark("relay openai-chat 30 chunks to openai-chat (parse, decode, usage, relayed, encoded)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamFixture.relay(stream, provider: openAI, client: openAI))
        }
    }
    Benchmark("relay openai-chat 30 chunks to anthropic-messages (translated)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamFixture.relay(stream, provider: openAI, client: anthropic))
        }
    }
    let last = StreamFixture.lastData(of: stream)
    Benchmark("relay final chunk usage (usage(of:), UsageReading.billable)") { benchmark in
        for _ in benchmark.scaledIterations {
            let value = try JSONValue(parsing: last.utf8)
            blackHole(try UsageReading.billable(openAI.usage(of: value)))
        }
    }
}

// MARK: - Request bodies

enum RequestBodies {
    static let system = """
        You are a careful assistant for an engineering team. Answer precisely, cite the file and line you rely on, \
        and say so when you are not sure. Prefer short answers with code over long explanations.
        """
    static let question = """
        The gateway reserves each request's worst case on the ledger before the upstream call and settles the actual \
        cost after it. Under load, the reservation sometimes takes longer than the call itself. What would you look at \
        first, and how would you measure it?
        """
    static let answer = """
        Start with the write path: one reservation is one transaction, so its cost is a commit. Measure the commit \
        alone, then the same with concurrent callers grouped, and compare with a bare INSERT of the same rows.
        """
    static let followUp = "Show me how to measure the commit alone, with numbers I can compare between runs."

    static let document = String(repeating: """
        func settle(_ reservation: Reservation, charge: Charge) async throws -> Settlement { \
        let plans = reservation.settlementPlans(charge); for plan in plans { if try await ledger.submit(plan.batch) { \
        return plan.outcome } }; throw LedgerError.unsettled } // The settlement posts the charge against the \
        pending transfers, voids what is left and books the provider's cost and the margin.\n
        """, count: 6)

    static let tools = json(#"""
        [{"type": "function", "function": {"name": "read_file", "description": "Reads a file of the repository.",
          "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}},
         {"type": "function", "function": {"name": "run_command", "description": "Runs a shell command and returns its output.",
          "parameters": {"type": "object", "properties": {"command": {"type": "string"}, "timeout_seconds": {"type": "integer"}},
                         "required": ["command"]}}}]
        """#)

    static func json(_ text: String) -> JSONValue { try! JSONValue(parsing: Array(text.utf8)) }

    /// Four messages, ~1 KB: a system prompt, a question, an answer and a follow-up.
    static func openAISmall() -> [UInt8] {
        JSONValue.object([
            "model": "gpt-5-mini",
            "messages": [["role": "system", "content": .string(system)], ["role": "user", "content": .string(question)],
                         ["role": "assistant", "content": .string(answer)], ["role": "user", "content": .string(followUp)]],
            "temperature": 0.2, "max_tokens": 1_024, "stream": true, "stream_options": ["include_usage": true],
        ]).encodedBytes()
    }

    /// ~100 KB: an agent's conversation of 40 turns pasting code, with two tools.
    static func openAILarge() -> [UInt8] {
        var messages: [JSONValue] = [["role": "system", "content": .string(system)]]
        for turn in 0..<40 {
            messages.append(["role": "user", "content": .string("Turn \(turn). \(question)\n\n\(document)")])
            messages.append(["role": "assistant", "content": .string("Turn \(turn). \(answer)")])
        }
        messages.append(["role": "user", "content": .string(followUp)])
        return JSONValue.object([
            "model": "gpt-5-mini", "messages": .array(messages), "tools": tools,
            "temperature": 0.2, "max_tokens": 1_024, "stream": true, "stream_options": ["include_usage": true],
        ]).encodedBytes()
    }

    static let anthropicTools = json(#"""
        [{"name": "read_file", "description": "Reads a file of the repository.",
          "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}},
         {"name": "run_command", "description": "Runs a shell command and returns its output.",
          "input_schema": {"type": "object", "properties": {"command": {"type": "string"}, "timeout_seconds": {"type": "integer"}},
                           "required": ["command"]}}]
        """#)

    static func anthropicSmall() -> [UInt8] {
        JSONValue.object([
            "model": "claude-sonnet-4-5", "system": .string(system),
            "messages": [["role": "user", "content": .string(question)],
                         ["role": "assistant", "content": [["type": "text", "text": .string(answer)]]],
                         ["role": "user", "content": .string(followUp)]],
            "max_tokens": 1_024, "temperature": 0.2, "stream": true,
        ]).encodedBytes()
    }

    static func anthropicLarge() -> [UInt8] {
        var messages: [JSONValue] = []
        for turn in 0..<40 {
            messages.append(["role": "user", "content": [["type": "text", "text": .string("Turn \(turn). \(question)\n\n\(document)")]]])
            messages.append(["role": "assistant", "content": [["type": "text", "text": .string("Turn \(turn). \(answer)")]]])
        }
        messages.append(["role": "user", "content": .string(followUp)])
        return JSONValue.object([
            "model": "claude-sonnet-4-5", "system": .string(system), "messages": .array(messages), "tools": anthropicTools,
            "max_tokens": 1_024, "temperature": 0.2, "stream": true,
        ]).encodedBytes()
    }

    static func size(_ bytes: [UInt8]) -> String {
        bytes.count < 10_000 ? String(format: "%.1fKB", Double(bytes.count) / 1_024) : "\(bytes.count / 1_024)KB"
    }
}

// MARK: - Routes

enum Routes {
    static func planner() -> RoutePlanner {
        let openai = Provider(name: "openai", kind: .openai, baseURL: "https://api.openai.com/v1")
        let anthropic = Provider(name: "anthropic", kind: .anthropic, baseURL: "https://api.anthropic.com")
        let deepseek = Provider(name: "deepseek", kind: .openai, baseURL: "https://api.deepseek.com/v1")
        let qwen = Provider(name: "dashscope", kind: .openai, baseURL: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1")
        let capabilities: Set<Capability> = [.tools, .json, .caching]
        let models = [
            ModelDefinition(name: "gpt-5-mini", provider: openai, contextWindow: 400_000, maxOutputTokens: 128_000,
                            capabilities: capabilities.union([.vision, .reasoning])),
            ModelDefinition(name: "claude-haiku-4-5", provider: anthropic, contextWindow: 200_000, maxOutputTokens: 64_000,
                            capabilities: capabilities.union([.vision])),
            ModelDefinition(name: "deepseek-chat", provider: deepseek, contextWindow: 128_000, maxOutputTokens: 8_000, capabilities: capabilities),
            ModelDefinition(name: "qwen3.8-flash", provider: qwen, contextWindow: 1_000_000, maxOutputTokens: 32_000, capabilities: capabilities),
        ]
        let names = models.map(\.name)
        let routes = [RouteDefinition(name: "cheap", policy: .cost, candidates: names),
                      RouteDefinition(name: "auto", policy: .auto, candidates: names)]
        return RoutePlanner(models: models, routes: routes, health: RouteHealth())
    }

    /// A model's list price per 1M input and output tokens, as the gateway quotes candidates.
    static func quote(_ model: ModelDefinition, book: PriceBook, at date: Date) -> ModelQuote? {
        guard let cost = try? book.cost(of: TokenUsage(input: 1_000_000, output: 1_000_000), for: model.priceName, at: date) else { return nil }
        return ModelQuote(input: cost.amount(for: .input), output: cost.amount(for: .output))
    }
}

// MARK: - Ledger

/// A SQLite ledger in a temporary file: a funded customer account and the platform's accounts a
/// settlement books to, behind a `GroupCommit`.
final class LedgerFixture: Sendable {
    let database: Database
    let store: SQLLedgerStore
    let commit: GroupCommit
    let path: String
    static let customer = "organization:bench:USD:paid"
    static let usage = "platform:USD:usage"
    static let margin = "platform:USD:margin"
    static let payable = "provider:openai:USD:payable"
    static let opened = Mutex<[LedgerFixture]>([])

    private init(database: Database, path: String) {
        self.database = database
        self.path = path
        store = SQLLedgerStore(database: database)
        commit = GroupCommit(store: store)
    }

    static func open() async throws -> LedgerFixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("request-path-ledger-\(UUID().uuidString).sqlite").path
        var logger = Logger(label: "request-path-bench")
        logger.logLevel = .error
        let database = try await Database.open(.sqlite(path: path), migrations: [LedgerSchema.migration], logger: logger)
        let fixture = LedgerFixture(database: database, path: path)
        let platform = AccountOwner(.platform, "USD")
        _ = try await fixture.store.createAccounts([
            Account(id: "platform:USD:cash", unit: "USD", owner: platform, kind: .asset),
            Account(id: customer, unit: "USD", owner: AccountOwner(.organization, "bench"), kind: .liability, flags: .debitsMustNotExceedCredits),
            Account(id: usage, unit: "USD", owner: platform, kind: .liability),
            Account(id: margin, unit: "USD", owner: platform, kind: .revenue),
            Account(id: payable, unit: "USD", owner: AccountOwner(.provider, "openai"), kind: .liability),
        ])
        try await fixture.commit.submit(.single(debit: "platform:USD:cash", credit: customer, amount: 1 << 60, code: .topUp))
        Self.opened.withLock { $0.append(fixture) }
        return fixture
    }

    static func closeAll() async {
        let fixtures = Self.opened.withLock { fixtures in
            defer { fixtures.removeAll() }
            return fixtures
        }
        for fixture in fixtures {
            try? await fixture.database.close()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.path + suffix) }
        }
    }

    /// A request's reservation: its worst case held on the customer's credit.
    func pending(amount: Int64 = 2_000_000, reference: String = "req-\(UUID().uuidString)") -> TransferRequest {
        .pending(debit: Self.customer, credit: Self.usage, amount: amount, timeoutMilliseconds: 600_000, code: .usage, reference: reference)
    }

    /// Its settlement: the charge posted (the rest released), the provider's cost and the margin booked.
    func settlement(of pending: TransferRequest) -> [TransferRequest] {
        [.post(pending: pending.id, amount: 1_200_000, reference: pending.reference),
         .single(debit: Self.usage, credit: Self.payable, amount: 1_000_000, code: .usage, reference: pending.reference),
         .single(debit: Self.usage, credit: Self.margin, amount: 200_000, code: .usage, reference: pending.reference)]
    }
}

// MARK: - Streams

enum StreamFixture {
    /// `events` chat.completion.chunk events as an OpenAI-compatible provider sends them with
    /// `stream_options.include_usage`: a role chunk, text deltas, a finish chunk, a usage-only
    /// chunk (every other chunk carries `"usage": null`), then `[DONE]`; one element per read.
    static func openAIChunks(events: Int) -> [[UInt8]] {
        func chunk(_ choices: String, usage: String = "null") -> [UInt8] {
            let data = #"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1732400000,"#
                + #""model":"gpt-5-mini-2025-08-07","service_tier":"default","system_fingerprint":"fp_44709d6fcb","#
                + #""choices":\#(choices),"usage":\#(usage)}"#
            return Array(ServerSentEvent(data: data).encoded().utf8)
        }
        let words = ["Measure", " the", " commit", " alone", ":", " open", " a", " ledger", " in", " a", " temporary", " file",
                     ",", " reserve", " one", " pending", " transfer", " per", " iteration", " and", " report", " the",
                     " median", " wall", " clock", " per", " write", "."]
        var reads = [chunk(#"[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]"#)]
        for word in words.prefix(events - 3) {
            reads.append(chunk(#"[{"index":0,"delta":{"content":\#(JSONValue.string(word).jsonText)},"logprobs":null,"finish_reason":null}]"#))
        }
        reads.append(chunk(#"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]"#))
        reads.append(chunk("[]", usage: #"{"prompt_tokens":1210,"completion_tokens":28,"total_tokens":1238,"#
            + #""prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"#
            + #""audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#))
        reads.append(Array("data: [DONE]\n\n".utf8))
        return reads
    }

    /// The data of the last event before `[DONE]`: the usage chunk.
    static func lastData(of reads: [[UInt8]]) -> String {
        var parser = ServerSentEventParser()
        let events = reads.flatMap { parser.feed($0) }
        return events[events.count - 2].data
    }

    /// The per-event work of the gateway's stream relay: each provider event parsed and decoded,
    /// its usage read, and the client's events written (relayed as sent, with the cost added to
    /// the usage, when the formats match; re-encoded when they differ).
    static func relay(_ reads: [[UInt8]], provider: any WireFormat, client: any WireFormat) throws -> Int {
        var parser = ServerSentEventParser()
        var decoder = provider.makeStreamDecoder()
        var encoder: (any StreamEncoding)? = client.kind == provider.kind ? nil
            : client.makeStreamEncoder(includeUsage: true, context: AnswerContext(created: 1_732_400_000, requestID: "req_bench"))
        var usage = UsageReading()
        var written = 0
        let costFields: () -> [String: JSONValue]? = { ["cost": .double(0.000_412), "cost_currency": "USD"] }
        for read in reads {
            for event in parser.feed(read) {
                let value: JSONValue?
                let events: [ChatStreamEvent]
                if event.data == "[DONE]" {
                    value = nil
                    events = [.end]
                } else {
                    let parsed = try JSONValue(parsing: event.data.utf8)
                    value = parsed
                    events = try decoder.decode(parsed, provider: "openai")
                }
                for step in events {
                    if case .usage(let report) = step { try usage.add(report) }
                }
                let out: [ServerSentEvent]
                if var active = encoder {
                    out = events.flatMap { active.encode($0, usage: usage.billable?.tokens, usageFields: costFields) }
                    encoder = active
                } else {
                    out = client.relayed(event, value: value, clientWantsUsage: true, usageFields: costFields)
                }
                for item in out { written += item.encoded().utf8.count }
            }
        }
        precondition(usage.billable?.tokens.cachedInput == 1_024, "the usage chunk was not read")
        return written
    }
}
