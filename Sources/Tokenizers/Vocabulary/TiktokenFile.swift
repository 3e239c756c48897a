/// Parses a `.tiktoken` file: one `BASE64-BYTES RANK` line per token, the rank being its id.
enum TiktokenFile {
    static func parse(_ data: [UInt8]) throws(TokenizerError) -> (tokens: TokenTable, byteIDs: [UInt32]) {
        var tokens = TokenTable(expectedCount: data.count / 12)
        var byteIDs = [UInt32](repeating: UInt32.max, count: 256)
        var lineStart = 0
        var decoded: [UInt8] = []
        decoded.reserveCapacity(256)
        while lineStart < data.count {
            var lineEnd = lineStart
            while lineEnd < data.count && data[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            guard lineEnd > lineStart else { continue }
            var space = lineStart
            while space < lineEnd && data[space] != 0x20 { space += 1 }
            guard space < lineEnd else { throw .corruptResource("tiktoken line without rank") }
            var rank: UInt32 = 0
            for k in (space + 1)..<lineEnd where data[k] != 0x0D {
                guard (0x30...0x39).contains(data[k]) else { throw .corruptResource("tiktoken rank is not a number") }
                rank = rank &* 10 &+ UInt32(data[k] - 0x30)
            }
            decoded.removeAll(keepingCapacity: true)
            try Base64.decode(data[lineStart..<space], into: &decoded)
            tokens.insert(decoded, id: rank)
            if decoded.count == 1 { byteIDs[Int(decoded[0])] = rank }
        }
        guard !byteIDs.contains(UInt32.max) else { throw .corruptResource("tiktoken file lacks a single-byte token") }
        return (tokens, byteIDs)
    }
}
