import Testing
@testable import Tokenizers

@Suite struct GoldenVectorTests {
    @Test(arguments: EncodingName.allCases)
    func encodingMatchesTheReferenceTokenizerOnEveryGoldenVector(_ name: EncodingName) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        let vectors = try GoldenVectors.vectors(name)
        #expect(vectors.count >= 2000)
        var failures = 0
        for vector in vectors {
            let ids = encoding.encode(vector.text, allowingSpecialTokens: vector.allowed)
            if ids != vector.ids {
                failures += 1
                if failures <= 5 {
                    Issue.record("\(name.rawValue): \(vector.text.unicodeScalars.map { String($0.value, radix: 16) }.prefix(40)) allowed=\(vector.allowed)\n got      \(ids.prefix(40))\n expected \(vector.ids.prefix(40))")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(vectors.count) vectors differ for \(name.rawValue)")
    }
}
