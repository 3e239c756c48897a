import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import TollgateCore
import Synchronization

/// What a client connection may take: how long it may spend sending a request's head and body,
/// how long it may stay idle, how large its head may be, and how many connections are open at
/// once (`server:` in `tollgate.yaml`).
public struct ConnectionLimits: Sendable, Hashable {
    /// From a connection's opening, or its previous response's end, to the whole head of its next
    /// request: a client sending headers a byte at a time is closed when this passes.
    public var headerTimeout: Duration = .seconds(30)
    /// From a request's head to the end of its body.
    public var bodyTimeout: Duration = .seconds(300)
    /// The longest pause between two pieces of a body.
    public var bodyIdleTimeout: Duration = .seconds(30)
    /// A connection with nothing to read or write for this long is closed (keep-alive included).
    public var idleTimeout: Duration = .seconds(120)
    /// The largest request head (all header fields), and the most header fields.
    public var maxHeaderBytes = 64 << 10
    public var maxHeaderCount = 100
    /// Connections open at once; one more is closed as soon as it opens.
    public var maxConnections = 4096

    public init() {}
}

/// The server's open connections, shared by their handlers.
final class ConnectionCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Enforces `ConnectionLimits`' deadlines on one connection and counts it against the maximum.
/// Sits after the HTTP decoder: it sees each request's head, body and end, and each response's end.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Waiting for a request's head.
        case waiting
        /// Reading a request's body.
        case body
        /// The request is read; its response is being written.
        case responding
    }

    private let limits: ConnectionLimits
    private let open: ConnectionCount
    private var state = State.waiting
    private var counted = false
    private var deadline: Scheduled<Void>?
    private var idle: Scheduled<Void>?

    init(limits: ConnectionLimits, open: ConnectionCount) {
        self.limits = limits
        self.open = open
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context: context)
        context.fireChannelActive()
    }

    private func opened(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        if open.value.wrappingAdd(1, ordering: .relaxed).newValue > limits.maxConnections {
            context.close(promise: nil)
            return
        }
        arm(context: context, after: limits.headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        if counted {
            counted = false
            open.value.wrappingSubtract(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
        if counted {
            counted = false
            open.value.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            state = .body
            arm(context: context, after: limits.bodyTimeout)
            armIdle(context: context)
        case .body:
            armIdle(context: context)
        case .end:
            state = .responding
            cancel()
        }
        context.fireChannelRead(data)
    }

    /// A request head the decoder refused (too large, too many fields, malformed, smuggling-shaped
    /// framing) is answered in JSON — 431 for a head too large, else 400 — and the connection closed.
    /// Errors inside a body reach the request's handler, which answers them.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard state == .waiting, let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let tooLarge = parserError == .headerOverflow
        let message = tooLarge ? "The request head is larger than this server takes (too many or too large header fields)."
            : "The request is not valid HTTP/1.1: \(parserError)."
        let body: JSONValue = ["error": ["message": .string(message), "type": "invalid_request_error",
                                         "code": .string(tooLarge ? "request_header_too_large" : "bad_request")]]
        let bytes = body.encodedBytes()
        var head = HTTPResponse(status: .init(code: tooLarge ? 431 : 400))
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(bytes.count)
        head.headerFields[.connection] = "close"
        cancel()
        state = .responding
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), state == .responding {
            // Keep-alive: the next request's head is due within the header timeout.
            state = .waiting
            arm(context: context, after: limits.headerTimeout)
        }
        context.write(data, promise: promise)
    }

    private func arm(context: ChannelHandlerContext, after timeout: Duration) {
        deadline?.cancel()
        idle?.cancel()
        idle = nil
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                               + timeout.components.attoseconds / 1_000_000_000)) {
            channel.close(promise: nil)
        }
    }

    private func armIdle(context: ChannelHandlerContext) {
        idle?.cancel()
        let channel = context.channel
        let timeout = limits.bodyIdleTimeout
        idle = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                           + timeout.components.attoseconds / 1_000_000_000)) {
            channel.close(promise: nil)
        }
    }

    private func cancel() {
        deadline?.cancel()
        idle?.cancel()
        deadline = nil
        idle = nil
    }
}
