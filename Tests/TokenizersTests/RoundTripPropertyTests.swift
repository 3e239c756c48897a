import PropertyBased
import Testing
@testable import Tokenizers

/// Random Unicode: scalars from the whole code space, and from an alphabet of the characters the
/// split patterns treat specially, so both rare and tricky inputs come up.
enum RandomText {
    static let interesting: [String] = [
        " ", "  ", "\t", "\n", "\r\n", "\u{00A0}", "\u{3000}", "\u{2028}", "'", "'s", "'LL", "ſ", "a", "Z", "é", "e\u{301}",
        "\u{301}", "ǅ", "ʰ", "1", "23", "Ⅻ", "²", ".", "!?", "/", "<|endoftext|>", "<｜User｜>", "<think>", "字", "カ", "한",
        "ع", "ש", "ก", "क्ष", "😀", "👨‍👩‍👧", "🇯🇵", "\u{200D}", "\u{FEFF}", "<", "|", ">", "ﬃ", "①",
    ]

    static let scalars = Gen<UInt32>.value(in: 0...0x10FFFF).array(of: 0...40).map { values in
        String(String.UnicodeScalarView(values.compactMap(Unicode.Scalar.init)))
    }

    static let pieces = Gen.element(of: interesting).array(of: 0...30).map { parts in
        parts.compactMap { $0 }.joined()
    }
}

@Suite struct RoundTripPropertyTests {
    /// What each encoding's decode gives back: the text itself, or its normalization where the
    /// encoding normalizes first (Qwen: NFC, claude_legacy: NFKC).
    static func expectedRoundTrip(_ text: String, _ name: EncodingName) -> String {
        switch name {
        case .qwen: CanonicalComposition.normalize(text)
        case .claudeLegacy: CompatibilityComposition.normalize(text)
        default: text
        }
    }

    @Test(arguments: EncodingName.allCases)
    func decodingTheEncodingOfRandomUnicodeGivesTheTextBack(_ name: EncodingName) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        await propertyCheck(count: 150, input: RandomText.scalars, RandomText.pieces) { random, tricky in
            for text in [random, tricky, tricky + random] {
                for allowed in [false, true] {
                    let decoded = try? encoding.decode(encoding.encode(text, allowingSpecialTokens: allowed))
                    #expect(
                        decoded?.unicodeScalars.elementsEqual(Self.expectedRoundTrip(text, name).unicodeScalars) == true,
                        "\(name.rawValue) allowed=\(allowed): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
                }
            }
        }
    }
}
