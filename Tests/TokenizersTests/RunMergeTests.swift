import PropertyBased
import Testing
@testable import Tokenizers

@Suite struct RunMergeTests {
    /// Runs of `alphabet`, digits sometimes after a space: random symbols, one symbol repeated,
    /// short patterns repeated, and mixes of those, from a seed.
    static func run(_ alphabet: RunMerge.Alphabet, seed: UInt64, length: Int) -> [UInt8] {
        var random = SplitMix(seed: seed)
        let body: [UInt8] = alphabet == .digits ? Array("0123456789".utf8) : Array(" \t\n\r\u{0B}\u{0C}".utf8)
        // Mostly spaces, tabs and newlines, as in text; the rarer ones now and then.
        let weighted = alphabet == .digits ? body : Array(" \t\n".utf8) + Array(repeating: UInt8(0x20), count: 3) + body
        var bytes: [UInt8] = alphabet == .digits && random.next() % 3 == 0 ? [0x20] : []
        while bytes.count < length {
            let stretch = Int(random.next() % 40) + 1
            switch random.next() % 4 {
            case 0:
                let symbol = weighted[Int(random.next() % UInt64(weighted.count))]
                bytes.append(contentsOf: repeatElement(symbol, count: stretch))
            case 1:
                let pattern = (0...random.next() % 4).map { _ in weighted[Int(random.next() % UInt64(weighted.count))] }
                for k in 0..<stretch { bytes.append(pattern[k % pattern.count]) }
            default:
                for _ in 0..<stretch { bytes.append(weighted[Int(random.next() % UInt64(weighted.count))]) }
            }
        }
        return Array(bytes.prefix(max(length, 2)))
    }

    static let cases = EncodingName.allCases.flatMap { name in RunMerge.Alphabet.allCases.map { (name, $0) } }

    static func merged<R: MergeRule>(_ bytes: [UInt8], _ rule: R, table: RunMerge) -> [UInt32]? {
        var out: [UInt32] = []
        let found = bytes.withUnsafeBufferPointer { table.encode($0, rule: rule, into: &out) }
        return found ? out : nil
    }

    @Test(arguments: cases)
    func runsMergeAsTheNaiveReferenceMergeDoes(_ name: EncodingName, _ alphabet: RunMerge.Alphabet) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        func check<R: MergeRule>(_ rule: R) async {
            guard let table = rule.runMerges.first(where: { $0.alphabet == alphabet }) else {
                Issue.record("\(name) has no \(alphabet) table")
                return
            }
            await propertyCheck(count: 300, input: Gen<UInt64>.value(in: 0...UInt64.max), Gen<Int>.value(in: 2...300)) { seed, length in
                let bytes = Self.run(alphabet, seed: seed, length: length)
                #expect(Self.merged(bytes, rule, table: table) == MergePropertyTests.merged(bytes, rule, bucketed: false), "seed \(seed): \(bytes)")
            }
        }
        switch encoding.rule {
        case .ranked(let rule): await check(rule)
        case .mergeList(let rule): await check(rule)
        }
    }

    /// Long runs go through the table on the encode path: the same tokens as the bucketed merge,
    /// for tables shared by concurrent tasks while they fill the validity bits.
    @Test(arguments: cases)
    func longRunsTakeTheTableAndMatchTheBucketedMergeUnderConcurrency(_ name: EncodingName, _ alphabet: RunMerge.Alphabet) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        func check<R: MergeRule>(_ rule: R) async {
            guard let table = RunMerge(alphabet, tokens: encoding.tokens, rule: rule) else {
                Issue.record("\(name) has no \(alphabet) table")
                return
            }
            let runs = (0..<8).map { Self.run(alphabet, seed: UInt64($0), length: 20_000) }
            let expected = runs.map { MergePropertyTests.merged($0, rule, bucketed: true) }
            await withTaskGroup(of: (Int, [UInt32]?).self) { group in
                for k in 0..<16 {
                    group.addTask { (k % 8, Self.merged(runs[k % 8], rule, table: table)) }
                }
                for await (k, tokens) in group {
                    let same = tokens == expected[k]  // not the 8,000 ids themselves on failure
                    #expect(same, "run \(k)")
                }
            }
            // And through the encode path, with the encoding's own table.
            var out: [UInt32] = []
            runs[0].withUnsafeBufferPointer { BytePairMerge.encode($0, rule: rule, into: &out) }
            let same = out == expected[0]
            #expect(same)
        }
        switch encoding.rule {
        case .ranked(let rule): await check(rule)
        case .mergeList(let rule): await check(rule)
        }
    }

    @Test func digitsAfterAtMostOneLeadingSpaceOrWhitespaceAreCovered() throws {
        var tokens = TokenTable(expectedCount: 256)
        for byte in 0...255 { tokens.insert([UInt8(byte)], id: UInt32(byte)) }
        let digits = try #require(RunMerge(.digits, tokens: tokens, rule: TwoMergeRule(outer: 7)))
        let whitespace = try #require(RunMerge(.whitespace, tokens: tokens, rule: TwoMergeRule(outer: 7)))
        func covers(_ table: RunMerge, _ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer { table.covers($0) } }
        #expect(covers(digits, "0123456789"))
        #expect(covers(digits, " 42"))
        #expect(!covers(digits, "  42"))
        #expect(!covers(digits, "4 2"))
        #expect(!covers(digits, "42a"))
        #expect(!covers(digits, "٤٢"))
        #expect(!covers(digits, ""))
        #expect(covers(whitespace, " \t\n\r\u{0B}\u{0C}  \n"))
        #expect(!covers(whitespace, " \u{A0}"))
        #expect(!covers(whitespace, " 1"))
    }

    /// A vocabulary of digits where `3` + `12` merges before `12` itself is made: its merge tree is
    /// not ordered by priority, so validity cannot be read from the trees and no table is built;
    /// ordered the other way, one is, and it merges as the reference does.
    @Test(arguments: [(3 as UInt32, false), (7, true)])
    func aVocabularyWhoseMergeTreesAreNotOrderedGetsNoTable(_ outer: UInt32, _ built: Bool) {
        var tokens = TokenTable(expectedCount: 258)
        for byte in 0...255 { tokens.insert([UInt8(byte)], id: UInt32(byte)) }
        tokens.insert(Array("12".utf8), id: 256)
        tokens.insert(Array("312".utf8), id: 257)
        let rule = TwoMergeRule(outer: outer)
        let table = RunMerge(.digits, tokens: tokens, rule: rule)
        #expect((table != nil) == built)
        if let table {
            let bytes = Array("3123121231212".utf8)
            #expect(Self.merged(bytes, rule, table: table) == MergePropertyTests.merged(bytes, rule, bucketed: false))
        }
    }
}

/// Bytes are their own ids; `1 2 → 12` at priority 5 (id 256), `3 12 → 312` at `outer` (id 257).
private struct TwoMergeRule: TestMergeRule {
    let outer: UInt32
    func byteID(_ byte: UInt8) -> UInt32 { UInt32(byte) }
    func priority(_ left: UInt32, _ right: UInt32) -> UInt32 {
        switch (left, right) {
        case (0x31, 0x32): 5
        case (0x33, 256): outer
        default: .max
        }
    }
    func mergedID(_ priority: UInt32) -> UInt32 { priority == 5 ? 256 : 257 }
    var priorityBound: Int { 8 }
}
