import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Request traces sent over OTLP/HTTP by swift-otel, in batches, from a service that runs beside the
/// gateway's and sends what is left when it stops.
public enum TraceExport {
    /// The tracer and its exporting service, or `nil` when tracing is off (no endpoint in the
    /// settings or the environment).
    public static func make(_ settings: TracingSettings, environment: [String: String],
                            logger: Logger) throws -> (tracer: any Tracer, service: any Service)? {
        let fromEnvironment = environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil
        guard settings.endpoint != nil || fromEnvironment else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.propagators = [.traceContext]
        configuration.diagnosticLogger = .custom(logger)
        if let url = settings.tracesURL { configuration.traces.otlpExporter.endpoint = url }
        configuration.traces.otlpExporter.protocol = settings.json ? .httpJSON : .httpProtobuf
        configuration.traces.otlpExporter.headers = settings.headers.sorted { $0.key < $1.key }
        if let sampler = OTel.Configuration.TracesConfiguration.SamplerConfiguration.parentBasedTraceIDRatio(ratio: settings.sampleRatio) {
            configuration.traces.sampler = sampler
        }
        configuration.traces.batchSpanProcessor.scheduleDelay = settings.batchDelay
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return (backend.factory, backend.service)
    }
}
