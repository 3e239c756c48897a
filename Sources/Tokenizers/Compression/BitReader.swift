/// Reads a DEFLATE bit stream: least significant bit first, refilled a byte at a time.
struct BitReader: Sendable {
    let data: [UInt8]
    private var position: Int
    private var buffer: UInt64 = 0
    private var count: Int = 0

    init(data: [UInt8], position: Int) {
        self.data = data
        self.position = position
    }

    /// The byte after the last byte consumed, once the partial byte is dropped (for stored blocks
    /// and the gzip trailer).
    var alignedBytePosition: Int { position - count / 8 }

    @inline(__always)
    private mutating func refill() {
        while count <= 56 && position < data.count {
            buffer |= UInt64(data[position]) << UInt64(count)
            position += 1
            count += 8
        }
    }

    /// Up to `width` bits without consuming them; missing bits past the end read as zero.
    @inline(__always)
    mutating func peek(_ width: Int) -> Int {
        if count < width { refill() }
        return Int(buffer & ((1 << UInt64(width)) - 1))
    }

    @inline(__always)
    mutating func consume(_ width: Int) throws(TokenizerError) {
        guard width <= count else { throw .corruptResource("deflate stream ends early") }
        buffer >>= UInt64(width)
        count -= width
    }

    @inline(__always)
    mutating func bits(_ width: Int) throws(TokenizerError) -> Int {
        if width == 0 { return 0 }
        let value = peek(width)
        try consume(width)
        return value
    }
}
