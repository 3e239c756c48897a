import Hummingbird
import NIOCore
import Providers

/// Answers what no route handles — an unknown path, a wrong method, a body the server cannot
/// read — with a JSON error instead of an empty body: Anthropic's shape under `/v1/messages`,
/// OpenAI's elsewhere.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            let status = Int(error.status.code)
            let failure = switch status {
            case 404: GatewayError.notFound("Unknown route: \(request.method) \(request.uri.path).")
            case 405: GatewayError(status: 405, type: "invalid_request_error", code: "method_not_allowed",
                                   message: "\(request.method) is not allowed on \(request.uri.path).")
            case 413: GatewayError(status: 413, type: "invalid_request_error", code: "request_too_large",
                                   message: "The request body is too large.")
            case 400..<500: GatewayError(status: status, type: "invalid_request_error", message: "\(error.status.reasonPhrase).")
            default: GatewayError(status: status, type: "server_error", message: "\(error.status.reasonPhrase).")
            }
            let format = request.uri.path.hasPrefix("/v1/messages") ? WireFormats.anthropicMessages : WireFormats.openAIChat
            return format.response(for: failure)
        }
    }
}
