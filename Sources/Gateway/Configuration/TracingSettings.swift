/// Where request traces go: `tracing:` in `tollgate.yaml`. Off unless an endpoint is set here or
/// in the environment (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; the
/// other `OTEL_*` variables apply too).
///
/// ```yaml
/// tracing:
///   endpoint: http://otel-collector:4318   # OTLP over HTTP; /v1/traces is added when no path is given
///   protocol: http/protobuf                # or http/json
///   service_name: tollgate
///   sample_ratio: 1.0                      # the share of new traces kept; a client's sampled trace is always kept
///   headers: {authorization: "Bearer ${OTLP_TOKEN}"}
/// ```
public struct TracingSettings: Sendable, Hashable {
    public var endpoint: String?
    public var json = false
    public var serviceName = "tollgate"
    public var sampleRatio = 1.0
    public var headers: [String: String] = [:]
    /// How long spans wait to be sent in a batch.
    public var batchDelay: Duration = .seconds(5)

    public init() {}

    /// The traces URL: the endpoint with `/v1/traces` when it names no path.
    public var tracesURL: String? {
        guard var endpoint else { return nil }
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        let afterScheme = endpoint.split(separator: "://", maxSplits: 1).last ?? Substring(endpoint)
        return afterScheme.contains("/") ? endpoint : endpoint + "/v1/traces"
    }
}
