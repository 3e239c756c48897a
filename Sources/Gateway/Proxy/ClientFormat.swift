import Hummingbird
import NIOCore
import NIOFoundationCompat
import Providers

/// The wire format a client speaks: it decides how its request is read and how every answer and
/// error is written back to it.
public enum ClientFormat: Sendable, Hashable {
    /// OpenAI Chat Completions, `POST /v1/chat/completions`.
    case openai
    /// Anthropic Messages, `POST /v1/messages`.
    case anthropic

    /// The provider kind that speaks this format, so a request needs no translation.
    var nativeKind: Provider.Kind {
        switch self {
        case .openai: .openai
        case .anthropic: .anthropic
        }
    }

    /// The request in Tollgate's chat form, when it parses as one (what is counted and routed by).
    func chatRequest(_ body: JSONValue) -> ChatRequest? {
        switch self {
        case .openai: try? OpenAIChatFormat.request(from: body, strict: false)
        case .anthropic: try? AnthropicMessagesFormat.request(from: body, strict: false)
        }
    }

    /// The error in this format: OpenAI's `{"error": {...}}` or Anthropic's `{"type": "error", ...}`.
    func errorBody(_ error: GatewayError) -> JSONValue {
        switch self {
        case .openai: error.openAIBody
        case .anthropic: ["type": "error", "error": ["type": .string(error.anthropicType), "message": .string(error.message)]]
        }
    }

    func response(for error: GatewayError, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        if let retryAfter = error.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: .init(code: error.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: errorBody(error).encodedBytes())))
    }
}

extension GatewayError {
    /// Anthropic's error `type` for the status.
    var anthropicType: String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        default: "api_error"
        }
    }
}
