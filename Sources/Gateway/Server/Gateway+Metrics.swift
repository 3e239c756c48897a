import Hummingbird
import NIOCore
import Providers

extension Gateway {
    /// `GET /metrics`: the Prometheus text format; behind `metrics_token` when one is configured.
    func metricsResponse(_ request: Request) -> Response {
        if let token = configuration.metricsToken, ProxyPipeline.bearerToken(request) != token {
            return WireFormats.openAIChat.response(for: .unauthorized("GET /metrics needs the metrics token."))
        }
        let body = metrics.exposition(models: configuration.models, health: health)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
