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

    /// A piece mixing text the vocabularies cut often (random letters, random bytes, symbols) with
    /// text they rarely cut (digits, one repeated letter, words), from a seed.
    static func cuttablePiece(seed: UInt64) -> [UInt8] {
        var random = SplitMix(seed: seed)
        let alphabets: [[UInt8]] = [
            Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".utf8), Array(0...255), Array("0123456789".utf8),
            Array("aaaa the ing ��字カ!?".utf8),
        ]
        var bytes: [UInt8] = []
        for _ in 0...random.next() % 8 {
            let alphabet = alphabets[Int(random.next() % 4)]
            for _ in 0...random.next() % 40 { bytes.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
        }
        return bytes
    }

    @Test(arguments: EncodingName.allCases)
    func mergingTheSegmentsBetweenCutsEqualsMergingTheWholePiece(_ name: EncodingName) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        func check<R: MergeRule>(_ rule: R) async {
            await propertyCheck(count: 400, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
                let bytes = Self.cuttablePiece(seed: seed)
                guard bytes.count >= 2 else { return }
                var segmented: [UInt32] = []
                bytes.withUnsafeBufferPointer { BytePairMerge.segmented($0, rule: rule, into: &segmented) }
                #expect(segmented == Self.merged(bytes, rule, bucketed: false), "seed \(seed): \(bytes)")
            }
        }
        switch encoding.rule {
        case .ranked(let rule): await check(rule)
        case .mergeList(let rule): await check(rule)
        }
    }

    @Test func randomLettersAreCutIntoShortSegmentsAndDigitsAreNot() async throws {
        let encoding = try await GoldenVectors.store.encoding(.cl100kBase)
        guard case .ranked(let rule) = encoding.rule else { Issue.record("cl100k is not rank-based"); return }
        func cuts(_ text: String) -> Int {
            let bytes = Array(text.utf8)
            return (1..<bytes.count).filter { !rule.joined(bytes[$0 - 1], bytes[$0]) }.count
        }
        var random = SplitMix(seed: 42)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ")
        let letters = String((0..<10_000).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        #expect(cuts(letters) > 500)
        #expect(cuts(String(repeating: "1234567890", count: 1000)) == 0)
    }

    @Test func longPiecesTakeTheBucketedPathAndStillMatchTheReference() async throws {
        let encoding = try await GoldenVectors.store.encoding(.o200kBase)
        guard case .ranked(let rule) = encoding.rule else { Issue.record("o200k is not rank-based"); return }
        let piece = Array(String(repeating: "abcab", count: 100).utf8)
        #expect(piece.count > BytePairMerge.bucketThreshold)
        #expect(Self.merged(piece, rule, bucketed: true) == Self.merged(piece, rule, bucketed: false))
    }
}

/// What the test rules share: any bytes may join (no cuts), no whole-piece shortcut, and byte
/// pairs looked up through their ids.
protocol TestMergeRule: MergeRule {}

extension TestMergeRule {
    func priority(bytes left: UInt8, _ right: UInt8) -> UInt32 { priority(byteID(left), byteID(right)) }
    func joined(_ left: UInt8, _ right: UInt8) -> Bool { true }
    func joined(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool { true }
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? { nil }
}

/// An arbitrary merge rule over a four-letter alphabet: random pairs, random (even repeated)
/// priorities, so merges often create pairs that must go before the bucket being processed —
/// orders no trained vocabulary is guaranteed to avoid. As in real vocabularies, one priority
/// makes one token, which several pairs may share (tiktoken's splits of one token).
struct RandomMergeRule: TestMergeRule {
    let table: [UInt64: UInt32]
    let merged: [UInt32]

    init(seed: UInt64) {
        var random = SplitMix(seed: seed)
        func next() -> UInt64 { random.next() }
        var table: [UInt64: UInt32] = [:]
        var merged = [UInt32](repeating: .max, count: 40)
        var tokenCount: UInt32 = 4
        for _ in 0..<60 {
            let left = next() % UInt64(tokenCount)
            let right = next() % UInt64(tokenCount)
            let key = left << 32 | right
            guard table[key] == nil else { continue }
            let priority = Int(next() % 40)
            if merged[priority] == .max {
                merged[priority] = tokenCount
                tokenCount += 1
            }
            table[key] = UInt32(priority)
        }
        self.table = table
        self.merged = merged
    }

    func byteID(_ byte: UInt8) -> UInt32 { UInt32(byte % 4) }

    func priority(_ left: UInt32, _ right: UInt32) -> UInt32 { table[UInt64(left) << 32 | UInt64(right)] ?? .max }

    func mergedID(_ priority: UInt32) -> UInt32 { merged[Int(priority)] }

    var priorityBound: Int { 40 }
}

extension MergePropertyTests {
    @Test func bucketedMergeEqualsTheNaiveMergeUnderArbitraryMergeOrders() async {
        await propertyCheck(count: 400, input: Gen<UInt64>.value(in: 0...UInt64.max), Gen<UInt8>.value(in: 0...3).array(of: 2...120)) {
            seed, bytes in
            let rule = RandomMergeRule(seed: seed)
            #expect(Self.merged(bytes, rule, bucketed: true) == Self.merged(bytes, rule, bucketed: false), "seed \(seed): \(bytes)")
        }
    }
}

/// SplitMix64: a small seeded generator, so a failing case is reproduced from its seed.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Two rules where a merge makes a pair that must go before the rest of its bucket, on every
/// repetition: `a b → X` (priority 5), `c X → Y` (priority 3). Merging "cab" repeated returns the
/// rest of the bucket once per repetition.
struct ReturningMergeRule: TestMergeRule {
    func byteID(_ byte: UInt8) -> UInt32 { UInt32(byte &- UInt8(ascii: "a")) }  // a b c → 0 1 2; X 3, Y 4
    func priority(_ left: UInt32, _ right: UInt32) -> UInt32 {
        switch (left, right) {
        case (0, 1): 5
        case (2, 3): 3
        default: .max
        }
    }
    func mergedID(_ priority: UInt32) -> UInt32 { priority == 5 ? 3 : 4 }
    var priorityBound: Int { 6 }
}

extension MergePropertyTests {
    /// Each return puts the rest of a bucket back; that must not grow the entries without bound
    /// (it overflowed them, quadratically, before they were reused).
    @Test(arguments: [1, 20, 25, 200])
    func returningTheRestOfABucketOverAndOverStillMatchesTheReference(_ repetitions: Int) {
        let bytes = Array(String(repeating: "cab", count: repetitions).utf8)
        let rule = ReturningMergeRule()
        #expect(Self.merged(bytes, rule, bucketed: true) == Self.merged(bytes, rule, bucketed: false))
        #expect(Self.merged(bytes, rule, bucketed: false) == [UInt32](repeating: 4, count: repetitions))
    }
}
