import Foundation
import Providers
import Testing
import TollgateCore

@Suite struct JSONValueTests {
    @Test func documentsRoundTripThroughTheParserAndWriter() throws {
        let text = #"{"a":[1,-2,3.5,1e-05,true,false,null],"s":"line\nbreak \"quoted\" \\ tab\t \u00e9 😀 中文","o":{}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == -2)
        #expect(value["a"]?[2] == 3.5)
        #expect(value["a"]?[3] == .double(1e-05))
        #expect(value["s"]?.stringValue == "line\nbreak \"quoted\" \\ tab\t é 😀 中文")
        #expect(try JSONValue(parsing: value.encodedBytes()) == value)
        // Foundation reads what we write the same way.
        let foundation = try JSONSerialization.jsonObject(with: value.encoded()) as? [String: Any]
        #expect(foundation?["s"] as? String == value["s"]?.stringValue)
    }

    @Test func membersKeepTheirDocumentOrderThroughAnEdit() throws {
        let text = #"{"zeta":1,"alpha":{"m":1,"b":2,"x":3},"mid":[{"q":1,"a":2}]}"#
        var value = try JSONValue(parsing: Array(text.utf8))
        #expect(value.jsonText == text)
        value["alpha"]?["b"] = 20
        value["new"] = true
        #expect(value.jsonText == #"{"zeta":1,"alpha":{"m":1,"b":20,"x":3},"mid":[{"q":1,"a":2}],"new":true}"#)
    }

    @Test func escapedSurrogatePairsBecomeOneScalar() throws {
        #expect(try JSONValue(parsing: Array(#""\ud83d\ude00""#.utf8)) == "😀")
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array(#""\ud83d""#.utf8)) }
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array(#""\ude00x""#.utf8)) }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\u{01}\"", "{} {}", "[1 2]", "\"\\x\"", "nan"])
    func malformedDocumentsAreRefused(_ text: String) {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: [0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func absurdNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array(deep.utf8)) }
    }

    @Test func controlCharactersAreEscapedOnOutput() {
        let value: JSONValue = ["k": .string("a\u{01}b\u{1F}")]
        #expect(value.jsonText == #"{"k":"a\u0001b\u001f"}"#)
    }
}
