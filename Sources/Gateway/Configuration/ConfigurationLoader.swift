import Pricing
import Providers
import Routing
import Tokenizers
import TollgateCore
import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads `tollgate.yaml` into a `GatewayConfiguration`, checking every key before anything starts.
///
/// `${NAME}` in a value is replaced by the environment variable `NAME` (an error if unset);
/// `${NAME:-default}` falls back to `default`.
public struct ConfigurationLoader: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(file: String) throws(ConfigurationError) -> GatewayConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: file, line: nil, path: "", problem: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, file: file)
    }

    public func parse(_ text: String, file: String) throws(ConfigurationError) -> GatewayConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, line: nil, path: "", problem: "is not valid YAML: \(error)")
        }
        let catalog: PriceBook
        do {
            catalog = try PriceBook.builtIn()
        } catch {
            throw ConfigurationError(file: file, line: nil, path: "", problem: "the built-in price catalog cannot be read: \(error)")
        }
        var reader = ConfigurationReader(file: file, environment: environment)
        guard let root else { return GatewayConfiguration(prices: catalog) }
        var configuration = try reader.configuration(root, catalog: catalog)
        configuration.prices = catalog
        for (model, price) in reader.prices { configuration.setPrice(price, for: model) }
        return configuration
    }
}

/// Walks the YAML tree, remembering the key path for errors.
struct ConfigurationReader {
    let file: String
    let environment: [String: String]
    /// The configured prices, to lay over the catalog once every model is read.
    var prices: [(ModelDefinition, ConfigPrice)] = []

