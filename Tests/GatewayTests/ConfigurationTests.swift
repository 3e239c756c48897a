import Foundation
import Gateway
import Logging
import Pricing
import Routing
import Testing
import TollgateCore

@Suite struct ConfigurationTests {
    static let valid = """
        admin_token: ${ADMIN:-secret}
        server: {port: 9090}
        providers:
          - name: deepseek
            kind: openai
            base_url: https://api.deepseek.com/v1
            api_key: ${DEEPSEEK_API_KEY}
            region: cn
        models:
          - name: deepseek-chat
            provider: deepseek
            upstream: deepseek-chat
            tokenizer: deepseek_v3
            context_window: 128000
            capabilities: [tools, json]
            price: {currency: USD, input: 0.28, cached_input: 0.028, output: 0.42}
        routes:
          auto: {policy: cost, candidates: [deepseek-chat]}
        """

    func load(_ text: String, environment: [String: String] = ["DEEPSEEK_API_KEY": "sk-1"]) throws(ConfigurationError) -> GatewayConfiguration {
        try ConfigurationLoader(environment: environment).parse(text, file: "tollgate.yaml")
    }

    @Test func theDocumentedExampleLoadsWithEnvironmentSubstitution() throws {
        let configuration = try load(Self.valid)
        #expect(configuration.adminToken == "secret")
        #expect(configuration.port == 9090)
        #expect(configuration.providers.first?.apiKey == "sk-1")
        let model = try #require(configuration.model(named: "deepseek-chat"))
        // 0.28 per 1M input, 0.028 cached, 0.42 output; reasoning defaults to the output price.
        let usage = TokenUsage(input: 1_000_000, cachedInput: 1_000_000, output: 1_000_000, reasoning: 1_000_000)
        #expect(try configuration.cost(of: usage, for: model, at: Date()).description == "1.148000000 USD")
        #expect(model.capabilities == [.tools, .json])
        #expect(configuration.routes.first?.candidates == ["deepseek-chat"])
    }

    static let routed = """
        providers:
          - {name: deepseek, kind: openai, base_url: https://api.deepseek.com/v1, region: cn}
          - {name: openai, kind: openai, base_url: https://api.openai.com/v1, region: us}
        models:
          - {name: deepseek-chat, provider: deepseek, fallbacks: [gpt-4o], price: {currency: USD, input: 0.28, output: 0.42}}
          - {name: gpt-4o, provider: openai, capabilities: [tools, vision], price: {currency: USD, input: 2.5, output: 10}}
          - {name: qwen3, provider: deepseek, capabilities: [reasoning], unsupported_parameters: drop,
             reasoning_switch: {enable_thinking: true, thinking_budget: 4096}, price: {currency: USD, input: 0.3, output: 1.2}}
        routes:
          split: {policy: weighted, candidates: [deepseek-chat, gpt-4o], weights: {deepseek-chat: 3, gpt-4o: 1}, unsupported_parameters: drop}
          capped: {policy: latency, candidates: [deepseek-chat, gpt-4o], max_price: '2.5 USD'}
          smart: {policy: auto, candidates: [deepseek-chat, gpt-4o], premium_share: 0.2}
          exact: {policy: auto, candidates: [deepseek-chat, gpt-4o], threshold: 0.65}
          careful: {policy: cascade, candidates: [deepseek-chat, gpt-4o]}
          faq: {policy: ordered, candidates: [deepseek-chat], cache_ttl_seconds: 600, cache_nondeterministic: true}
        routing:
          affinity_seconds: 120
          retries: 2
          max_attempts: 6
          backoff_ms: 50
          max_backoff_ms: 800
          max_retry_after_seconds: 3
          breaker: {window_seconds: 20, minimum_requests: 8, failure_ratio: 0.25, cooldown_seconds: 5}
        cache: {max_entries: 5000, memory_mb: 16, hit_price_share: 0.1}
        """

