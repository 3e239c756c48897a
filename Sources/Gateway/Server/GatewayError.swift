import Hummingbird
import NIOCore
import NIOFoundationCompat
import Providers
import Routing

/// A refusal or failure the client sees, with the status DESIGN.md assigns to it, rendered in the
/// client's own wire format.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    /// OpenAI's error `type`.
    public let type: String
    /// OpenAI's error `code`, when there is a more precise one.
    public let code: String?
    public let message: String
    public let param: String?
    public var retryAfter: String?

    public init(status: Int, type: String, code: String? = nil, message: String, param: String? = nil, retryAfter: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(type): \(message)" }

    public static func badRequest(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 400, type: "invalid_request_error", message: message, param: param)
    }

    public static func unauthorized(_ message: String) -> GatewayError {
        GatewayError(status: 401, type: "authentication_error", code: "invalid_api_key", message: message)
    }

    /// 402: the payer's funds or a hard budget cannot cover the request (`code` says which).
    public static func paymentRequired(_ message: String, code: String = "insufficient_quota") -> GatewayError {
        GatewayError(status: 402, type: "insufficient_quota", code: code, message: message)
    }

    /// 429: a rate limit or a session's runaway guard; `retryAfter` in whole seconds.
    public static func rateLimited(_ message: String, code: String, retryAfter seconds: Int) -> GatewayError {
        GatewayError(status: 429, type: "rate_limit_error", code: code, message: message, retryAfter: String(max(1, seconds)))
    }

    public static func modelNotAllowed(_ model: String) -> GatewayError {
        GatewayError(status: 403, type: "permission_error", code: "model_not_allowed",
                     message: "This key may not use the model '\(model)'.", param: "model")
    }

    public static func modelNotFound(_ model: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", code: "model_not_found",
                     message: "The model '\(model)' does not exist or is not served by this gateway.", param: "model")
    }

    public static func tooLarge(limit: Int) -> GatewayError {
        GatewayError(status: 413, type: "invalid_request_error", code: "request_too_large",
                     message: "The request body is larger than the limit of \(limit) bytes.")
    }

    /// The client went away mid-request (nginx's 499): recorded as such, never answered.
    public static func clientClosed(_ message: String) -> GatewayError {
        GatewayError(status: 499, type: "invalid_request_error", code: "client_closed_request", message: message)
    }

    public static func notFound(_ message: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", code: "not_found", message: message)
    }

    /// Why no plan could be made, with the status DESIGN.md gives it.
    public static func routing(_ error: RoutingError) -> GatewayError {
        switch error.code {
        case .modelNotFound: .modelNotFound(error.model)
        case .modelNotAllowed: GatewayError(status: 403, type: "permission_error", code: "model_not_allowed", message: error.message, param: "model")
        case .regionNotAllowed: GatewayError(status: 403, type: "permission_error", code: "region_not_allowed", message: error.message, param: "model")
        case .currencyMismatch: GatewayError(status: 403, type: "permission_error", code: "currency_mismatch", message: error.message, param: "model")
        case .unpriced: GatewayError(status: 503, type: "service_unavailable", code: "model_unpriced", message: error.message)
        case .lacksCapability: GatewayError(status: 400, type: "invalid_request_error", code: "model_lacks_capability", message: error.message,
                                            param: "model")
        case .contextExceeded: GatewayError(status: 400, type: "invalid_request_error", code: "context_length_exceeded",
                                            message: error.message, param: "messages")
        case .overPriceCap: GatewayError(status: 400, type: "invalid_request_error", code: "over_price_cap", message: error.message,
                                         param: "model")
        }
    }

    /// The gateway's answer to a provider that failed.
    ///
    /// The provider's own words reach the client only when the request itself was at fault
    /// (400, 422); otherwise they can name the operator's upstream account, limits or key, so the
    /// client gets the provider's name and the kind of failure, and the request record and the
    /// log keep the detail.
    public static func upstream(_ error: UpstreamError) -> GatewayError {
        let clientsFault: Bool = switch error.kind {
        case .status(400), .status(422): true
        default: false
        }
        let detail = clientsFault ? "Provider '\(error.provider)': \(error.detail.prefix(500))" : "Provider '\(error.provider)'."
        switch error.kind {
        case .status(429):
            return GatewayError(status: 429, type: "rate_limit_error", code: "upstream_rate_limited",
                                message: "The provider is rate limiting requests. \(detail)", retryAfter: error.retryAfter ?? "1")
        case .status(400), .status(422):
            return GatewayError(status: 400, type: "invalid_request_error", code: "upstream_rejected_request",
                                message: "The provider rejected the request. \(detail)")
        case .status(503), .status(529):
            return GatewayError(status: 503, type: "service_unavailable", code: "upstream_unavailable",
                                message: "The provider is unavailable. \(detail)", retryAfter: error.retryAfter)
        case .status(504), .timeout:
            return GatewayError(status: 504, type: "timeout", code: "upstream_timeout",
                                message: "The provider did not answer in time. \(detail)")
        case .status(let status):
            return GatewayError(status: 502, type: "upstream_error", code: "upstream_status_\(status)",
                                message: "The provider failed with status \(status). \(detail)")
        case .unreachable:
            return GatewayError(status: 502, type: "upstream_error", code: "upstream_unreachable",
                                message: "The provider could not be reached. \(detail)")
        case .malformed:
            return GatewayError(status: 502, type: "upstream_error", code: "upstream_malformed",
                                message: "The provider sent a malformed response. \(detail)")
        case .truncated:
            return GatewayError(status: 502, type: "upstream_error", code: "upstream_truncated",
                                message: "The provider ended the response early. \(detail)")
        }
    }

    /// The error as every wire format writes it.
    public var wire: WireError { WireError(status: status, type: type, code: code, message: message, param: param) }
}
