import Foundation
import Testing
import TollgateCore

@Suite struct JSONWriterTests {
    @Test func stringsAreWrittenWithTheirEscapesAndTheRestCopiedAsItIs() {
        let value = JSONValue.object(["text": .string("a\"b\\c\nd\re\tf\u{01}g\u{1F}é😀</"), "plain": .string("no escape at all")])
        let text = value.jsonText
        #expect(text.contains(#""a\"b\\c\nd\re\tf\u0001g\u001fé😀</""#))
        #expect(text.contains(#""no escape at all""#))
    }

    @Test func everyStringReadsBackAsItWasWhereverItsEscapesFall() throws {
        var random = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{00}", "\u{07}", "\u{1F}", "é", "中", "😀", "/", "{", "}"]
        for length in [0, 1, 2, 3, 17, 500, 5_000] {
            for _ in 0..<20 {
                let text = (0..<length).map { _ in alphabet.randomElement(using: &random)! }.joined()
                let bytes = JSONValue.array([.string(text), .string(text + text)]).encodedBytes()
                let decoded = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String]
                #expect(decoded == [text, text + text])
                #expect(try JSONValue(parsing: bytes) == .array([.string(text), .string(text + text)]))
            }
        }
    }
}