    @Test func fallbacksWeightsPriceCapsAndRetriesAreRead() throws {
        let configuration = try load(Self.routed)
        #expect(configuration.model(named: "deepseek-chat")?.fallbacks == ["gpt-4o"])
        let split = try #require(configuration.routes.first { $0.name == "split" })
        #expect(split.policy == .weighted)
        #expect(split.weights == ["deepseek-chat": 3, "gpt-4o": 1])
        #expect(split.unsupportedParameters == .drop)
        let qwen = try #require(configuration.model(named: "qwen3"))
        #expect(qwen.unsupportedParameters == .drop && configuration.model(named: "gpt-4o")?.unsupportedParameters == .refuse)
        #expect(qwen.reasoningSwitch == ["enable_thinking": true, "thinking_budget": 4096])
        let capped = try #require(configuration.routes.first { $0.name == "capped" })
        #expect(capped.policy == .latency)
        #expect(capped.maxPrice == Money(nanos: 2_500_000_000, currency: .usd))
        let smart = try #require(configuration.routes.first { $0.name == "smart" })
        #expect(smart.policy == .auto && smart.premiumShare == 0.2 && smart.threshold == nil)
        #expect(smart.autoThreshold == AutoClassifier.shipped.threshold(premiumShare: 0.2))
        #expect(configuration.routes.first { $0.name == "exact" }?.autoThreshold == 0.65)
        #expect(configuration.routes.first { $0.name == "careful" }?.policy == .cascade)
        let retry = configuration.routing.retry
        #expect(retry.retriesPerCandidate == 2 && retry.maxAttempts == 6)
        #expect(retry.baseBackoff == .milliseconds(50) && retry.maxBackoff == .milliseconds(800) && retry.maxRetryAfter == .seconds(3))
        let breakers = configuration.routing.breakers
        #expect(breakers.window == .seconds(20) && breakers.minimumRequests == 8 && breakers.failureRatio == 0.25)
        #expect(breakers.cooldown == .seconds(5))
    }

    @Test func clientConnectionLimitsAreReadWithTheirDefaults() throws {
        let defaults = try load(Self.valid).connectionLimits
        #expect(defaults.headerTimeout == .seconds(30) && defaults.bodyTimeout == .seconds(300) && defaults.maxConnections == 4096)
        let withoutServer = Self.valid.replacingOccurrences(of: "server: {port: 9090}\n", with: "")
        #expect(withoutServer != Self.valid)
        let set = try load(withoutServer + """

            server:
              header_timeout_seconds: 5
              body_timeout_seconds: 60
              body_idle_timeout_seconds: 10
              idle_timeout_seconds: 30
              max_header_bytes: 16384
              max_headers: 50
              max_connections: 100
            """).connectionLimits
        #expect(set.headerTimeout == .seconds(5) && set.bodyTimeout == .seconds(60) && set.bodyIdleTimeout == .seconds(10))
        #expect(set.idleTimeout == .seconds(30) && set.maxHeaderBytes == 16384 && set.maxHeaderCount == 50 && set.maxConnections == 100)
        #expect(throws: ConfigurationError.self) { try load(withoutServer + "\nserver: {max_headers: 2}\n") }
        #expect(try load(withoutServer + "\nserver: {max_headers: 8}\n").connectionLimits.maxHeaderCount == 8)
    }

    @Test func tracingIsOffUntilAnEndpointIsSetAndItsSettingsAreRead() throws {
        #expect(try load(Self.valid).tracing.endpoint == nil)
        #expect(try TraceExport.make(load(Self.valid).tracing, environment: [:], logger: Logger(label: "test")) == nil)
        let traced = try load(Self.valid + """

            tracing:
              endpoint: http://collector:4318
              protocol: http/json
              service_name: gateway-eu
              sample_ratio: 0.25
              headers: {authorization: "Bearer ${OTLP_TOKEN}"}
            """, environment: ["DEEPSEEK_API_KEY": "sk-1", "OTLP_TOKEN": "t0k"])
        #expect(traced.tracing.tracesURL == "http://collector:4318/v1/traces")
        #expect(traced.tracing.json && traced.tracing.serviceName == "gateway-eu" && traced.tracing.sampleRatio == 0.25)
        #expect(traced.tracing.headers == ["authorization": "Bearer t0k"])
        var settings = TracingSettings()
        settings.endpoint = "https://otlp.example.com/custom/path/"
        #expect(settings.tracesURL == "https://otlp.example.com/custom/path")
        #expect(throws: ConfigurationError.self) { try load(Self.valid + "\ntracing: {endpoint: http://c:4318, protocol: grpc}\n") }
        #expect(throws: ConfigurationError.self) { try load(Self.valid + "\ntracing: {endpoint: collector:4318}\n") }
    }

    @Test func cacheAndAffinitySettingsAreRead() throws {
        let configuration = try load(Self.routed)
        let faq = try #require(configuration.routes.first { $0.name == "faq" })
        #expect(faq.cacheTTL == .seconds(600) && faq.cachesNondeterministic)
        #expect(configuration.routes.first { $0.name == "split" }?.cacheTTL == nil)
        #expect(configuration.routing.affinity == .seconds(120))
        #expect(configuration.cache.maxEntries == 5_000 && configuration.cache.memoryBytes == 16 << 20)
        #expect(configuration.cache.hitPriceMillionths == 100_000)
        let defaults = try load(Self.valid)
        #expect(defaults.routing.affinity == .seconds(300) && defaults.cache.hitPriceMillionths == 0)
    }

