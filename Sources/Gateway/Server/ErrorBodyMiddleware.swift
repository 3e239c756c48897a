import Hummingbird
import NIOCore
import Providers

/// Answers what no route handles — an unknown path, a wrong method, a body the server cannot
/// read — with a JSON error instead of an empty body: Anthropic's shape under `/v1/messages`,
/// OpenAI's elsewhere. A wrong method on a documented path is 405 with `Allow`.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            var status = Int(error.status.code)
            // The router says 404 for a known path asked with another method; the document knows better.
            let allowed = status == 404 ? OpenAPIDocument.methods(allowedOn: request.uri.path)
                .flatMap { $0.contains(request.method.rawValue) ? nil : $0 } : nil
            if allowed != nil { status = 405 }
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
            var response = format.response(for: failure)
            if let allowed { response.headers[.allow] = allowed.joined(separator: ", ") }
            return response
        }
    }
}
