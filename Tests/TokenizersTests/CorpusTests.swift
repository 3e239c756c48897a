import Foundation
import Testing
@testable import Tokenizers

/// A multi-megabyte mixed corpus, compared token for token with the reference tokenizers through
/// an FNV-1a hash of each 64 KiB chunk's id sequence (the ids themselves would be too large to commit).
///
/// 20 MB of encoding takes over a minute in a debug build, so this suite runs only with
/// `TOLLGATE_CORPUS_TEST=1`, best in release:
/// `TOLLGATE_CORPUS_TEST=1 swift test -c release -Xswiftc -enable-testing --filter CorpusTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TOLLGATE_CORPUS_TEST"] == "1"))
struct CorpusTests {
    struct Expected: Decodable {
        struct Chunk: Decodable {
            let count: Int
            let fnv1a: String
        }
        let chunk_bytes: Int
        let chunks: [Chunk]
    }

    static let corpus: [UInt8] = (try? Inflater.gunzip(GoldenVectors.resource("corpus.txt.gz"))) ?? []

    /// Cut as the script cuts: every `size` bytes, moved forward to the next character boundary.
    static func chunks(size: Int) -> [String] {
        var result: [String] = []
        var start = 0
        while start < corpus.count {
            var end = min(start + size, corpus.count)
            while end < corpus.count && corpus[end] & 0xC0 == 0x80 { end += 1 }
            result.append(String(decoding: corpus[start..<end], as: UTF8.self))
            start = end
        }
        return result
    }

    static func fnv1a(_ ids: [UInt32]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for id in ids {
            for shift in stride(from: 0, to: 32, by: 8) {
                hash = (hash ^ UInt64((id >> UInt32(shift)) & 0xFF)) &* 0x100_0000_01B3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @Test(arguments: EncodingName.allCases)
    func everyCorpusChunkEncodesToTheReferenceIdSequence(_ name: EncodingName) async throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(GoldenVectors.resource("\(name.rawValue).corpus.json")))
        let chunks = Self.chunks(size: expected.chunk_bytes)
        #expect(Self.corpus.count >= 4_000_000)
        try #require(chunks.count == expected.chunks.count)
        let encoding = try await GoldenVectors.store.encoding(name)
        var differing: [Int] = []
        for (index, chunk) in chunks.enumerated() {
            let ids = encoding.encodeIDs(chunk, allowingSpecialTokens: false)
            if ids.count != expected.chunks[index].count || Self.fnv1a(ids) != expected.chunks[index].fnv1a { differing.append(index) }
        }
        #expect(differing.isEmpty, "\(name.rawValue): chunks \(differing.prefix(10)) differ")
    }
}
