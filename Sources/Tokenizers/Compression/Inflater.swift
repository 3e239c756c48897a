/// A pure-Swift DEFLATE (RFC 1951) and gzip (RFC 1952) decoder.
///
/// Foundation on Linux has no gzip, and linking zlib would add a system dependency to every
/// machine that runs Tollgate; the vocabularies only need decoding once per process.
struct Inflater: Sendable {
    /// Decodes a gzip member, checking its CRC-32 and length.
    static func gunzip(_ data: [UInt8]) throws(TokenizerError) -> [UInt8] {
        guard data.count >= 18, data[0] == 0x1F, data[1] == 0x8B, data[2] == 8 else {
            throw .corruptResource("not a gzip stream")
        }
        let flags = data[3]
        var offset = 10
        if flags & 4 != 0 {  // FEXTRA
            guard offset + 2 <= data.count else { throw .corruptResource("truncated gzip header") }
            offset += 2 + Int(data[offset]) | Int(data[offset + 1]) << 8
        }
        for flag: UInt8 in [8, 16] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while offset < data.count, data[offset] != 0 { offset += 1 }
            offset += 1
        }
        if flags & 2 != 0 { offset += 2 }  // FHCRC
        guard offset < data.count else { throw .corruptResource("truncated gzip header") }
        var reader = BitReader(data: data, position: offset)
        let output = try inflate(&reader)
        let end = reader.alignedBytePosition
        guard end + 8 <= data.count else { throw .corruptResource("truncated gzip trailer") }
        let crc = UInt32(data[end]) | UInt32(data[end + 1]) << 8 | UInt32(data[end + 2]) << 16 | UInt32(data[end + 3]) << 24
        let size = UInt32(data[end + 4]) | UInt32(data[end + 5]) << 8 | UInt32(data[end + 6]) << 16 | UInt32(data[end + 7]) << 24
        guard crc == CRC32.checksum(output), size == UInt32(truncatingIfNeeded: output.count) else {
            throw .corruptResource("gzip checksum mismatch")
        }
        return output
    }

    static func inflate(_ reader: inout BitReader) throws(TokenizerError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(reader.data.count * 4)
        var last = false
        while !last {
            last = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                try storedBlock(&reader, into: &out)
            case 1:
                try huffmanBlock(&reader, literals: HuffmanTable.fixedLiterals, distances: HuffmanTable.fixedDistances, into: &out)
            case 2:
                let (literals, distances) = try dynamicTables(&reader)
                try huffmanBlock(&reader, literals: literals, distances: distances, into: &out)
            default:
                throw .corruptResource("invalid deflate block type")
            }
        }
        return out
    }

    private static func storedBlock(_ reader: inout BitReader, into out: inout [UInt8]) throws(TokenizerError) {
        var position = reader.alignedBytePosition
        guard position + 4 <= reader.data.count else { throw .corruptResource("truncated stored block") }
        let length = Int(reader.data[position]) | Int(reader.data[position + 1]) << 8
        let complement = Int(reader.data[position + 2]) | Int(reader.data[position + 3]) << 8
        guard length == ~complement & 0xFFFF, position + 4 + length <= reader.data.count else {
            throw .corruptResource("invalid stored block")
        }
        position += 4
        out.append(contentsOf: reader.data[position..<position + length])
        reader = BitReader(data: reader.data, position: position + length)
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order in which code-length code lengths are stored (RFC 1951 §3.2.7).
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static func dynamicTables(_ reader: inout BitReader) throws(TokenizerError) -> (HuffmanTable, HuffmanTable) {
        let literalCount = try reader.bits(5) + 257
        let distanceCount = try reader.bits(5) + 1
        let codeLengthCount = try reader.bits(4) + 4
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[i]] = UInt8(try reader.bits(3)) }
        let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths)
        var lengths: [UInt8] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try codeLengthTable.decode(&reader)
            switch symbol {
            case 0..<16:
                lengths.append(UInt8(symbol))
            case 16:
                guard let previous = lengths.last else { throw .corruptResource("repeat with no previous length") }
                lengths.append(contentsOf: repeatElement(previous, count: 3 + (try reader.bits(2))))
            case 17:
                lengths.append(contentsOf: repeatElement(0, count: 3 + (try reader.bits(3))))
            default:
                lengths.append(contentsOf: repeatElement(0, count: 11 + (try reader.bits(7))))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw .corruptResource("too many code lengths") }
        return (
            try HuffmanTable(lengths: Array(lengths[0..<literalCount])),
            try HuffmanTable(lengths: Array(lengths[literalCount...]))
        )
    }

    private static func huffmanBlock(
        _ reader: inout BitReader, literals: HuffmanTable, distances: HuffmanTable, into out: inout [UInt8]
    ) throws(TokenizerError) {
        while true {
            let symbol = try literals.decode(&reader)
            if symbol < 256 {
                out.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let index = symbol - 257
            guard index < lengthBase.count else { throw .corruptResource("invalid length symbol") }
            let length = lengthBase[index] + (try reader.bits(lengthExtra[index]))
            let distanceSymbol = try distances.decode(&reader)
            guard distanceSymbol < distanceBase.count else { throw .corruptResource("invalid distance symbol") }
            let distance = distanceBase[distanceSymbol] + (try reader.bits(distanceExtra[distanceSymbol]))
            guard distance <= out.count else { throw .corruptResource("distance before start of output") }
            // Byte by byte: a copy may overlap the bytes it produces (distance < length).
            var from = out.count - distance
            for _ in 0..<length {
                out.append(out[from])
                from += 1
            }
        }
    }
}
