import Providers
import Testing
import TollgateCore

@Suite struct StreamTranslationTests {
    /// Decodes OpenAI chunks and encodes them as Anthropic events, as the gateway does.
    static func translate(_ chunks: [JSONValue]) -> [JSONValue] {
        var decoder = OpenAIStreamDecoder()
        var encoder = AnthropicStreamEncoder()
        let events = chunks.flatMap { decoder.decode($0) } + [.end]
        return events.flatMap { encoder.encode($0, usage: TokenUsage(input: 5, output: 9)) }
            .compactMap { try? JSONValue(parsing: Array($0.data.utf8)) }
    }

    @Test func interleavedToolCallArgumentsLandInTheirOwnBlocks() {
        let out = Self.translate([
            ["id": "c1", "model": "m", "choices": [["index": 0, "delta": ["tool_calls": [
                ["index": 0, "id": "call_a", "type": "function", "function": ["name": "first", "arguments": ""]],
                ["index": 1, "id": "call_b", "type": "function", "function": ["name": "second", "arguments": ""]]]]]]],
            ["id": "c1", "choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "function": ["arguments": #"{"a":"#]]]]]]],
            ["id": "c1", "choices": [["index": 0, "delta": ["tool_calls": [["index": 1, "function": ["arguments": #"{"b":2}"#]]]]]]],
            ["id": "c1", "choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "function": ["arguments": "1}"]]]]]]],
            ["id": "c1", "choices": [["index": 0, "delta": [:], "finish_reason": "tool_calls"]]],
        ])
        let starts = out.filter { $0["type"] == "content_block_start" }
        #expect(starts.map { $0["content_block"]?["name"] } == ["first", "second"])
        #expect(starts.map { $0["index"] } == [0, 1])
        func arguments(_ block: Int) -> String {
            out.filter { $0["type"] == "content_block_delta" && $0["index"] == .int(Int64(block)) }
                .compactMap { $0["delta"]?["partial_json"]?.stringValue }.joined()
        }
        #expect(arguments(0) == #"{"a":1}"#)
        #expect(arguments(1) == #"{"b":2}"#)
        #expect(out.filter { $0["type"] == "content_block_stop" }.count == 2)
        let delta = out.first { $0["type"] == "message_delta" }
        #expect(delta?["delta"]?["stop_reason"] == "tool_use")
        #expect(delta?["usage"]?["output_tokens"] == 9)
        #expect(out.last?["type"] == "message_stop")
    }

    @Test func textThenAToolCallMakeTwoBlocksInOrder() {
        let out = Self.translate([
            ["id": "c2", "model": "m", "choices": [["index": 0, "delta": ["role": "assistant", "content": "Let me check."]]]],
            ["id": "c2", "choices": [["index": 0, "delta": ["tool_calls": [
                ["index": 0, "id": "call_a", "type": "function", "function": ["name": "look", "arguments": "{}"]]]]]]],
            ["id": "c2", "choices": [["index": 0, "delta": [:], "finish_reason": "tool_calls"]]],
        ])
        let kinds = out.filter { $0["type"] == "content_block_start" }.compactMap { $0["content_block"]?["type"]?.stringValue }
        #expect(kinds == ["text", "tool_use"])
        #expect(out.first { $0["delta"]?["type"] == "text_delta" }?["delta"]?["text"] == "Let me check.")
    }
}
