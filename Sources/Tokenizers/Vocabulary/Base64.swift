/// Standard base64 (with `=` padding), for tiktoken files.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        return table
    }()

    static func decode(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) throws(TokenizerError) {
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text where c != 0x3D {
            let value = values[Int(c)]
            guard value != 0xFF else { throw .corruptResource("invalid base64") }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
    }
}
