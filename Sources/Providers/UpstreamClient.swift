import AsyncHTTPClient
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends requests to providers over HTTP and hands back their responses as they stream in.
///
/// The body is never buffered whole by the client: `UpstreamResponse.body` yields bytes as the
/// provider sends them, and abandoning it (or cancelling the task) cancels the upstream request.
public struct UpstreamClient: Sendable {
    public struct Configuration: Sendable {
        /// How long to wait for a TCP/TLS connection.
        public var connectTimeout: Duration
        /// The longest silence allowed while waiting for the response head or the next body bytes:
        /// a provider that stalls longer is abandoned.
        public var readTimeout: Duration
        /// The largest non-streamed response body accepted from a provider.
        public var maxResponseBytes: Int

        public init(connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(120),
                    maxResponseBytes: Int = 64 << 20) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public let httpClient: HTTPClient
    public let configuration: Configuration
    /// Managed provider keys, used in place of a provider's configured key when set.
    public let keyring: ProviderKeyring?

    public init(httpClient: HTTPClient, configuration: Configuration = .init(), keyring: ProviderKeyring? = nil) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.keyring = keyring
    }

    /// An HTTP client set up for providers: the connect and read timeouts (the read timeout is
    /// what ends a stream that stalls mid-way), a large connection pool, decompression.
    /// The caller shuts it down.
    public static func makeHTTPClient(_ configuration: Configuration) -> HTTPClient {
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(connect: .init(configuration.connectTimeout), read: .init(configuration.readTimeout))
        settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        // A refused or reset connection fails the call at once, so the next candidate is tried in
        // milliseconds rather than after the whole connect timeout of retried connects.
        settings.connectionPool.retryConnectionEstablishment = false
        settings.decompression = .enabled(limit: .ratio(100))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Posts a JSON body to `path` below the provider's API root.
    ///
    /// - Returns: the response once its head has arrived, whatever its status.
    /// - Throws: `UpstreamError` when no response head arrives.
    public func post(_ path: String, json body: Data, to provider: Provider,
                     headers extraHeaders: [(String, String)] = []) async throws -> UpstreamResponse {
        var request = HTTPClientRequest(url: provider.url(path))
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json, text/event-stream")
        if let apiKey = keyring?.apiKey(for: provider.name) ?? provider.apiKey, !apiKey.isEmpty {
            switch provider.kind {
            case .openai, .openaiResponses: request.headers.add(name: "authorization", value: "Bearer \(apiKey)")
            case .anthropic: request.headers.add(name: "x-api-key", value: apiKey)
            }
        }
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            let response = try await httpClient.execute(request, timeout: .init(configuration.readTimeout + configuration.connectTimeout))
            return UpstreamResponse(provider: provider.name, status: Int(response.status.code),
                                    headers: response.headers, body: response.body,
                                    maxBytes: configuration.maxResponseBytes)
        } catch {
            throw UpstreamError.from(error, provider: provider.name)
        }
    }
}

/// A provider's response: status and headers, and the body as it arrives.
public struct UpstreamResponse: Sendable {
    public let provider: String
    public let status: Int
    public let headers: HTTPHeaders
    public let body: HTTPClientResponse.Body
    let maxBytes: Int

    public var isSuccess: Bool { (200..<300).contains(status) }

    public var isEventStream: Bool {
        headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false
    }

    /// Reads the whole body (for non-streamed responses and error bodies).
    public func collect() async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: maxBytes)
        } catch {
            throw UpstreamError.from(error, provider: provider)
        }
    }

    /// The error this response stands for, when its status is not a success.
    public func error() async -> UpstreamError {
        let text = (try? await collect()).map { String(buffer: $0) } ?? ""
        return UpstreamError(.status(status), provider: provider, detail: text,
                             retryAfter: headers.first(name: "retry-after"))
    }
}

extension UpstreamResponse {
    /// Reads the stream's first bytes: a stream that fails before then can still be retried, since
    /// nothing has reached the client.
    public func openStream() async throws -> UpstreamStream {
        var iterator = body.makeAsyncIterator()
        let first: ByteBuffer?
        do {
            first = try await iterator.next()
        } catch {
            throw UpstreamError.from(error, provider: provider)
        }
        guard let first else {
            throw UpstreamError(.truncated, provider: provider, detail: "the stream ended before its first event")
        }
        return UpstreamStream(provider: provider, first: first, iterator: iterator)
    }
}

/// A provider's event stream whose first bytes have arrived.
///
/// `@unchecked`: the HTTP client's body iterator is not `Sendable` because two tasks must not
/// iterate it at once. An `UpstreamStream` is handed over whole from the task that opened it to
/// the one that relays it (the response body), and only that one reads it.
public struct UpstreamStream: @unchecked Sendable {
    public let provider: String
    /// The first bytes, read before the client was answered.
    public let first: ByteBuffer
    /// The live body, or `nil` once the stream is held whole in `buffered`.
    private var iterator: HTTPClientResponse.Body.AsyncIterator?
    private var buffered: [ByteBuffer] = []

    init(provider: String, first: ByteBuffer, iterator: HTTPClientResponse.Body.AsyncIterator) {
        self.provider = provider
        self.first = first
        self.iterator = iterator
    }

    /// A stream already read whole, replayed part by part.
    public init(provider: String, parts: [ByteBuffer]) {
        self.provider = provider
        first = parts.first ?? ByteBuffer()
        buffered = Array(parts.dropFirst().reversed())
    }

    /// The bytes after the first, as they arrive; `nil` at the end.
    public mutating func next() async throws -> ByteBuffer? {
        guard iterator != nil else { return buffered.popLast() }
        do {
            return try await iterator!.next()
        } catch {
            throw UpstreamError.from(error, provider: provider)
        }
    }

    /// The whole stream read into memory, to be checked before any of it is relayed (a cascade).
    /// - Throws: `UpstreamError` when the stream fails or is larger than `limit` bytes.
    public mutating func readWhole(limit: Int) async throws -> [ByteBuffer] {
        var parts = [first]
        var size = first.readableBytes
        while let part = try await next() {
            size += part.readableBytes
            guard size <= limit else { throw UpstreamError(.malformed, provider: provider, detail: "a stream to check is over \(limit) bytes") }
            parts.append(part)
        }
        return parts
    }
}

extension UpstreamError {
    /// Classifies a transport error from the HTTP client.
    public static func from(_ error: any Error, provider: String) -> UpstreamError {
        if let upstream = error as? UpstreamError { return upstream }
        if error is CancellationError { return UpstreamError(.truncated, provider: provider, detail: "cancelled") }
        if let client = error as? HTTPClientError {
            switch client {
            case .readTimeout, .deadlineExceeded, .connectTimeout:
                return UpstreamError(.timeout, provider: provider, detail: "\(client)")
            case .remoteConnectionClosed, .cancelled:
                return UpstreamError(.truncated, provider: provider, detail: "\(client)")
            default:
                break
            }
        }
        if error is NIOTooManyBytesError {
            return UpstreamError(.malformed, provider: provider, detail: "response body over the size limit")
        }
        return UpstreamError(.unreachable, provider: provider, detail: "\(error)")
    }
}
