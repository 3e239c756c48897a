import Providers
import Testing

@Suite struct ServerSentEventParserTests {
    @Test func eventsAreFoundWhateverTheChunking() {
        let wire = "data: {\"a\":1}\n\nevent: message_stop\ndata: one\ndata: two\n\n: comment\ndata: [DONE]\n\n"
        let whole: [ServerSentEvent] = {
            var parser = ServerSentEventParser()
            return parser.feed(Array(wire.utf8))
        }()
        #expect(whole == [ServerSentEvent(data: "{\"a\":1}"), ServerSentEvent(event: "message_stop", data: "one\ntwo"),
                          ServerSentEvent(data: "[DONE]")])
        for size in 1...7 {
            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            let bytes = Array(wire.utf8)
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += parser.feed(bytes[start..<min(start + size, bytes.count)])
            }
            #expect(events == whole, "chunks of \(size)")
            #expect(!parser.hasPartialEvent)
        }
    }

    @Test func crlfAndBareCRLineEndingsAreAccepted() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: x\r\n\r\ndata: y\r\rdata:z\n\n".utf8)).map(\.data) == ["x", "y", "z"])
    }

    @Test func eventsWithEmptyDataAreNotDispatched() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data:\n\nevent: ping\ndata: \n\ndata: x\n\n".utf8)).map(\.data) == ["x"])
    }

    @Test func anEventThatNeverEndsStopsTheParserInsteadOfFillingMemory() {
        var parser = ServerSentEventParser()
        let megabyte = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        _ = parser.feed(Array("data: ".utf8))
        for _ in 0..<9 { _ = parser.feed(megabyte) }
        #expect(parser.overflowed)
        #expect(parser.feed(Array("\n\n".utf8)).isEmpty)
    }

    @Test func anUnfinishedEventIsReportedAsPartial() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: {\"half\":".utf8)).isEmpty)
        #expect(parser.hasPartialEvent)
    }

    @Test func encodingRoundTripsThroughTheParser() {
        let event = ServerSentEvent(event: "content_block_delta", data: "line one\nline two")
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array(event.encoded().utf8)) == [event])
    }
}
