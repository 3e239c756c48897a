import Testing
@testable import Tokenizers

@Suite struct GoldenVectorTests {
    @Test(arguments: EncodingName.allCases)
    func encodingMatchesTheReferenceTokenizerOnEveryGoldenVector(_ name: EncodingName) async throws {
        let encoding = try await GoldenVectors.store.encoding(name)
        let vectors = try GoldenVectors.vectors(name)
        // A fuzz campaign's folder (TOLLGATE_GOLDEN_DIR) may hold any number; the bundled one holds thousands.
        #expect(vectors.count >= (GoldenVectors.directory == nil ? 2000 : 1))
        var failures: [Int] = []
        for (line, vector) in zip(1..., vectors) {
            let ids = encoding.encode(vector.text, allowingSpecialTokens: vector.allowed)
            if ids != vector.ids {
                failures.append(line)
                if failures.count <= 5 {
                    Issue.record("\(name.rawValue) line \(line): \(vector.text.unicodeScalars.map { String($0.value, radix: 16) }.prefix(40)) allowed=\(vector.allowed)\n got      \(ids.prefix(40))\n expected \(vector.ids.prefix(40))")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(vectors.count) vectors differ for \(name.rawValue), lines \(failures.prefix(100))")
    }
}
