import Testing
import Tokenizers

/// Hand-checked ids from the reference tokenizers, independent of the golden files.
@Suite struct KnownTokenTests {
    @Test func helloWorldHasTheReferenceIdsInEveryEncoding() async throws {
        let expected: [EncodingName: [Int]] = [
            .o200kBase: [24912, 2375], .cl100kBase: [15339, 1917], .qwen: [14990, 1879],
            .deepseekV3: [33310, 2058], .claudeLegacy: [9381, 2253],
        ]
        for (name, ids) in expected {
            let encoding = try await GoldenVectors.store.encoding(name)
            #expect(encoding.encode("hello world") == ids, "\(name.rawValue)")
        }
    }

    @Test func contractionAfterAPrefixScalarIsCaseInsensitiveInO200k() async throws {
        let encoding = try await GoldenVectors.store.encoding(.o200kBase)
        // " don'T" is one pre-token (space prefix, word, contraction 'T): " don" + "'T" as tiktoken gives.
        #expect(encoding.encode(" don'T") == [1700, 51532])
    }

    /// A starter beyond the Basic Multilingual Plane followed by a mark: Foundation composes it as
    /// the scalar of its low 16 bits (U+10041 U+0301 as Á); the references keep both. Found by
    /// `scripts/tokenizer-fuzz.sh`. Ids from tiktoken (qwen, after NFC) and `tokenizers`.
    @Test(arguments: [
        ("\u{E0067}\u{301}", [175, 15675, 100, 53839], [180, 10520, 105, 141, 228]),  // TAG LATIN SMALL LETTER G, acute
        ("x\u{10041}\u{301}y", [87, 123934, 223, 223, 53839, 88], [92, 11050, 228, 228, 141, 228, 93]),  // Linear B
        ("\u{20041}\u{301}", [172, 15675, 223, 53839], [7514, 228, 228, 141, 228]),  // CJK extension B
        ("\u{10418}\u{306}", [123934, 238, 246, 136, 228], [11050, 63548, 141, 233]),  // Deseret (flagged by NFKC)
        ("\u{11103}\u{1161}", [128240, 226, 225, 146679], [12825, 231, 230, 39350, 99]),  // Chakma, Hangul vowel
        ("\u{1D400}\u{301}", [146527, 53839], [54283]),  // NFKC maps 𝐀 to A, which then takes the acute
        ("\u{11099}\u{110BA}", [151264, 248], [12825, 229, 253]),  // a real composition, Kaithi
    ])
    func supplementaryStartersComposeOnlyAsTheReferencesDo(_ text: String, _ qwen: [Int], _ claude: [Int]) async throws {
        #expect(try await GoldenVectors.store.encoding(.qwen).encode(text) == qwen)
        #expect(try await GoldenVectors.store.encoding(.claudeLegacy).encode(text) == claude)
    }

    /// Foundation's compatibility composition reads MAHAJANI SIGN NUKTA (U+11173) as the Hangul
    /// vowel of its low 16 bits, and a Sharada virama (U+111C0) as a trailing consonant; the
    /// reference keeps them apart from a leading consonant (ㄱ maps to one under NFKC).
    @Test(arguments: [
        ("\u{1100}\u{11173}", [35714, 227, 12825, 232, 116]),
        ("\u{3131}\u{11173}", [35714, 227, 12825, 232, 116]),
        ("\u{1100}\u{11173}\u{111C0}", [35714, 227, 12825, 232, 116, 12825, 234, 227]),
    ])
    func supplementaryMarksDoNotComposeAsHangulJamo(_ text: String, _ claude: [Int]) async throws {
        #expect(try await GoldenVectors.store.encoding(.claudeLegacy).encode(text) == claude)
    }

    /// Scalars of Unicode 17 (CJK Extension J, U+0CDC, U+FBCF) split as the references split
    /// unassigned ones; those of 15 and 16 as what they are. Found by `scripts/tokenizer-fuzz.sh`.
    @Test func scalarsNewerThanTheReferencesKnowSplitAsUnassigned() async throws {
        let texts = ["\u{32759}\u{FFFD}s", "\u{32FAD}a", "\u{CDC},a", "\u{FBCF}.a", "x\u{1FAE9}y", "\u{31350}a"]
        let expected: [EncodingName: [[Int]]] = [
            .o200kBase: [[172, 110, 251, 247, 3251, 82], [172, 110, 122, 255, 64], [670, 250, 11, 64], [171, 107, 237, 13, 64], [87, 4103, 104, 102, 88], [172, 109, 235, 238, 64]],
            .cl100kBase: [[172, 110, 251, 247, 5809, 82], [172, 110, 122, 255, 64], [56990, 250, 11, 64], [171, 107, 237, 13, 64], [87, 9468, 104, 102, 88], [172, 109, 235, 238, 64]],
            .qwen: [[172, 110, 251, 247, 5691, 82], [172, 110, 122, 255, 64], [55890, 250, 11, 64], [123836, 237, 13, 64], [87, 9284, 104, 102, 88], [172, 109, 235, 238, 64]],
            .deepseekV3: [[175, 113, 254, 250, 2808, 85], [175, 113, 125, 258, 67], [5240, 253, 28861], [174, 110, 240, 16323], [90, 3574, 107, 105, 91], [175, 112, 238, 241, 67]],
            .claudeLegacy: [[177, 115, 256, 252, 650, 87], [177, 115, 127, 260, 69], [161, 116, 255, 16, 69], [176, 112, 242, 18, 69], [92, 6617, 109, 107, 93], [177, 114, 240, 243, 69]],
        ]
        for (name, ids) in expected {
            let encoding = try await GoldenVectors.store.encoding(name)
            #expect(texts.map { encoding.encode($0) } == ids, "\(name.rawValue)")
        }
    }

    /// Combining marks of Unicode 15 and 16 (Nag Mundari U+1E4EC, Ol Onal U+1E5EE) are unassigned
    /// to the references' normalization tables (Python 3.11's Unicode 14 for qwen, Unicode 9 for
    /// claude_legacy): nothing reorders across them or composes with them.
    @Test func marksNewerThanTheNormalizationTablesStayWhereTheyAre() async throws {
        let texts = ["a\u{1E4EC}\u{301}", "e\u{301}\u{1E5EE}\u{300}x"]
        let qwen = try await GoldenVectors.store.encoding(.qwen)
        #expect(texts.map { qwen.encode($0) } == [[64, 172, 252, 241, 105, 53839], [963, 172, 252, 245, 106, 96549, 87]])
        let claude = try await GoldenVectors.store.encoding(.claudeLegacy)
        #expect(texts.map { claude.encode($0) } == [[69, 25756, 246, 110, 141, 228], [1222, 25756, 250, 111, 141, 227, 92]])
    }
}