    @Test(arguments: [
        ("models[1].capabilities[0]", "capabilities: [tools, vision]", "capabilities: [telepathy]"),
        ("models[0].fallbacks", "fallbacks: [gpt-4o]", "fallbacks: [gpt-5]"),
        ("models[0].fallbacks", "fallbacks: [gpt-4o]", "fallbacks: [deepseek-chat]"),
        ("routes.split.weights", "weights: {deepseek-chat: 3, gpt-4o: 1}", "weights: {other: 3}"),
        ("models[2].unsupported_parameters", "unsupported_parameters: drop,", "unsupported_parameters: ignore,"),
        ("models[2].reasoning_switch", "reasoning_switch: {enable_thinking: true, thinking_budget: 4096}", "reasoning_switch: on"),
        ("routes.split.unsupported_parameters", "unsupported_parameters: drop}", "unsupported_parameters: maybe}"),
        ("routes.capped.max_price", "max_price: '2.5 USD'", "max_price: cheap"),
        ("routes.smart.premium_share", "premium_share: 0.2}", "premium_share: 1.5}"),
        ("routes.exact.threshold", "threshold: 0.65}", "threshold: high}"),
        ("routes.exact", "threshold: 0.65}", "threshold: 0.65, premium_share: 0.1}"),
        ("routes.careful.threshold", "policy: cascade, candidates: [deepseek-chat, gpt-4o]}", "policy: cascade, candidates: [deepseek-chat, gpt-4o], threshold: 0.5}"),
        ("routes.smart.classifier", "premium_share: 0.2}", "premium_share: 0.2, classifier: missing.json}"),
        ("routing.breaker.failure_ratio", "failure_ratio: 0.25", "failure_ratio: 2"),
        ("routing.retries", "retries: 2", "retries: -1"),
        ("routing.affinity_seconds", "affinity_seconds: 120", "affinity_seconds: soon"),
        ("routes.faq.cache_ttl_seconds", "cache_ttl_seconds: 600", "cache_ttl_seconds: 0"),
        ("routes.faq.cache_nondeterministic", "cache_nondeterministic: true", "cache_nondeterministic: maybe"),
        ("cache.hit_price_share", "hit_price_share: 0.1", "hit_price_share: 2"),
        ("cache", "max_entries: 5000", "max_rows: 5000"),
    ])
    func aMistakeInRoutingIsReportedWithItsKeyPath(_ path: String, _ good: String, _ bad: String) throws {
        let text = Self.routed.replacingOccurrences(of: good, with: bad)
        #expect(text != Self.routed)
        do {
            _ = try load(text)
            Issue.record("'\(bad)' was accepted")
        } catch {
            #expect(error.path.hasPrefix(path), "\(error)")
        }
    }

    @Test func meteringSessionsAndPriceListsAreReadAndPriceListsSetSellPrices() throws {
        let configuration = try load(Self.valid + """

            metering: {enabled: false, max_reserved_output_tokens: 2048, reservation_timeout_seconds: 60, time_zone: Asia/Shanghai}
            sessions: {max_requests_per_minute: 30, max_tokens_per_minute: 500000}
            price_lists:
              resale:
                markup_percent: 12.5
                prices:
                  deepseek-chat: {currency: USD, input: 0.5, output: 1}
              plus: {markup_percent: 20}
            """)
        #expect(configuration.metering.enabled == false)
        #expect(configuration.metering.maxReservedOutputTokens == 2048)
        #expect(configuration.metering.reservationTimeout == .seconds(60))
        #expect(configuration.metering.timeZone.identifier == "Asia/Shanghai")
        #expect(configuration.metering.sessionRequestsPerMinute == 30)
        #expect(configuration.metering.sessionTokensPerMinute == 500_000)
        let model = try #require(configuration.model(named: "deepseek-chat"))
        let usage = BillableUsage(tokens: TokenUsage(input: 1_000_000, output: 1_000_000))
        let at = Date()
        func sell(_ organization: Organization) throws -> String {
            try configuration.sellCost(of: usage, for: model, at: at, organization: organization).description
        }
        // Cost 0.70; the list's own price 1.50; 20% markup 0.84; the organization's own 7.5% 0.7525.
        #expect(try sell(Organization(id: "a", name: "a", currency: .usd)) == "0.700000000 USD")
        #expect(try sell(Organization(id: "b", name: "b", currency: .usd, priceList: "resale")) == "1.500000000 USD")
        #expect(try sell(Organization(id: "c", name: "c", currency: .usd, priceList: "plus")) == "0.840000000 USD")
        #expect(try sell(Organization(id: "d", name: "d", currency: .usd, markupBasisPoints: 750)) == "0.752500000 USD")
        #expect(configuration.priceLists["resale"]?.markupBasisPoints == 1_250)

        #expect(throws: ConfigurationError.self) { try load(Self.valid + "\nprice_lists: {x: {markup_percent: lots}}") }
        #expect(throws: ConfigurationError.self) { try load(Self.valid + "\nmetering: {time_zone: Mars/Olympus}") }
        #expect(throws: ConfigurationError.self) { try load(Self.valid + "\nprice_lists: {x: {prices: {gpt-9: {currency: USD, input: 1, output: 1}}}}") }
    }

