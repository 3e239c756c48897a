import Pricing
import Providers
import Routing
import Tokenizers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the gateway needs to run, from `tollgate.yaml` or built in code (the demo, tests).
public struct GatewayConfiguration: Sendable {
    /// The token that opens `/admin` and the dashboard; no admin API without one.
    public var adminToken: String?
    /// The bearer token `GET /metrics` asks for; open without one (the server listens on
    /// loopback by default).
    public var metricsToken: String?
    /// Seals provider keys set through the admin API (`TOLLGATE_MASTER_KEY`; never in a file).
    public var masterKey: MasterKey?
    /// How often each replica reloads the provider keys set through the admin API.
    public var providerKeyReload: Duration = .seconds(5)
    /// Where to listen. Default `127.0.0.1:8080`.
    public var host: String
    public var port: Int
    /// The largest request body accepted; larger ones get 413 before they are read whole.
    /// Default 32 MiB.
    public var maxRequestBodyBytes: Int
    /// Timeouts and limits for calls to providers.
    public var upstream: UpstreamClient.Configuration
    /// On SIGTERM, how long requests in flight may still run before they are ended
    /// (`server.drain_seconds`). Default 30 s.
    public var drainDeadline: Duration = .seconds(30)
    /// What each client connection may take: head and body deadlines, idle time, head size, count.
    public var connectionLimits = ConnectionLimits()
    /// How many request records are written per database transaction, at most.
    public var recordBatchSize: Int
    public var providers: [Provider]
    public var models: [ModelDefinition]
    /// Names that stand for several models, such as `auto`.
    public var routes: [RouteDefinition]
    /// Every model's prices: the built-in catalog with the configuration's prices laid over it.
    public var prices: PriceBook
    /// Reservations, settlement, budgets' time zone, the session runaway guard.
    public var metering = MeteringConfiguration()
    /// Retries, backoff and circuit breakers for upstream calls (`routing:` in the file).
    public var routing = RoutingSettings()
    /// The response cache's limits and hit price.
    public var cache = CacheSettings()
    /// Where request traces go (`tracing:`); off by default.
    public var tracing = TracingSettings()
    /// How long a stored response (the Responses API's `store`) is kept (`responses.retention_days`).
    /// Default 30 days.
    public var responseRetention: Duration = .seconds(30 * 86_400)
    /// Sell-price lists organizations can be put on (`tollgate orgs create --price-list`).
    public var priceLists: [String: PriceList] = [:]
    /// The prices the configuration sets itself, by model.
    public private(set) var configuredPrices: [(model: ModelDefinition, price: ConfigPrice)] = []

    public init(adminToken: String? = nil, host: String = "127.0.0.1", port: Int = 8080,
                maxRequestBodyBytes: Int = 32 << 20, upstream: UpstreamClient.Configuration = .init(),
                recordBatchSize: Int = 256, providers: [Provider] = [], models: [ModelDefinition] = [], routes: [RouteDefinition] = [],
                prices: PriceBook = PriceBook()) {
        self.adminToken = adminToken
        self.host = host
        self.port = port
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.upstream = upstream
        self.recordBatchSize = recordBatchSize
        self.providers = providers
        self.models = models
        self.routes = routes
        self.prices = prices
    }

    /// Prices `model` at `price`, over whatever the book had for it.
    public mutating func setPrice(_ price: ConfigPrice, for model: ModelDefinition) {
        prices = prices.applying(price, to: model.priceName, provider: model.provider.name)
        configuredPrices.append((model, price))
    }

    /// What `usage` on `model` costs for a request that started at `date`, rounded once.
    public func cost(of usage: BillableUsage, for model: ModelDefinition, at date: Date) throws(PricingError) -> Money {
        try prices.cost(of: usage, for: model.priceName, at: date).total
    }

    /// What `usage` (all cache writes of the default lifetime) costs.
    public func cost(of usage: TokenUsage, for model: ModelDefinition, at date: Date) throws(PricingError) -> Money {
        try cost(of: BillableUsage(tokens: usage), for: model, at: date)
    }

    /// What `usage` on `model` costs `organization`: its price list's price for the model when it
    /// has one, else the provider's price with the list's (or the organization's) markup, rounded
    /// once, half-even.
    public func sellCost(of usage: BillableUsage, for model: ModelDefinition, at date: Date,
                         organization: Organization) throws(PricingError) -> Money {
        let list = organization.priceList.flatMap { priceLists[$0] }
        if let list, let book = list.book, list.prices[model.name] != nil {
            return try book.cost(of: usage, for: model.name, at: date).total
        }
        let cost = try cost(of: usage, for: model, at: date)
        return cost.markedUp(basisPoints: list?.markupBasisPoints ?? organization.markupBasisPoints)
    }

    /// What `usage` on `model` costs `organization` and what it costs at the provider's price, from
    /// one price-book lookup (the sell price is the cost marked up unless a price list prices it).
    public func prices(of usage: BillableUsage, for model: ModelDefinition, at date: Date,
                       organization: Organization) throws(PricingError) -> (sell: Money, cost: Money) {
        let cost = try cost(of: usage, for: model, at: date)
        let list = organization.priceList.flatMap { priceLists[$0] }
        if let list, let book = list.book, list.prices[model.name] != nil {
            return (try book.cost(of: usage, for: model.name, at: date).total, cost)
        }
        return (cost.markedUp(basisPoints: list?.markupBasisPoints ?? organization.markupBasisPoints), cost)
    }

    /// The model's list price per 1M input and per 1M output tokens at `date`, for comparing
    /// models; `nil` when it has none in force.
    public func quote(of model: ModelDefinition, at date: Date) -> ModelQuote? {
        guard let cost = try? prices.cost(of: TokenUsage(input: 1_000_000, output: 1_000_000), for: model.priceName, at: date)
        else { return nil }
        return ModelQuote(input: cost.amount(for: .input), output: cost.amount(for: .output))
    }

    /// The encodings the configuration sets for its models (`tokenizer:`), by model name.
    public var tokenizerOverrides: [String: EncodingName] {
        Dictionary(models.compactMap { model in model.tokenizer.flatMap(EncodingName.init(rawValue:)).map { (model.name, $0) } },
                   uniquingKeysWith: { first, _ in first })
    }

    /// The model a client asked for, by name.
    public func model(named name: String) -> ModelDefinition? {
        models.first { $0.name == name }
    }
}
