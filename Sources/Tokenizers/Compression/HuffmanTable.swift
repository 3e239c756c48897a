/// A canonical Huffman code decoded through one flat lookup table indexed by the next
/// `maxLength` stream bits (bit-reversed codes, since DEFLATE packs codes most significant bit first).
struct HuffmanTable: Sendable {
    /// Entry: symbol << 4 | code length; 0 marks a bit pattern no code starts with.
    private let table: [UInt32]
    private let maxLength: Int

    init(lengths: [UInt8]) throws(TokenizerError) {
        let maxLength = Int(lengths.max() ?? 0)
        guard maxLength <= 15 else { throw .corruptResource("huffman code too long") }
        self.maxLength = max(maxLength, 1)
        var lengthCounts = [Int](repeating: 0, count: 16)
        for length in lengths where length > 0 { lengthCounts[Int(length)] += 1 }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for bits in 1...15 {
            code = (code + lengthCounts[bits - 1]) << 1
            nextCode[bits] = code
        }
        var table = [UInt32](repeating: 0, count: 1 << self.maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let bits = Int(length)
            let code = nextCode[bits]
            nextCode[bits] += 1
            guard code < 1 << bits else { throw .corruptResource("over-subscribed huffman code") }
            var reversed = 0
            for i in 0..<bits where code & (1 << i) != 0 { reversed |= 1 << (bits - 1 - i) }
            let entry = UInt32(symbol) << 4 | UInt32(bits)
            var index = reversed
            while index < table.count {
                table[index] = entry
                index += 1 << bits
            }
        }
        self.table = table
    }

    @inline(__always)
    func decode(_ reader: inout BitReader) throws(TokenizerError) -> Int {
        let entry = table[reader.peek(maxLength)]
        guard entry != 0 else { throw .corruptResource("invalid huffman code") }
        try reader.consume(Int(entry & 15))
        return Int(entry >> 4)
    }

    static let fixedLiterals: HuffmanTable = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        // The fixed code is complete and valid by construction (RFC 1951 §3.2.6).
        return try! HuffmanTable(lengths: lengths)
    }()

    static let fixedDistances: HuffmanTable = try! HuffmanTable(lengths: [UInt8](repeating: 5, count: 30))
}
