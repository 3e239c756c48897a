import Hummingbird
import NIOCore
import Providers
import TollgateCore

/// Reads a request body under a size limit, refusing an oversized one before it is read whole.
enum RequestBodyReader {
    static func json(_ request: Request, limit: Int) async throws -> JSONValue {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError.tooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.tooLarge(limit: limit)
        }
        guard let value = try? JSONValue(parsing: buffer.readableBytesView) else {
            throw GatewayError.badRequest("The request body is not valid JSON.")
        }
        guard value.objectValue != nil else { throw GatewayError.badRequest("The request body must be a JSON object.") }
        return value
    }
}
