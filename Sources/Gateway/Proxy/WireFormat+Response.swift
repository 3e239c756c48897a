import Hummingbird
import NIOCore
import NIOFoundationCompat
import Providers

extension WireFormat {
    /// The error as a response in this format: OpenAI's `{"error": {...}}` or Anthropic's
    /// `{"type": "error", ...}`, with its status and `retry-after`.
    func response(for error: GatewayError, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        if let retryAfter = error.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: .init(code: error.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: errorBody(error.wire).encodedBytes())))
    }
}
