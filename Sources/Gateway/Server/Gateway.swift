import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import Providers
import Routing
import ServiceLifecycle
import Storage
import Tokenizers
import TollgateCore
import Tracing

/// The gateway assembled: its stores, its upstream client, its routes and its services.
///
/// The composition root (`tollgate serve`, `tollgate demo`, tests) builds one and runs
/// `services` in one `ServiceGroup`; they start in order and stop in reverse, so on shutdown the
/// HTTP server drains in-flight requests first, then the record writer flushes, then the database
/// closes.
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let database: Database
    public let accounts: AccountStore
    public let requestRecords: RequestRecordStore
    public let recordWriter: RequestRecordWriter
    public let budgets: BudgetStore
    /// Posts budget alerts when spending passes a threshold.
    public let alerts: BudgetAlerts
    /// Releases reservations past their timeout and expired funds, at start-up and then every 10 s.
    public let expiry: ExpiryService
    public let upstream: UpstreamClient
    /// Provider keys set through the admin API, sealed in the database.
    public let providerSecrets: ProviderSecretStore
    /// Every tokenizer, loaded once on first use, shared by all requests.
    public let encodings: EncodingStore
    /// Prometheus metrics, fed by every request's outcome.
    public let metrics: GatewayMetrics
    /// OpenTelemetry spans of requests and their upstream attempts, when a tracer is given.
    public let tracing: RequestTracing
    /// Responses kept for the Responses API's conversation state.
    public let responses: ResponseStore
    /// Circuit breakers and latency averages, shared by every request.
    public let health: RouteHealth
    /// Answers kept for requests that ask for caching.
    let responseCache: ResponseCache
    /// The model each agent session (or long shared prefix) last went to.
    public let affinity: PromptAffinity
    /// Who is signed in to the dashboard.
    public let dashboardSessions: DashboardSessions
    /// Where gateway logic reads the time.
    public let clock: any TimeSource
    /// Reservation and settlement on the ledger, or off.
    let metering: Metering
    let limiter: RateLimiter
    /// Shares rate-limit windows with the other replicas on the same database.
    let rateSharing: RateSharing
    let logger: Logger

    /// - Parameter encodings: the tokenizers to share (default: a new store for this gateway).
    /// - Parameter clock: where the request path reads the time (default: the system's).
    /// - Parameter tracer: where request spans go (default: none, tracing off).
    public init(configuration: GatewayConfiguration, database: Database, httpClient: HTTPClient, logger: Logger,
                encodings: EncodingStore? = nil, clock: any TimeSource = SystemTimeSource(), tracer: (any Tracer)? = nil) {
        self.configuration = configuration
        self.clock = clock
        self.dashboardSessions = DashboardSessions(clock: clock)
        self.health = RouteHealth(clock: clock, breakers: configuration.routing.breakers)
        self.database = database
        self.accounts = AccountStore(database: database, clock: clock)
        self.requestRecords = RequestRecordStore(database: database)
        self.metrics = GatewayMetrics(routes: configuration.routes)
        self.tracing = RequestTracing(tracer: tracer)
        self.responses = ResponseStore(database: database, clock: clock, retention: configuration.responseRetention)
        self.responseCache = ResponseCache(database: database, settings: configuration.cache, clock: clock, logger: logger)
        self.affinity = PromptAffinity(idle: configuration.routing.affinity, clock: clock)
        let alerts = BudgetAlerts(database: database, ledger: accounts.ledger, httpClient: httpClient,
                                  secret: configuration.metering.alertSecret, retryDelay: configuration.metering.alertRetryDelay,
                                  clock: clock, logger: logger)
        self.alerts = alerts
        let budgets = BudgetStore(database: database, clock: clock)
        self.budgets = budgets
        let metering: Metering = configuration.metering.enabled
            ? .on(Meter(chart: accounts.chart, commit: GroupCommit(store: accounts.ledger), budgets: budgets,
                        calendar: BudgetCalendar(timeZone: configuration.metering.timeZone),
                        reservationTimeout: configuration.metering.reservationTimeout,
                        escrow: configuration.metering.escrow ? Escrow.Settings() : nil, clock: clock, logger: logger),
                  ledger: accounts.ledger)
            : .off
        self.metering = metering
        self.recordWriter = RequestRecordWriter(store: requestRecords, metering: metering, batchSize: configuration.recordBatchSize,
                                                onSettled: { alerts.settled($0) }, logger: logger)
        self.limiter = RateLimiter(clock: clock)
        self.rateSharing = RateSharing(database: database, limiter: limiter, clock: clock, logger: logger)
        self.expiry = ExpiryService(store: accounts.ledger, logger: logger) { LedgerChart.breakage($0.unit) }
        let keyring = ProviderKeyring()
        self.providerSecrets = ProviderSecretStore(database: database, masterKey: configuration.masterKey, keyring: keyring,
                                                   providers: configuration.providers, clock: clock, logger: logger)
        self.upstream = UpstreamClient(httpClient: httpClient, configuration: configuration.upstream, keyring: keyring)
        self.encodings = encodings ?? EncodingStore(registry: EncodingRegistry(overrides: configuration.tokenizerOverrides), remembersCounts: true)
        self.logger = logger
    }

    /// The HTTP routes: the client API, health and the admin API.
    public func router() -> Router<BasicRequestContext> {
        // HEAD wherever GET: a load balancer's health check may use it.
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorBodyMiddleware())
        let counter = TokenCounter(store: encodings)
        let sinks = OutcomeSinks(records: recordWriter, health: health, metrics: metrics, tracing: tracing, logger: logger)
        let proxy = ProxyPipeline(configuration: configuration, accounts: accounts, metering: metering, limiter: limiter,
                                  inFlight: InFlightLimiter(), upstream: upstream,
                                  counter: counter, records: recordWriter,
                                  idempotency: IdempotencyStore(database: database, clock: clock),
                                  planner: RoutePlanner(models: configuration.models, routes: configuration.routes, health: health),
                                  attempts: AttemptStage(upstream: upstream, health: health, retry: configuration.routing.retry,
                                                         tracing: tracing, logger: logger),
                                  cascade: CascadeStage(counter: counter, sinks: sinks, clock: clock,
                                                        streamLimit: configuration.upstream.maxResponseBytes),
                                  cache: CacheStage(cache: responseCache, settings: configuration.cache, logger: logger),
                                  affinity: affinity, sinks: sinks, responses: responses, clock: clock,
                                  logger: logger)
        router.post("/v1/chat/completions") { request, _ in await proxy.handle(request, format: WireFormats.openAIChat) }
        router.post("/v1/messages") { request, _ in await proxy.handle(request, format: WireFormats.anthropicMessages) }
        router.post("/v1/responses") { request, _ in await proxy.handle(request, format: WireFormats.openAIResponses) }
        registerResponses(on: router, proxy: proxy)
        router.post("/v1/embeddings") { request, _ in await proxy.handle(request, format: WireFormats.openAIEmbeddings) }
        router.post("/v1/messages/count_tokens") { request, _ in await proxy.countTokens(request) }
        router.get("/v1/models") { request, _ in await self.models(request) }
        // A model's name may hold '/' (`meta-llama/llama-3.3-70b`), sent as is or as %2F.
        router.get("/v1/models/**") { request, context in
            await self.model(request, id: Dashboard.pathParameter(context.parameters.getCatchAll().joined(separator: "/")))
        }
        router.get("/metrics") { request, _ in await self.metricsResponse(request) }
        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("/ready") { _, _ in await self.readiness() }
        router.get("/openapi.json") { _, _ in OpenAPIDocument.response() }
        AdminAPI(gateway: self).register(on: router)
        Dashboard(gateway: self).register(on: router)
        return router
    }

    /// The HTTP server, as a service.
    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        let limits = configuration.connectionLimits
        let open = ConnectionCount()
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionDeadlineHandler(limits: limits, open: open)],
            idleTimeout: .nanoseconds(Int64(limits.idleTimeout.components.seconds) * 1_000_000_000),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                                            maxHeaderFieldCount: limits.maxHeaderCount))
        return Application(router: router(), server: .http1(configuration: http1),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tollgate"),
                           onServerRunning: onServerRunning, logger: logger)
    }

    /// Every long-running part in start order: database, ledger expiry, budget alerts, record
    /// writer, escrow, rate-limit sharing, HTTP server.
    ///
    /// The expiry service's first sweep is the crash recovery: reservations left pending by a
    /// process that died are released once their timeout has passed. (A request's settlement and
    /// its record commit in one transaction, so no request is ever recorded and left unsettled.)
    public func services(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> [any Service] {
        var services: [any Service] = [DatabaseService(database: database)]
        if configuration.metering.enabled { services += [expiry, alerts] }
        services.append(recordWriter)
        // Stopped before the record writer flushes: it returns the free slices once no request is left to carve one.
        if let escrow = metering.meter?.escrow { services.append(EscrowSweeper(escrow: escrow)) }
        return services + [rateSharing, ProviderSecretReloader(store: providerSecrets, interval: configuration.providerKeyReload),
                           ResponseExpiry(store: responses, interval: .seconds(600), logger: logger),
                           DrainingServer(server: application(onServerRunning: onServerRunning), deadline: configuration.drainDeadline,
                                          logger: logger)]
    }
}
