import PropertyBased
import Testing
@testable import Tokenizers

@Suite struct MergePropertyTests {
    /// Bytes that merge a lot (ASCII letters, spaces, UTF-8 of common scripts) and random ones.
    static let pieces = Gen.element(of: Array("aaabbe tthhe  ing  ll".utf8) + Array("字カ한é😀".utf8) + [0x00, 0xFF, 0x80])
        .array(of: 2...160)
        .map { $0.compactMap { $0 } }

    static func merged<R: MergeRule>(_ bytes: [UInt8], _ rule: R, bucketed: Bool) -> [UInt32] {
        var out: [UInt32] = []
        bytes.withUnsafeBufferPointer { buffer in
            if bucketed {
                BytePairMerge.bucketed(buffer, rule: rule, into: &out)
            } else {
                BytePairMerge.naive(buffer, rule: rule, into: &out)
            }
        }
        return out
    }

    @Test(arguments: EncodingName.allCases)
    func bucketedMergeEqualsTheNaiveReferenceMergeOnRandomPieces(_ name: EncodingName) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        await propertyCheck(count: 300, input: Self.pieces) { bytes in
            guard bytes.count >= 2 else { return }
            switch encoding.rule {
            case .ranked(let rule): #expect(Self.merged(bytes, rule, bucketed: true) == Self.merged(bytes, rule, bucketed: false), "\(bytes)")
            case .mergeList(let rule): #expect(Self.merged(bytes, rule, bucketed: true) == Self.merged(bytes, rule, bucketed: false), "\(bytes)")
            }
        }
    }

    @Test func longPiecesTakeTheBucketedPathAndStillMatchTheReference() async throws {
        let encoding = try await GoldenVectors.store.encoding(.o200kBase)
        guard case .ranked(let rule) = encoding.rule else { Issue.record("o200k is not rank-based"); return }
        let piece = Array(String(repeating: "abcab", count: 100).utf8)
        #expect(piece.count > BytePairMerge.bucketThreshold)
        #expect(Self.merged(piece, rule, bucketed: true) == Self.merged(piece, rule, bucketed: false))
    }
}
