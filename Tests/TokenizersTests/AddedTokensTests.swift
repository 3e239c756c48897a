import PropertyBased
import Testing
@testable import Tokenizers

@Suite struct AddedTokensTests {
    /// Leftmost-longest by brute force: at each position the longest token of the wanted kind.
    static func naiveMatches(_ tokens: [AddedTokens.Token], in bytes: [UInt8], normalized: Bool, allowSpecial: Bool) -> [(Range<Int>, UInt32?)] {
        var result: [(Range<Int>, UInt32?)] = []
        var position = 0
        while position < bytes.count {
            var best: (length: Int, token: AddedTokens.Token)? = nil
            for token in tokens where token.normalized == normalized && !token.content.isEmpty {
                let end = position + token.content.count
                guard end <= bytes.count, Array(bytes[position..<end]) == token.content else { continue }
                if token.content.count > (best?.length ?? 0) { best = (token.content.count, token) }
            }
            if let best {
                result.append((position..<position + best.length, best.token.special && !allowSpecial ? nil : best.token.id))
                position += best.length
            } else {
                position += 1
            }
        }
        return result
    }

    /// Tokens over a small alphabet, prefixes of each other, of both kinds; with `manyLengths`
    /// they have more than four lengths, so matching walks the trie instead of looking lengths up.
    static func tokens(manyLengths: Bool) -> [AddedTokens.Token] {
        let contents = manyLengths ? ["<|", "<|a", "<|ab", "<|abc|>", "<|abcab|>", "<|b|>", "ab|", "｜x｜", "｜"] : ["<|a|>", "<|ab|>", "<|b|>", "｜x｜"]
        return contents.enumerated().map { index, content in
            AddedTokens.Token(content: Array(content.utf8), id: UInt32(1000 + index), special: index % 2 == 0, normalized: index % 3 == 0)
        }
    }

    @Test(arguments: [false, true])
    func matchesAreLeftmostLongestOfTheWantedKind(_ manyLengths: Bool) async {
        let tokens = Self.tokens(manyLengths: manyLengths)
        let added = AddedTokens(tokens)
        let pieces = ["<", "|", "a", "b", "c", ">", "｜", "x", "\u{FF41}"]
        await propertyCheck(count: 300, input: Gen.element(of: pieces).array(of: 0...40), Gen.bool, Gen.bool) { parts, normalized, allowSpecial in
            let bytes = Array(parts.compactMap { $0 }.joined().utf8)
            let found = added.matches(in: bytes, 0..<bytes.count, normalized: normalized, allowSpecial: allowSpecial).map { ($0.range, $0.id) }
            let expected = Self.naiveMatches(tokens, in: bytes, normalized: normalized, allowSpecial: allowSpecial)
            #expect(found.map(\.0) == expected.map(\.0) && found.map(\.1) == expected.map(\.1), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
