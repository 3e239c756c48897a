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
}
