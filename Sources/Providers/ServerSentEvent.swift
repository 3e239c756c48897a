/// One Server-Sent Event: the `data:` lines joined by newlines, and the `event:` name if any.
public struct ServerSentEvent: Hashable, Sendable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }

    /// The event in wire form, ending with the blank line that terminates it.
    public func encoded() -> String {
        var text = ""
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        return text + "\n"
    }
}

/// Splits a byte stream into Server-Sent Events as the bytes arrive, whatever the chunking.
///
/// Follows the WHATWG event-stream rules: lines end in LF, CRLF or CR; a blank line dispatches
/// the event unless its data is empty; `:` starts a comment; one space after the field's colon is
/// dropped. An event larger than `maximumEventBytes` stops the parser (`overflowed`), so a peer
/// that never ends a line cannot fill memory.
public struct ServerSentEventParser: Sendable {
    public static let maximumEventBytes = 8 << 20
    /// Set once an event outgrew `maximumEventBytes`; the stream must be abandoned.
    public private(set) var overflowed = false
    private var eventBytes = 0
    private var line: [UInt8] = []
    private var data: [String] = []
    private var hasData = false
    private var event: String?
    private var lastWasCR = false

    public init() {}

    /// Feeds bytes and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        // Contiguous bytes (a ByteBuffer's view, an array) take the concrete loop: the generic one
        // runs unspecialized from other modules, about one allocation a byte.
        if let events = bytes.withContiguousStorageIfAvailable({ buffer in feed(buffer: buffer) }) { return events }
        return Array(bytes).withUnsafeBufferPointer { buffer in feed(buffer: buffer) }
    }

    private mutating func feed(buffer bytes: UnsafeBufferPointer<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        guard !overflowed else { return [] }
        for byte in bytes {
            eventBytes += 1
            if eventBytes > Self.maximumEventBytes {
                overflowed = true
                return events
            }
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                lastWasCR = byte == UInt8(ascii: "\r")
                if let completed = endLine() { events.append(completed) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// Whether bytes of an unfinished event are buffered: a stream that ends here was cut.
    public var hasPartialEvent: Bool { !line.isEmpty || hasData || event != nil }

    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            eventBytes = 0
            let joined = data.joined(separator: "\n")
            defer {
                data.removeAll()
                hasData = false
                event = nil
            }
            // An event with empty data (a bare `data:` heartbeat) is not dispatched.
            return hasData && !joined.isEmpty ? ServerSentEvent(event: event, data: joined) : nil
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "data":
            data.append(String(value))
            hasData = true
        case "event":
            event = String(value)
        default:
            break // id and retry mean nothing to a relay of chat events.
        }
        return nil
    }
}
