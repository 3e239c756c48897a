import PropertyBased
import Testing
@testable import Tokenizers

@Suite struct NormalizationTests {
    /// Scalars NFKC maps on their own (², ª, ¼, no-break space, ﬁ, fullwidth Ａ, ㎏, Ⅻ), ones it
    /// composes or reorders (combining acute and diaeresis, a dot below, Hangul jamo, a kana
    /// voicing mark), letters they attach to, and plain text.
    static let scalars: [Unicode.Scalar] = [
        "\u{B2}", "\u{AA}", "\u{BC}", "\u{A0}", "\u{FB01}", "\u{FF21}", "\u{338F}", "\u{216B}", "\u{2126}", "\u{212B}",
        "\u{301}", "\u{308}", "\u{323}", "\u{1100}", "\u{1161}", "\u{11A8}", "\u{AC00}", "\u{3099}", "\u{304B}",
        "a", "e", "A", " ", "1", "\u{E9}", "\u{1E9B}", "\u{FFFD}", "字",
    ]

    @Test func mappingSingleScalarsOnTheirOwnEqualsNormalizingTheirStretches() async {
        await propertyCheck(count: 2_000, input: Gen<Int>.int(in: 0...(Self.scalars.count - 1)).array(of: 1...12)) { picks in
            var text = String.UnicodeScalarView()
            for pick in picks { text.append(Self.scalars[pick]) }
            let bytes = Array(String(text).utf8)
            let shortcut = bytes.withUnsafeBufferPointer { CompatibilityComposition.normalized($0) }
            let stretches = bytes.withUnsafeBufferPointer { CompatibilityComposition.normalized($0, mappingSingleScalars: false) }
            #expect(shortcut == stretches, "\(picks.map { String(Self.scalars[$0].value, radix: 16) })")
        }
    }

    @Test func commonCompatibilityCharactersAreMappedOnTheirOwn() {
        let singles = CompatibilityComposition.singles
        #expect(singles.mapping(of: 0xB2).map { Array($0) } == Array("2".utf8))
        #expect(singles.mapping(of: 0xBD).map { Array($0) } == Array("1⁄2".utf8))
        #expect(singles.mapping(of: 0xFB01).map { Array($0) } == Array("fi".utf8))
        #expect(singles.mapping(of: 0xA0).map { Array($0) } == Array(" ".utf8))
        // Not on their own: a combining mark, a Hangul vowel (composes with the syllable before),
        // an angstrom sign (its mapping Å is canonical composition's business).
        #expect(singles.mapping(of: 0x301) == nil && singles.mapping(of: 0x1161) == nil && singles.mapping(of: 0x212B) == nil)
        let bytes = Array("x² ½ ﬁ".utf8)
        let normalized = bytes.withUnsafeBufferPointer { CompatibilityComposition.normalized($0) }
        #expect(normalized.map { String(decoding: $0, as: UTF8.self) } == "x2 1⁄2 fi")
    }

    /// A long run of marks out of canonical order (classes 220 and 230 alternating) sorts into
    /// order, and the first acute composes with the letter before the run, as `unicodedata` gives.
    /// (Foundation's normalization took time quadratic in such a run.)
    @Test func aLongRunOfMarksOutOfOrderNormalizesAsTheStandardSays() {
        let text = "a" + String(repeating: "\u{316}\u{301}", count: 3_000)
        let expected = Array(("\u{E1}" + String(repeating: "\u{316}", count: 3_000) + String(repeating: "\u{301}", count: 2_999)).unicodeScalars)
        #expect(Array(CanonicalComposition.normalize(text).unicodeScalars) == expected)
        #expect(Array(CompatibilityComposition.normalize(text).unicodeScalars) == expected)
        // Stable within a class: two different marks of class 230 keep their order.
        let stable = CanonicalComposition.normalize("x\u{301}\u{316}\u{300}")
        #expect(Array(stable.unicodeScalars.map(\.value)) == [0x78, 0x316, 0x301, 0x300])
    }

    /// A long run of marks after a character that decomposes into a mark: in order as written, out
    /// of order once decomposed (the acute of `á` belongs after every U+0316). Foundation's
    /// normalization took a second per 25,000 such marks. The results are `unicodedata`'s.
    @Test func aLongRunOfMarksAfterADecomposingCharacterNormalizesAsTheStandardSays() {
        let marks = String(repeating: "\u{316}", count: 3_000)
        for normalize in [CanonicalComposition.normalize, CompatibilityComposition.normalize] {
            #expect(Array(normalize("\u{E1}" + marks).unicodeScalars) == Array(("\u{E1}" + marks).unicodeScalars))
            // U+0344 decomposes into two marks of class 230; the first composes with x.
            #expect(Array(normalize("x\u{344}" + marks).unicodeScalars) == Array(("\u{1E8D}" + marks + "\u{301}").unicodeScalars))
        }
        // U+1FED is ¨ + grave canonically (which NFC composes back), space + diaeresis + grave under NFKD.
        #expect(Array(CanonicalComposition.normalize("\u{1FED}" + marks).unicodeScalars) == Array(("\u{1FED}" + marks).unicodeScalars))
        #expect(
            Array(CompatibilityComposition.normalize("\u{1FED}" + marks).unicodeScalars)
                == Array((" " + marks + "\u{308}\u{300}").unicodeScalars))
    }
}
