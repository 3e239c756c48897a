import Foundation
import Gateway
import NIOCore
import NIOPosix
import Testing
import TollgateCore

/// Clients that are slow, idle or too many, over raw TCP.
@Suite struct ConnectionLimitTests {
    static func limited(_ adjust: @escaping @Sendable (inout ConnectionLimits) -> Void = { _ in },
                        _ body: @Sendable (GatewayHarness, Int) async throws -> Void) async throws {
        try await GatewayHarness.with(adjust: { configuration in
            var limits = configuration.connectionLimits
            limits.headerTimeout = .seconds(1)
            limits.bodyTimeout = .seconds(3)
            limits.bodyIdleTimeout = .seconds(1)
            limits.idleTimeout = .seconds(5)
            adjust(&limits)
            configuration.connectionLimits = limits
        }) { harness in
            let port = try #require(URL(string: harness.baseURL)?.port)
            try await body(harness, port)
        }
    }

    /// Connects, sends `pieces` with `pause` before each after the first, and returns how long the
    /// connection stayed open and what came back.
    static func trickle(port: Int, _ pieces: [String], pause: Duration) async throws -> (open: Duration, received: String) {
        let clock = ContinuousClock()
        let started = clock.now
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    var received = ""
                    do { for try await chunk in inbound { received += String(buffer: chunk) } } catch {}
                    return received
                }
                group.addTask {
                    for (index, piece) in pieces.enumerated() {
                        if index > 0 { try await Task.sleep(for: pause) }
                        do { try await outbound.write(ByteBuffer(string: piece)) } catch { return nil }
                    }
                    try await Task.sleep(for: .seconds(30))
                    return nil
                }
                var received = ""
                while let result = try await group.next() {
                    if let text = result {
                        received = text
                        break
                    }
                }
                group.cancelAll()
                return (clock.now - started, received)
            }
        }
    }

    @Test func aClientSendingItsHeadersAByteAtATimeIsClosedAtTheHeaderDeadline() async throws {
        try await Self.limited { _, port in
            let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            let (open, _) = try await Self.trickle(port: port, head.map(String.init), pause: .milliseconds(100))
            // Eight seconds of trickling were under way when the one-second deadline closed it.
            #expect(open >= .milliseconds(900) && open < .seconds(6), "\(open)")
        }
    }

    @Test func aBodyThatPausesTooLongOrTakesTooLongEndsTheConnectionAndIsRecordedAsTheClients() async throws {
        try await Self.limited { harness, port in
            let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer \(harness.key)\r\nContent-Length: 200\r\n\r\n"
            // Stops after a few bytes: closed once a second passes with nothing.
            let (paused, _) = try await Self.trickle(port: port, [head, "{\"model\""], pause: .milliseconds(50))
            #expect(paused >= .milliseconds(900) && paused < .seconds(6), "\(paused)")
            // Keeps sending a byte every 400 ms for 8 s: under the idle limit, but the whole body is due in 3 s.
            let (slow, _) = try await Self.trickle(port: port, [head] + Array(repeating: " ", count: 20), pause: .milliseconds(400))
            #expect(slow >= .milliseconds(2900) && slow < .milliseconds(7500), "\(slow)")
            let records = try await harness.records()
            #expect(records.count == 2 && records.allSatisfy { $0.status == 499 }, "\(records.map(\.status))")
        }
    }

    @Test func aKeptAliveConnectionThatSendsNothingIsClosedAndAnActiveOneIsNot() async throws {
        try await Self.limited { _, port in
            let request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
            // Three requests 600 ms apart: each within the deadline of the one before.
            let (open, received) = try await Self.trickle(port: port, [request, request, request], pause: .milliseconds(600))
            #expect(received.components(separatedBy: "HTTP/1.1 200").count == 4, "\(received)")
            #expect(open >= .milliseconds(2000) && open < .seconds(6), "\(open)")
        }
    }

    /// One whole `/health` answer, however it is split into reads.
    static func answer(_ reads: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> String {
        var text = ""
        while !text.hasSuffix("\"ok\"}"), let chunk = try await reads.next() { text += String(buffer: chunk) }
        return text
    }

    @Test func aConnectionOverTheMaximumIsClosedAtOnce() async throws {
        try await Self.limited({ $0.maxConnections = 2; $0.headerTimeout = .seconds(20) }) { _, port in
            let request = ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let connect = {
                try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            }
            let first = try await connect()
            let second = try await connect()
            try await first.executeThenClose { firstIn, firstOut in
                try await second.executeThenClose { secondIn, secondOut in
                    // Both are open and served.
                    var firstAnswers = firstIn.makeAsyncIterator()
                    var secondAnswers = secondIn.makeAsyncIterator()
                    try await firstOut.write(request)
                    try await secondOut.write(request)
                    #expect(try await Self.answer(&firstAnswers).hasPrefix("HTTP/1.1 200"))
                    #expect(try await Self.answer(&secondAnswers).hasPrefix("HTTP/1.1 200"))
                    // A third is closed without an answer, long before any deadline.
                    let (open, received) = try await Self.trickle(port: port, ["GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"], pause: .zero)
                    #expect(received.isEmpty && open < .seconds(10), "\(open) \(received)")
                    // The first two still are.
                    try await firstOut.write(request)
                    #expect(try await Self.answer(&firstAnswers).hasPrefix("HTTP/1.1 200"))
                }
            }
        }
    }
}
