import Providers
import Testing
import TollgateCore

@Suite struct ResponsesFormatTests {
    let responses = WireFormats.openAIResponses

    static let agentTurn: JSONValue = [
        "model": "m", "instructions": "You are a coding agent.", "max_output_tokens": 5000, "reasoning": ["effort": "low"],
        "tools": [["type": "function", "name": "read_file", "parameters": ["type": "object", "properties": ["path": ["type": "string"]]]]],
        "tool_choice": "auto",
        "input": [
            ["role": "developer", "content": "Prefer small diffs."],
            ["type": "message", "role": "user", "content": [["type": "input_text", "text": "Fix the bug"]]],
            ["type": "reasoning", "id": "rs_1", "summary": [["type": "summary_text", "text": "Look at main.swift first."]]],
            ["type": "function_call", "call_id": "call_1", "name": "read_file", "arguments": #"{"path":"main.swift"}"#],
            ["type": "function_call_output", "call_id": "call_1", "output": "print(1)"],
            ["role": "assistant", "content": [["type": "output_text", "text": "It prints 1."]]],
        ],
    ]

    @Test func everyInputItemBecomesAChatTurn() throws {
        #expect(try responses.validate(Self.agentTurn) == "m")
        let chat = try responses.chatRequest(from: Self.agentTurn, strict: true)
        #expect(chat.messages.map(\.role) == [.system, .developer, .user, .assistant, .tool, .assistant])
        #expect(chat.system == ["You are a coding agent.", "Prefer small diffs."])
        // The reasoning and the call it led to are one assistant turn.
        #expect(chat.messages[3].content == [.thinking(text: "Look at main.swift first.", signature: nil),
                                             .toolCall(ToolCall(id: "call_1", name: "read_file", arguments: #"{"path":"main.swift"}"#))])
        #expect(chat.messages[4].content == [.toolResult(id: "call_1", content: "print(1)", isError: false)])
        #expect(chat.maxTokens == 5000 && chat.reasoning == ReasoningRequest(effort: .low) && chat.toolChoice == .auto)
        #expect(chat.tools.map(\.name) == ["read_file"])

        // Written for each provider kind: Chat Completions and Messages.
        let openAI = try WireFormats.openAIChat.providerBody(for: chat, model: "deepseek-chat")
        #expect(openAI["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["system", "system", "user", "assistant", "tool", "assistant"])
        #expect(openAI["reasoning_effort"] == "low")
        let anthropic = try WireFormats.anthropicMessages.providerBody(for: chat, model: "claude")
        #expect(anthropic["system"] == "You are a coding agent.\n\nPrefer small diffs.")
        #expect(anthropic["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["user", "assistant", "user", "assistant"])
        #expect(anthropic["thinking"]?["budget_tokens"] == 1024 && anthropic["max_tokens"] == 5000)
    }

    @Test func aJSONSchemaFormatBecomesResponseFormatAndIsRefusedWhereThereIsNone() throws {
        var body: JSONValue = ["model": "m", "input": "Give me JSON"]
        body["text"] = ["format": ["type": "json_schema", "name": "answer", "schema": ["type": "object"], "strict": true]]
        let chat = try responses.chatRequest(from: body, strict: true)
        #expect(chat.responseFormat == ["type": "json_schema", "json_schema": ["name": "answer", "schema": ["type": "object"], "strict": true]])
        #expect(try WireFormats.openAIChat.providerBody(for: chat, model: "x")["response_format"] == chat.responseFormat)
        #expect(throws: TranslationError.self) { try WireFormats.anthropicMessages.providerBody(for: chat, model: "x") }
        #expect(responses.neededCapabilities(body) == [.json])
    }

    @Test func hostedToolsAndUnknownItemsAreNamed() {
        let body: JSONValue = ["model": "m", "input": "hi", "tools": [["type": "function", "name": "f"], ["type": "web_search"]],
                               "parallel_tool_calls": false]
        #expect(responses.untranslatable(body) == ["parallel_tool_calls", "tools[1]"])
        #expect(throws: TranslationError.self) { try responses.chatRequest(from: body, strict: true) }
        let reference: JSONValue = ["model": "m", "input": [["type": "item_reference", "id": "msg_1"]]]
        #expect(throws: TranslationError.self) { try responses.chatRequest(from: reference, strict: true) }
    }

    @Test(arguments: [
        ("no input", ["model": "m"] as JSONValue, "input"),
        ("a bad role", ["model": "m", "input": [["role": "robot", "content": "x"]]] as JSONValue, "input[0].role"),
        ("a call without arguments", ["model": "m", "input": [["type": "function_call", "call_id": "c", "name": "f"]]] as JSONValue, "input[0]"),
        ("a string max_output_tokens", ["model": "m", "input": "x", "max_output_tokens": "10"] as JSONValue, "max_output_tokens"),
        ("an unknown effort", ["model": "m", "input": "x", "reasoning": ["effort": "huge"]] as JSONValue, "reasoning.effort"),
        ("an unknown item", ["model": "m", "input": [["type": "telepathy"]]] as JSONValue, "input[0].type"),
    ])
    func validationNamesTheParameter(_ label: String, _ body: JSONValue, _ param: String) {
        do {
            _ = try responses.validate(body)
            Issue.record("\(label) was accepted")
        } catch {
            #expect(error.param == param, "\(label)")
        }
    }

    @Test func aWholeAnswerIsTheResponsesObjectWithUsage() {
        let answer = ChatResponse(id: "x", model: "deepseek-chat", content: [
            .thinking(text: "Hmm.", signature: nil), .text("Let me look."),
            .toolCall(ToolCall(id: "call_9", name: "read_file", arguments: "{}")),
        ], finishReason: .toolCalls, usage: nil)
        let usage = TokenUsage(input: 10, cachedInput: 90, output: 20, reasoning: 5)
        let body = responses.clientBody(for: answer, usage: usage, context: AnswerContext(created: 7, request: Self.agentTurn, requestID: "req_abc"))
        #expect(body["id"] == "resp_abc" && body["status"] == "completed" && body["created_at"] == 7)
        #expect(body["output"]?.arrayValue?.map { $0["type"]?.stringValue } == ["reasoning", "message", "function_call"])
        #expect(body["output"]?[2]?["call_id"] == "call_9")
        #expect(body["usage"] == ["input_tokens": 100, "input_tokens_details": ["cached_tokens": 90], "output_tokens": 25,
                                  "output_tokens_details": ["reasoning_tokens": 5], "total_tokens": 125])
        #expect(body["instructions"] == "You are a coding agent." && body["max_output_tokens"] == 5000)
        // Read back by a provider-side reader, it is the same answer.
        let read = responses.response(from: body)
        #expect(read.content == [.thinking(text: "Hmm.", signature: nil), .text("Let me look."),
                                 .toolCall(ToolCall(id: "call_9", name: "read_file", arguments: "{}"))])
        #expect(read.finishReason == .toolCalls)
    }

    @Test func aStreamIsTheResponsesEventSequenceAndReadsBackAsTheSameEvents() throws {
        var encoder = responses.makeStreamEncoder(includeUsage: true, context: AnswerContext(created: 1, requestID: "req_s"))
        let events: [ChatStreamEvent] = [
            .start(id: "up", model: "m"), .thinking("Plan"), .text("Hel"), .text("lo"),
            .toolCallStart(index: 0, id: "call_a", name: "read_file"),
            .toolCallArguments(index: 0, fragment: #"{"pa"#), .toolCallArguments(index: 0, fragment: #"th":"a"}"#),
            .toolCallStart(index: 1, id: "call_b", name: "list"), .toolCallArguments(index: 1, fragment: "{}"),
            .finish(.toolCalls), .end,
        ]
        var written: [ServerSentEvent] = []
        for event in events {
            written += encoder.encode(event, usage: event == .end ? TokenUsage(input: 3, output: 4) : nil,
                                      usageFields: { ["cost": 0.5] })
        }
        let types = written.compactMap(\.event)
        #expect(types == [
            "response.created", "response.in_progress",
            "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
            "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
            "response.output_item.added", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.output_item.done",
            "response.function_call_arguments.done", "response.output_item.done",
            "response.completed",
        ])
        let values = try written.map { try JSONValue(parsing: Array($0.data.utf8)) }
        #expect(values.map { $0["sequence_number"]?.intValue } == Array(0..<values.count).map { Optional($0) })
        let completed = try #require(values.last?["response"])
        #expect(completed["usage"]?["output_tokens"] == 4 && completed["usage"]?["cost"] == 0.5)
        #expect(completed["output"]?.arrayValue?.map { $0["type"]?.stringValue } == ["reasoning", "message", "function_call", "function_call"])
        #expect(completed["output"]?[2]?["arguments"] == #"{"path":"a"}"#)

        // A provider speaking Responses is read back into the same chat events.
        var decoder = responses.makeStreamDecoder()
        var decoded: [ChatStreamEvent] = []
        for value in values { decoded += try decoder.decode(value, provider: "p") }
        #expect(decoded.filter { if case .usage = $0 { false } else { true } } == [
            .start(id: "resp_s", model: "m"), .thinking("Plan"), .text("Hel"), .text("lo"),
            .toolCallStart(index: 0, id: "call_a", name: "read_file"),
            .toolCallArguments(index: 0, fragment: #"{"pa"#), .toolCallArguments(index: 0, fragment: #"th":"a"}"#),
            .toolCallStart(index: 1, id: "call_b", name: "list"), .toolCallArguments(index: 1, fragment: "{}"),
            .finish(.toolCalls), .end,
        ])
    }

    @Test func anAnswerCutByMaxOutputTokensIsIncomplete() {
        var encoder = responses.makeStreamEncoder(includeUsage: true, context: AnswerContext(created: 1, requestID: "req_c"))
        var written: [ServerSentEvent] = []
        for event in [ChatStreamEvent.start(id: "u", model: "m"), .text("a b"), .finish(.length), .end] {
            written += encoder.encode(event, usage: TokenUsage(input: 1, output: 2), usageFields: { nil })
        }
        #expect(written.last?.event == "response.incomplete")
        #expect(written.last?.data.contains(#""incomplete_details":{"reason":"max_output_tokens"}"#) == true)
    }

    @Test func aChatRequestWrittenForAResponsesProviderReadsBackTheSame() throws {
        let chat = try responses.chatRequest(from: Self.agentTurn, strict: true)
        let body = try responses.providerBody(for: chat, model: "gpt-5")
        var again = try responses.chatRequest(from: body, strict: true)
        again.model = chat.model
        // Reasoning summaries sent back are dropped on the way out, as for every provider.
        var expected = chat
        expected.messages[3].content.removeFirst()
        #expect(again.messages == expected.messages)
        #expect(again.tools == chat.tools && again.reasoning == chat.reasoning && again.maxTokens == chat.maxTokens)
    }
}
