import Testing
@testable import Tokenizers

@Suite struct RememberedCountsTests {
    /// Long texts of every kind the golden vectors hold (code, CJK, emoji, digits, whitespace runs,
    /// special-token look-alikes), joined around `separator`.
    private static func longTexts(_ name: EncodingName, separator: String) throws -> [String] {
        let vectors = try GoldenVectors.vectors(name)
        var texts: [String] = []
        var current = ""
        for vector in vectors.prefix(600) {
            current += vector.text
            if current.utf8.count > 3_000 {
                texts.append(current)
                current = ""
            } else {
                current += separator
            }
        }
        return texts
    }

    @Test(arguments: EncodingName.allCases)
    func countingAgainFromRememberedStretchesGivesWhatEncodingGives(_ name: EncodingName) async throws {
        let plain = try await GoldenVectors.store.encoding(name)
        let remembering = plain.rememberingCounts()
        let separator = ["<|im_start|>", "<|endoftext|>", "<｜User｜>", "<|im_end|>"].first { plain.specialTokenID($0) != nil } ?? "\n\n"
        let texts = try Self.longTexts(name, separator: separator)
        #expect(texts.count >= 5)
        for allowed in [false, true] {
            for text in texts {
                let expected = plain.encode(text, allowingSpecialTokens: allowed).count
                #expect(remembering.count(text, allowingSpecialTokens: allowed) == expected, "first count, \(name.rawValue)")
                #expect(remembering.count(text, allowingSpecialTokens: allowed) == expected, "remembered count, \(name.rawValue)")
            }
        }
        #expect(remembering.segmentCounts!.kept.stretches > 0, "nothing was remembered for \(name.rawValue)")
        // A history that comes back with a turn added: the old stretches are remembered, the new one counted.
        let history = texts.prefix(4).joined(separator: separator)
        let longer = history + separator + texts[4]
        #expect(remembering.count(longer, allowingSpecialTokens: true) == plain.encode(longer, allowingSpecialTokens: true).count)
    }

    @Test func aStretchThatDiffersInOneByteIsCountedAfresh() async throws {
        let plain = try await GoldenVectors.store.encoding(.o200kBase)
        let remembering = plain.rememberingCounts()
        let text = String(repeating: "The ledger settles every token. ", count: 100)
        #expect(remembering.count(text) == plain.count(text))
        for changed in [text.replacingOccurrences(of: "ledger settles", with: "ledger_settles"), text + "!", "x" + text.dropFirst()] {
            #expect(remembering.count(changed) == plain.count(changed))
        }
        #expect(remembering.segmentCounts!.kept.stretches == 4)
    }

    @Test func rememberedStretchesStayWithinTheCapacityTheOldestDroppedFirst() async throws {
        let plain = try await GoldenVectors.store.encoding(.cl100kBase)
        let remembering = plain.rememberingCounts(capacityBytes: 64 * 1_024)
        let texts = (0..<40).map { index in String(repeating: "turn \(index) of the agent's history; ", count: 60) }
        for text in texts { #expect(remembering.count(text) == plain.count(text)) }
        let kept = remembering.segmentCounts!.kept
        #expect(kept.bytes <= 64 * 1_024)
        #expect(kept.stretches >= 20 && kept.stretches < 40)
        // The newest are still there, and every count, remembered or dropped, is still exact.
        for text in texts.reversed() { #expect(remembering.count(text) == plain.count(text)) }
        // A stretch longer than a quarter of the capacity is counted but never kept.
        let long = String(repeating: "a long stretch ", count: 2_000)
        let before = remembering.segmentCounts!.kept.stretches
        #expect(remembering.count(long) == plain.count(long))
        #expect(remembering.segmentCounts!.kept.stretches <= before)
    }
}