    /// Each bad line, and the one-line error it must give: file, line, key path, what is wrong.
    @Test(arguments: [
        ("server: {port: 9090}", "server: {prot: 9090}",
         "tollgate.yaml:2: server.prot: unknown key (expected one of: body_idle_timeout_seconds, body_timeout_seconds, drain_seconds, header_timeout_seconds, host, idle_timeout_seconds, max_connections, max_header_bytes, max_headers, max_request_body_bytes, port, record_batch_size)"),
        ("    provider: deepseek\n", "    provider: deepsek\n",
         "tollgate.yaml:11: models[0].provider: no provider named 'deepsek' is defined"),
        ("base_url: https://api.deepseek.com/v1", "base_url: api.deepseek.com",
         "tollgate.yaml:6: providers[0].base_url: 'api.deepseek.com' is not an http(s) URL"),
        ("input: 0.28,", "input: 0.2.8,",
         "tollgate.yaml:16: models[0].price.input: '0.2.8' is not a price per 1M tokens (a non-negative decimal with at most 9 fractional digits)"),
        ("output: 0.42}", "output: -0.42}", "tollgate.yaml:16: models[0].price.output: '-0.42' is not a price per 1M tokens (a non-negative decimal with at most 9 fractional digits)"),
        ("currency: USD", "currency: XYZ",
         "tollgate.yaml:16: models[0].price.currency: unknown currency 'XYZ'; known: CNY, EUR, JPY, USD"),
        ("kind: openai", "kind: gemini", "tollgate.yaml:5: providers[0].kind: 'gemini' is not one of: openai, anthropic, openai_responses"),
        ("candidates: [deepseek-chat]", "candidates: [gpt-9]", "tollgate.yaml:18: routes.auto.candidates[0]: no model named 'gpt-9' is defined"),
    ])
    func eachBadLineStopsStartUpWithOneLineNamingFileKeyAndProblem(_ good: String, _ bad: String, _ expected: String) throws {
        let text = Self.valid.replacingOccurrences(of: good, with: bad)
        #expect(text != Self.valid)
        let error = #expect(throws: ConfigurationError.self) { try load(text) }
        #expect(error?.description == expected)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func anUnsetEnvironmentVariableIsNamed() {
        let error = #expect(throws: ConfigurationError.self) { try load(Self.valid, environment: [:]) }
        #expect(error?.description == "tollgate.yaml:7: providers[0].api_key: environment variable DEEPSEEK_API_KEY is not set")
    }

    @Test func aModelWithoutAPriceTakesTheCatalogsOrIsRefused() throws {
        let unpriced = Self.valid.replacingOccurrences(of: "    price: {currency: USD, input: 0.28, cached_input: 0.028, output: 0.42}\n", with: "")
        let configuration = try load(unpriced)
        let model = try #require(configuration.model(named: "deepseek-chat"))
        #expect(model.priceName == "deepseek-chat")
        #expect(configuration.prices.model(named: model.priceName)?.provider == "deepseek")
        let unknown = unpriced.replacingOccurrences(of: "upstream: deepseek-chat", with: "upstream: house-model-7b")
            .replacingOccurrences(of: "- name: deepseek-chat", with: "- name: house")
            .replacingOccurrences(of: "candidates: [deepseek-chat]", with: "candidates: [house]")
        let error = #expect(throws: ConfigurationError.self) { try load(unknown) }
        #expect(error?.description.hasPrefix("tollgate.yaml:10: models[0]: the built-in catalog has no price for 'house-model-7b'") == true)
    }
}
