import Hummingbird
import NIOCore
import NIOHTTP1
import Providers
import TollgateCore

/// Reads a request body under a size limit, refusing an oversized one before it is read whole.
enum RequestBodyReader {
    static func json(_ request: Request, limit: Int) async throws -> JSONValue {
        let buffer = try await bytes(request, limit: limit)
        guard let value = try? JSONValue(parsing: buffer.readableBytesView) else {
            throw GatewayError.badRequest("The request body is not valid JSON.")
        }
        guard value.objectValue != nil else { throw GatewayError.badRequest("The request body must be a JSON object.") }
        return value
    }

    /// The body's bytes, at most `limit` of them.
    static func bytes(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError.tooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.tooLarge(limit: limit)
        } catch let error as HTTPParserError {
            // The connection ended before the body did: the client hung up mid-body.
            if case .invalidEOFState = error {
                throw GatewayError.clientClosed("The client closed the connection before its request body arrived.")
            }
            throw GatewayError.badRequest("The request body's framing is malformed (chunk sizes, line endings or length).")
        } catch {
            // The client went away before its body arrived: nothing was sent, nothing is charged.
            throw GatewayError.clientClosed("The client closed the connection before its request body arrived: \(error)")
        }
        return buffer
    }
}
