import ArgumentParser
import AsyncHTTPClient
import Foundation
import Gateway
import Storage
import Logging
import Metrics
import Prometheus
import Providers
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The address to listen on (default: the config's, else 127.0.0.1).") var host: String?
    @Option(help: "The port to listen on (default: the config's, else 8080).") var port: Int?

    func run() async throws {
        try await reportingFailure {
            let logger = CommandLogging.bootstrap()
            var configuration = try configOptions.load()
            if let host { configuration.host = host }
            if let port { configuration.port = port }
            if configuration.models.isEmpty {
                logger.warning("no models are configured: every request will get 404 (see docs/configuration.md for tollgate.yaml, or run `tollgate demo`)")
            }
            let database = try await databaseOptions.open(logger: logger)
            let host = configuration.host
            try await GatewayRunner.run(configuration: configuration, database: database, logger: logger) { port in
                logger.info("tollgate is listening", metadata: ["address": "http://\(host):\(port)"])
            }
        }
    }
}

/// Runs a gateway's services in one group until SIGTERM or SIGINT, then stops them gracefully.
enum GatewayRunner {
    static func run(configuration: GatewayConfiguration, database: Database, logger: Logger,
                    onListening: @escaping @Sendable (Int) async -> Void) async throws {
        try await withHTTPClient(configuration.upstream) { httpClient in
            let tracing = try TraceExport.make(configuration.tracing, environment: ProcessInfo.processInfo.environment, logger: logger)
            let gateway = Gateway(configuration: configuration, database: database, httpClient: httpClient, logger: logger,
                                  tracer: tracing?.tracer)
            // One gateway per process: metrics reported through swift-metrics (by the libraries
            // underneath) join Tollgate's own at /metrics.
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: gateway.metrics.registry))
            // Provider keys set through the admin API, before the first request needs one.
            try await gateway.providerSecrets.reload()
            if try await gateway.accounts.importCreditFromBeforeTheLedger() > 0 {
                logger.notice("prepaid credit from before the ledger moved onto it")
            }
            // The trace exporter starts first and stops last, after the last request's span.
            let group = ServiceGroup(configuration: .init(
                services: (tracing.map { [$0.service] } ?? []) + gateway.services { channel in
                    await onListening(channel.localAddress?.port ?? configuration.port)
                },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    /// Runs `body` with an HTTP client for upstream calls and shuts the client down after.
    static func withHTTPClient<R>(_ configuration: UpstreamClient.Configuration, _ body: (HTTPClient) async throws -> R) async throws -> R {
        let client = UpstreamClient.makeHTTPClient(configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
