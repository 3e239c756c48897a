import Foundation
import Tokenizers

/// `TokenizerThroughput ENCODING LABEL FILE [REPEAT]`: encodes FILE (UTF-8) in 64 KiB chunks on
/// one thread, REPEAT times, and prints one JSON line with the best time. The encoding is loaded
/// before timing starts.
@main
struct TokenizerThroughput {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let name = EncodingName(rawValue: arguments[1]) else {
            FileHandle.standardError.write(Data("usage: TokenizerThroughput ENCODING LABEL FILE [REPEAT]\n".utf8))
            exit(2)
        }
        let label = arguments[2]
        let data = try Data(contentsOf: URL(fileURLWithPath: arguments[3]))
        let repeats = arguments.count > 4 ? Int(arguments[4]) ?? 3 : 3
        let loadStart = ContinuousClock.now
        let encoding = try await EncodingStore().encoding(name)
        let loadTime = ContinuousClock.now - loadStart
        let chunks = chunk([UInt8](data), size: 65_536)
        var best = Duration.seconds(1_000_000)
        var tokens = 0
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            var count = 0
            for text in chunks { count += encoding.count(text) }
            best = min(best, ContinuousClock.now - start)
            tokens = count
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        let load = Double(loadTime.components.seconds) + Double(loadTime.components.attoseconds) / 1e18
        print(#"{"impl": "tollgate", "encoding": "\#(name.rawValue)", "input": "\#(label)", "bytes": \#(data.count), "seconds": \#(seconds), "tokens": \#(tokens), "load_seconds": \#(load)}"#)
    }

    /// Cut every `size` bytes, moved forward to a character boundary (as the Python side does).
    static func chunk(_ bytes: [UInt8], size: Int) -> [String] {
        var result: [String] = []
        var start = 0
        while start < bytes.count {
            var end = min(start + size, bytes.count)
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
            result.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = end
        }
        return result
    }
}