    func error(_ node: Node?, _ path: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.mark?.line, path: path, problem: problem)
    }

    func mapping(_ node: Node, _ path: String, allowed: Set<String>) throws(ConfigurationError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, path, "must be a mapping") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, path, "has a key that is not a string") }
            let keyPath = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                throw error(key, keyPath, "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            result[name] = value
        }
        return result
    }

    func sequence(_ node: Node, _ path: String) throws(ConfigurationError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, path, "must be a list") }
        return Array(sequence)
    }

    func string(_ node: Node, _ path: String) throws(ConfigurationError) -> String {
        guard let scalar = node.scalar else { throw error(node, path, "must be a string") }
        return try substitute(scalar.string, node, path)
    }

    func integer(_ node: Node, _ path: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = try string(node, path)
        guard let value = Int(text), range.contains(value) else {
            throw error(node, path, "'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A number in 0…1 (0 allowed when `allowingZero`).
    func fraction(_ node: Node, _ path: String, allowingZero: Bool) throws(ConfigurationError) -> Double {
        let text = try string(node, path)
        guard let value = Double(text), value <= 1, allowingZero ? value >= 0 : value > 0 else {
            throw error(node, path, "'\(text)' is not a number in \(allowingZero ? "0" : "(0")...1")
        }
        return value
    }

    func required(_ fields: [String: Node], _ key: String, _ path: String, in node: Node) throws(ConfigurationError) -> Node {
        guard let value = fields[key] else { throw error(node, path, "missing required key '\(key)'") }
        return value
    }

    /// Replaces `${NAME}` and `${NAME:-default}` with the environment's values.
    func substitute(_ text: String, _ node: Node, _ path: String) throws(ConfigurationError) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw error(node, path, "unterminated '${' in '\(text)'")
            }
            let expression = rest[start.upperBound..<end]
            let parts = expression.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            if let value = environment[name], !value.isEmpty {
                result += value
            } else if parts.count == 2 {
                result += parts[1]
            } else {
                throw error(node, path, "environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    mutating func configuration(_ root: Node, catalog: PriceBook) throws(ConfigurationError) -> GatewayConfiguration {
        let fields = try mapping(root, "", allowed: ["admin_token", "metrics_token", "server", "upstream", "providers", "models", "routes",
                                                          "metering", "sessions", "price_lists", "routing", "responses", "cache",
                                                          "tracing"])
        var configuration = GatewayConfiguration()
        if let node = fields["admin_token"] { configuration.adminToken = try string(node, "admin_token") }
        if let node = fields["metrics_token"] { configuration.metricsToken = try string(node, "metrics_token") }
        if let node = fields["server"] { try server(node, into: &configuration) }
        if let node = fields["upstream"] { try upstream(node, into: &configuration) }
        let providerNodes = try fields["providers"].map { node throws(ConfigurationError) in try sequence(node, "providers") } ?? []
        for (index, node) in providerNodes.enumerated() {
            let provider = try provider(node, "providers[\(index)]")
            if configuration.providers.contains(where: { $0.name == provider.name }) {
                throw error(node, "providers[\(index)].name", "'\(provider.name)' is defined twice")
            }
            configuration.providers.append(provider)
        }
        let modelNodes = try fields["models"].map { node throws(ConfigurationError) in try sequence(node, "models") } ?? []
        for (index, node) in modelNodes.enumerated() {
            let model = try model(node, "models[\(index)]", providers: configuration.providers, catalog: catalog)
            if configuration.models.contains(where: { $0.name == model.name }) {
                throw error(node, "models[\(index)].name", "'\(model.name)' is defined twice")
            }
            configuration.models.append(model)
        }
        for (index, model) in configuration.models.enumerated() {
            for fallback in model.fallbacks where !configuration.models.contains(where: { $0.name == fallback }) || fallback == model.name {
                throw error(modelNodes[index], "models[\(index)].fallbacks",
                            fallback == model.name ? "a model cannot fall back to itself" : "no model named '\(fallback)' is defined")
            }
        }
        if let node = fields["routes"] { configuration.routes = try routes(node, models: configuration.models) }
        if let node = fields["routing"] { try routing(node, into: &configuration.routing) }
        if let node = fields["metering"] { try metering(node, into: &configuration.metering) }
        if let node = fields["sessions"] { try sessions(node, into: &configuration.metering) }
        if let node = fields["price_lists"] { configuration.priceLists = try priceLists(node, models: configuration.models) }
        if let node = fields["cache"] { try cache(node, into: &configuration.cache) }
        if let node = fields["tracing"] { try tracing(node, into: &configuration.tracing) }
        if let node = fields["responses"] {
            let responses = try mapping(node, "responses", allowed: ["retention_days"])
            if let value = responses["retention_days"] {
                configuration.responseRetention = .seconds(86_400 * (try integer(value, "responses.retention_days", range: 1...3650)))
            }
        }
        return configuration
    }

    func tracing(_ node: Node, into settings: inout TracingSettings) throws(ConfigurationError) {
        let fields = try mapping(node, "tracing", allowed: ["endpoint", "protocol", "service_name", "sample_ratio", "headers"])
        if let value = fields["endpoint"] {
            let endpoint = try string(value, "tracing.endpoint")
            guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
                throw error(value, "tracing.endpoint", "must be an http:// or https:// URL, such as http://otel-collector:4318")
            }
            settings.endpoint = endpoint
        }
        if let value = fields["protocol"] {
            switch try string(value, "tracing.protocol") {
            case "http/protobuf": settings.json = false
            case "http/json": settings.json = true
            case let other: throw error(value, "tracing.protocol", "must be http/protobuf or http/json, not '\(other)'")
            }
        }
        if let value = fields["service_name"] { settings.serviceName = try string(value, "tracing.service_name") }
        if let value = fields["sample_ratio"] { settings.sampleRatio = try fraction(value, "tracing.sample_ratio", allowingZero: true) }
        if let value = fields["headers"] {
            guard let headers = value.mapping else { throw error(value, "tracing.headers", "must be a mapping of header names to values") }
            for (key, header) in headers {
                guard let name = key.string else { throw error(key, "tracing.headers", "has a key that is not a string") }
                settings.headers[name] = try string(header, "tracing.headers.\(name)")
            }
        }
    }

    func cache(_ node: Node, into settings: inout CacheSettings) throws(ConfigurationError) {
        let fields = try mapping(node, "cache", allowed: ["max_entries", "memory_mb", "hit_price_share"])
        if let value = fields["max_entries"] { settings.maxEntries = try integer(value, "cache.max_entries", range: 1...100_000_000) }
        if let value = fields["memory_mb"] { settings.memoryBytes = (try integer(value, "cache.memory_mb", range: 0...65_536)) << 20 }
        if let value = fields["hit_price_share"] {
            settings.hitPriceMillionths = Int64((try fraction(value, "cache.hit_price_share", allowingZero: true) * 1_000_000).rounded())
        }
    }

    func server(_ node: Node, into configuration: inout GatewayConfiguration) throws(ConfigurationError) {
        let fields = try mapping(node, "server", allowed: ["host", "port", "max_request_body_bytes", "record_batch_size", "drain_seconds",
                                                           "header_timeout_seconds", "body_timeout_seconds", "body_idle_timeout_seconds",
                                                           "idle_timeout_seconds", "max_header_bytes", "max_headers", "max_connections"])
        let seconds = { (key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Duration? in
            guard let value = fields[key] else { return nil }
            return .seconds(try self.integer(value, "server.\(key)", range: range))
        }
        var limits = configuration.connectionLimits
        if let value = try seconds("header_timeout_seconds", 1...3600) { limits.headerTimeout = value }
        if let value = try seconds("body_timeout_seconds", 1...86_400) { limits.bodyTimeout = value }
        if let value = try seconds("body_idle_timeout_seconds", 1...3600) { limits.bodyIdleTimeout = value }
        if let value = try seconds("idle_timeout_seconds", 1...86_400) { limits.idleTimeout = value }
        if let value = fields["max_header_bytes"] { limits.maxHeaderBytes = try integer(value, "server.max_header_bytes", range: 1024...(1 << 20)) }
        if let value = fields["max_headers"] { limits.maxHeaderCount = try integer(value, "server.max_headers", range: 8...10_000) }
        if let value = fields["max_connections"] { limits.maxConnections = try integer(value, "server.max_connections", range: 1...1_000_000) }
        configuration.connectionLimits = limits
        if let value = fields["drain_seconds"] {
            configuration.drainDeadline = .seconds(try integer(value, "server.drain_seconds", range: 0...3600))
        }
        if let value = fields["host"] { configuration.host = try string(value, "server.host") }
        if let value = fields["port"] { configuration.port = try integer(value, "server.port", range: 0...65535) }
        if let value = fields["max_request_body_bytes"] {
            configuration.maxRequestBodyBytes = try integer(value, "server.max_request_body_bytes", range: 1024...(1 << 30))
        }
        if let value = fields["record_batch_size"] {
            configuration.recordBatchSize = try integer(value, "server.record_batch_size", range: 1...10_000)
        }
    }

    func upstream(_ node: Node, into configuration: inout GatewayConfiguration) throws(ConfigurationError) {
        let fields = try mapping(node, "upstream", allowed: ["connect_timeout_seconds", "read_timeout_seconds"])
        if let value = fields["connect_timeout_seconds"] {
            configuration.upstream.connectTimeout = .seconds(try integer(value, "upstream.connect_timeout_seconds", range: 1...600))
        }
        if let value = fields["read_timeout_seconds"] {
            configuration.upstream.readTimeout = .seconds(try integer(value, "upstream.read_timeout_seconds", range: 1...3600))
        }
    }

    func provider(_ node: Node, _ path: String) throws(ConfigurationError) -> Provider {
        let fields = try mapping(node, path, allowed: ["name", "kind", "base_url", "api_key", "region"])
        let name = try string(try required(fields, "name", path, in: node), "\(path).name")
        let kindNode = try required(fields, "kind", path, in: node)
        let kindText = try string(kindNode, "\(path).kind")
        guard let kind = Provider.Kind(rawValue: kindText), Provider.Kind.configurable.contains(kind) else {
            throw error(kindNode, "\(path).kind", "'\(kindText)' is not one of: \(Provider.Kind.configurable.map(\.rawValue).joined(separator: ", "))")
        }
        let urlNode = try required(fields, "base_url", path, in: node)
        let baseURL = try string(urlNode, "\(path).base_url")
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else { throw error(urlNode, "\(path).base_url", "'\(baseURL)' is not an http(s) URL") }
        let apiKey = try fields["api_key"].map { node throws(ConfigurationError) in try string(node, "\(path).api_key") }
        let region = try fields["region"].map { node throws(ConfigurationError) in try string(node, "\(path).region") }
        return Provider(name: name, kind: kind, baseURL: baseURL, apiKey: apiKey, region: region)
    }

    mutating func model(_ node: Node, _ path: String, providers: [Provider], catalog: PriceBook) throws(ConfigurationError) -> ModelDefinition {
        let fields = try mapping(node, path, allowed: ["name", "provider", "upstream", "tokenizer", "context_window",
                                                                   "max_output_tokens", "capabilities", "price", "fallbacks",
                                                                   "unsupported_parameters", "reasoning_switch"])
        let name = try string(try required(fields, "name", path, in: node), "\(path).name")
        let providerNode = try required(fields, "provider", path, in: node)
        let providerName = try string(providerNode, "\(path).provider")
        guard let provider = providers.first(where: { $0.name == providerName }) else {
            throw error(providerNode, "\(path).provider", "no provider named '\(providerName)' is defined")
        }
        let upstream = try fields["upstream"].map { node throws(ConfigurationError) in try string(node, "\(path).upstream") }
        let tokenizer = try fields["tokenizer"].map { node throws(ConfigurationError) in
            let name = try string(node, "\(path).tokenizer")
            guard EncodingName(rawValue: name) != nil else {
                throw error(node, "\(path).tokenizer", "'\(name)' is not one of: \(EncodingName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return name
        }
        let contextWindow = try fields["context_window"].map { node throws(ConfigurationError) in
            try integer(node, "\(path).context_window", range: 1...100_000_000)
        }
        let maxOutput = try fields["max_output_tokens"].map { node throws(ConfigurationError) in
            try integer(node, "\(path).max_output_tokens", range: 1...10_000_000)
        }
        var capabilities: Set<Capability> = []
        if let node = fields["capabilities"] {
            for (index, item) in try sequence(node, "\(path).capabilities").enumerated() {
                let text = try string(item, "\(path).capabilities[\(index)]")
                guard let capability = Capability(rawValue: text) else {
                    throw error(item, "\(path).capabilities[\(index)]",
                                "'\(text)' is not one of: \(Capability.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                capabilities.insert(capability)
            }
        }
        var fallbacks: [String] = []
        if let node = fields["fallbacks"] {
            for (index, item) in try sequence(node, "\(path).fallbacks").enumerated() {
                fallbacks.append(try string(item, "\(path).fallbacks[\(index)]"))
            }
        }
        var model = ModelDefinition(name: name, provider: provider, upstream: upstream, tokenizer: tokenizer,
                                    contextWindow: contextWindow, maxOutputTokens: maxOutput, capabilities: capabilities,
                                    fallbacks: fallbacks)
        if let node = fields["unsupported_parameters"] {
            model.unsupportedParameters = try unsupportedParameters(node, "\(path).unsupported_parameters")
        }
        if let node = fields["reasoning_switch"] {
            guard case .object(let object) = try json(node, "\(path).reasoning_switch") else {
                throw error(node, "\(path).reasoning_switch", "must be a mapping of request fields, such as {enable_thinking: true}")
            }
            model.reasoningSwitch = object
        }
        if let priceNode = fields["price"] {
            prices.append((model, try price(priceNode, "\(path).price")))
        } else if let listed = catalog.model(named: model.upstream) ?? catalog.model(named: name) {
            model.priceName = listed.id
        } else {
            throw error(node, path, "the built-in catalog has no price for '\(model.upstream)': add price: {currency: USD, input: …, output: …} (per 1M tokens)")
        }
        return model
    }

    /// Reads `price:` through the price book's own parser, so the configuration and the
    /// catalog accept the same figures; its errors are given the key path.
    func price(_ node: Node, _ path: String) throws(ConfigurationError) -> ConfigPrice {
        let json = try jsonValue(node, path)
        do {
            return try JSONDecoder().decode(ConfigPrice.self, from: Data(json.encodedBytes()))
        } catch let failure as PricingError {
            let field = failure.field.map { String($0.dropFirst("price".count)) } ?? ""
            let reason = failure.description.components(separatedBy: ": ").dropFirst(failure.field == nil ? 0 : 1).joined(separator: ": ")
            throw error(node, path + field, reason)
        } catch {
            throw self.error(node, path, "\(error)")
        }
    }

    /// A YAML mapping of scalars as JSON, with `${…}` substituted; figures stay text.
    func jsonValue(_ node: Node, _ path: String) throws(ConfigurationError) -> JSONValue {
        guard let mapping = node.mapping else { throw error(node, path, "must be a mapping") }
        var object = JSONObject()
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, path, "has a key that is not a string") }
            object[name] = .string(try string(value, "\(path).\(name)"))
        }
        return .object(object)
    }

    func routes(_ node: Node, models: [ModelDefinition]) throws(ConfigurationError) -> [RouteDefinition] {
        guard let mapping = node.mapping else { throw error(node, "routes", "must be a mapping") }
        var routes: [RouteDefinition] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, "routes", "has a key that is not a string") }
            let path = "routes.\(name)"
            if models.contains(where: { $0.name == name }) { throw error(key, path, "'\(name)' is already a model's name") }
            let fields = try self.mapping(value, path, allowed: ["policy", "candidates", "weights", "max_price", "unsupported_parameters",
                                                                 "threshold", "premium_share", "classifier",
                                                                 "cache_ttl_seconds", "cache_nondeterministic"])
            let policyNode = try required(fields, "policy", path, in: value)
            let policyText = try string(policyNode, "\(path).policy")
            guard let policy = RouteDefinition.Policy(rawValue: policyText) else {
                throw error(policyNode, "\(path).policy", "'\(policyText)' is not one of: \(RouteDefinition.Policy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var candidates: [String] = []
            for (index, item) in try sequence(try required(fields, "candidates", path, in: value), "\(path).candidates").enumerated() {
                let candidate = try string(item, "\(path).candidates[\(index)]")
                guard models.contains(where: { $0.name == candidate }) else {
                    throw error(item, "\(path).candidates[\(index)]", "no model named '\(candidate)' is defined")
                }
                candidates.append(candidate)
            }
            guard !candidates.isEmpty else { throw error(value, "\(path).candidates", "must name at least one model") }
            var weights: [String: Int] = [:]
            if let node = fields["weights"] {
                guard let mapping = node.mapping else { throw error(node, "\(path).weights", "must be a mapping of candidate to weight") }
                for (key, weight) in mapping {
                    guard let candidate = key.string, candidates.contains(candidate) else {
                        throw error(key, "\(path).weights", "'\(key.string ?? "")' is not one of the route's candidates")
                    }
                    weights[candidate] = try integer(weight, "\(path).weights.\(candidate)", range: 0...1_000_000)
                }
            }
            var maxPrice: Money?
            if let node = fields["max_price"] {
                let text = try string(node, "\(path).max_price")
                let currency = text.split(separator: " ").dropFirst().first.flatMap { Currency(knownCode: String($0)) } ?? .usd
                guard let amount = try? Money(decimal: String(text.split(separator: " ").first ?? ""), currency: currency), amount.nanos >= 0
                else { throw error(node, "\(path).max_price", "'\(text)' is not an amount per 1M tokens such as 2.5 or '2.5 USD'") }
                maxPrice = amount
            }
            let unsupported = try fields["unsupported_parameters"].map { node throws(ConfigurationError) in
                try unsupportedParameters(node, "\(path).unsupported_parameters")
            }
            var route = RouteDefinition(name: name, policy: policy, candidates: candidates, weights: weights, maxPrice: maxPrice,
                                        unsupportedParameters: unsupported)
            for key in ["threshold", "premium_share", "classifier"] where fields[key] != nil && policy != .auto {
                throw error(fields[key], "\(path).\(key)", "applies only to policy: auto")
            }
            if fields["threshold"] != nil, fields["premium_share"] != nil {
                throw error(value, path, "give threshold or premium_share, not both")
            }
            if let node = fields["threshold"] { route.threshold = try fraction(node, "\(path).threshold", allowingZero: true) }
            if let node = fields["premium_share"] { route.premiumShare = try fraction(node, "\(path).premium_share", allowingZero: true) }
            if let node = fields["classifier"] {
                let file = try string(node, "\(path).classifier")
                let resolved = file.hasPrefix("/") ? file : URL(fileURLWithPath: self.file).deletingLastPathComponent().appendingPathComponent(file).path
                do {
                    guard let data = FileManager.default.contents(atPath: resolved) else { throw RoutingDatasetError("cannot read \(resolved)") }
                    route.classifier = try AutoClassifier(json: data)
                } catch {
                    throw self.error(node, "\(path).classifier", "'\(file)' is not a classifier file: \(error)")
                }
            }
            if let node = fields["cache_ttl_seconds"] {
                route.cacheTTL = .seconds(try integer(node, "\(path).cache_ttl_seconds", range: 1...(30 * 86_400)))
            }
            if let node = fields["cache_nondeterministic"] {
                route.cachesNondeterministic = try boolean(node, "\(path).cache_nondeterministic")
            }
            routes.append(route)
        }
        return routes
    }

    func unsupportedParameters(_ node: Node, _ path: String) throws(ConfigurationError) -> UnsupportedParameters {
        let text = try string(node, path)
        guard let value = UnsupportedParameters(rawValue: text) else {
            throw error(node, path, "'\(text)' is not one of: \(UnsupportedParameters.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A YAML value as JSON: mappings, sequences, and scalars as booleans, numbers or strings.
    func json(_ node: Node, _ path: String) throws(ConfigurationError) -> JSONValue {
        if let mapping = node.mapping {
            var object: JSONObject = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw error(key, path, "has a key that is not a string") }
                object[name] = try json(value, "\(path).\(name)")
            }
            return .object(object)
        }
        if let sequence = node.sequence {
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() { items.append(try json(item, "\(path)[\(index)]")) }
            return .array(items)
        }
        if node.scalar?.style == .plain {
            if node.null != nil { return .null }
            if let value = node.bool { return .bool(value) }
            if let value = node.int { return .int(Int64(value)) }
            if let value = node.float { return .double(value) }
        }
        return .string(node.string ?? "")
    }

    func routing(_ node: Node, into settings: inout RoutingSettings) throws(ConfigurationError) {
        let fields = try mapping(node, "routing", allowed: ["retries", "max_attempts", "backoff_ms", "max_backoff_ms",
                                                              "max_retry_after_seconds", "breaker", "affinity_seconds"])
        if let value = fields["affinity_seconds"] {
            settings.affinity = .seconds(try integer(value, "routing.affinity_seconds", range: 0...86_400))
        }
        if let value = fields["retries"] { settings.retry.retriesPerCandidate = try integer(value, "routing.retries", range: 0...10) }
        if let value = fields["max_attempts"] { settings.retry.maxAttempts = try integer(value, "routing.max_attempts", range: 1...20) }
        if let value = fields["backoff_ms"] {
            settings.retry.baseBackoff = .milliseconds(try integer(value, "routing.backoff_ms", range: 0...60_000))
        }
        if let value = fields["max_backoff_ms"] {
            settings.retry.maxBackoff = .milliseconds(try integer(value, "routing.max_backoff_ms", range: 0...600_000))
        }
        if let value = fields["max_retry_after_seconds"] {
            settings.retry.maxRetryAfter = .seconds(try integer(value, "routing.max_retry_after_seconds", range: 0...600))
        }
        if let node = fields["breaker"] {
            let breaker = try mapping(node, "routing.breaker", allowed: ["window_seconds", "minimum_requests", "failure_ratio",
                                                                         "cooldown_seconds"])
            if let value = breaker["window_seconds"] {
                settings.breakers.window = .seconds(try integer(value, "routing.breaker.window_seconds", range: 1...86_400))
            }
            if let value = breaker["minimum_requests"] {
                settings.breakers.minimumRequests = try integer(value, "routing.breaker.minimum_requests", range: 1...1_000_000)
            }
            if let value = breaker["failure_ratio"] {
                let text = try string(value, "routing.breaker.failure_ratio")
                guard let ratio = Double(text), ratio > 0, ratio <= 1 else {
                    throw error(value, "routing.breaker.failure_ratio", "'\(text)' is not a number in (0, 1]")
                }
                settings.breakers.failureRatio = ratio
            }
            if let value = breaker["cooldown_seconds"] {
                settings.breakers.cooldown = .seconds(try integer(value, "routing.breaker.cooldown_seconds", range: 1...86_400))
            }
        }
    }
}
