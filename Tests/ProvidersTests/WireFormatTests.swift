import Providers
import Testing
import TollgateCore

@Suite struct WireFormatTests {
    let openai = WireFormats.openAIChat
    let anthropic = WireFormats.anthropicMessages

    @Test func eachProviderKindHasItsFormat() {
        #expect(WireFormats.of(.openai).kind == .openai)
        #expect(WireFormats.of(.anthropic).kind == .anthropic)
        #expect(openai.path == "/chat/completions" && anthropic.path == "/messages")
        #expect(openai.countTokensPath == nil && anthropic.countTokensPath == "/messages/count_tokens")
    }

    @Test func aForwardedOpenAIStreamAsksForUsageAndKeepsEveryOtherField() {
        let body: JSONValue = ["model": "auto", "stream": true, "logit_bias": ["42": 1], "messages": [["role": "user", "content": "hi"]]]
        let forwarded = openai.forwarded(body, model: "deepseek-chat")
        #expect(forwarded["model"] == "deepseek-chat")
        #expect(forwarded["stream_options"]?["include_usage"] == true)
        #expect(forwarded["logit_bias"] == body["logit_bias"])
        let whole = openai.forwarded(["model": "m", "messages": []], model: "x")
        #expect(whole["stream_options"] == nil, "a whole answer carries usage without asking")
    }

    @Test func anAnthropicProviderGetsTheClientsVersionAndBetaHeaders() {
        let headers = anthropic.upstreamHeaders { ["anthropic-version": "2023-06-01", "anthropic-beta": "tools-2024"][$0] }
        #expect(headers.map(\.0) == ["anthropic-version", "anthropic-beta"])
        #expect(headers.map(\.1) == ["2023-06-01", "tools-2024"])
        #expect(anthropic.upstreamHeaders { _ in nil }.map(\.1) == ["2023-06-01"])
        #expect(openai.upstreamHeaders { _ in "x" }.isEmpty)
    }

    @Test func errorsAreWrittenInEachFormatsShape() {
        let error = WireError(status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", message: "Slow down.", param: nil)
        #expect(openai.errorBody(error) == ["error": ["message": "Slow down.", "type": "rate_limit_error", "param": nil,
                                                      "code": "rate_limit_exceeded"]])
        #expect(anthropic.errorBody(error) == ["type": "error", "error": ["type": "rate_limit_error", "message": "Slow down."]])
        #expect(anthropic.streamError(["type": "error"]).event == "error")
        #expect(openai.streamError(["error": [:]]).event == nil)
    }

    @Test func anOpenAIUsageChunkTheClientDidNotAskForIsLeftOutAndOneItAskedForCarriesTheCost() throws {
        let usageOnly: JSONValue = ["id": "c", "choices": [], "usage": ["prompt_tokens": 3, "completion_tokens": 2]]
        let event = ServerSentEvent(data: usageOnly.jsonText)
        #expect(openai.relayed(event, value: usageOnly, clientWantsUsage: false, usageFields: { ["cost": 0.5] }).isEmpty)
        let kept = openai.relayed(event, value: usageOnly, clientWantsUsage: true, usageFields: { ["cost": 0.5] })
        let value = try JSONValue(parsing: Array(try #require(kept.first).data.utf8))
        #expect(value["usage"]?["cost"] == 0.5)
        #expect(value["usage"]?["prompt_tokens"] == 3)
    }

    @Test func anAnthropicMessageDeltaCarriesTheCostAndOtherEventsPassUntouched() throws {
        let delta: JSONValue = ["type": "message_delta", "delta": ["stop_reason": "end_turn"], "usage": ["output_tokens": 7]]
        let relayed = anthropic.relayed(ServerSentEvent(event: "message_delta", data: delta.jsonText), value: delta, clientWantsUsage: true,
                                        usageFields: { ["cost": 0.25, "cost_currency": "USD"] })
        let value = try JSONValue(parsing: Array(try #require(relayed.first).data.utf8))
        #expect(value["usage"]?["cost_currency"] == "USD")
        #expect(relayed.first?.event == "message_delta")
        let ping = ServerSentEvent(event: "ping", data: #"{"type": "ping"}"#)
        var asked = false
        #expect(anthropic.relayed(ping, value: ["type": "ping"], clientWantsUsage: true, usageFields: { asked = true; return nil }) == [ping])
        #expect(!asked, "the cost is priced only for an event that carries usage")
    }

    @Test func translationIsTheClientFormatsParseAndTheProviderFormatsWrite() throws {
        let client: JSONValue = ["model": "m", "max_tokens": 64, "system": "Be brief.",
                                 "messages": [["role": "user", "content": "What is 2+2?"]]]
        #expect(try anthropic.validate(client) == "m")
        let chat = try anthropic.chatRequest(from: client, strict: true)
        let upstream = try openai.providerBody(for: chat, model: "deepseek-chat")
        #expect(upstream["model"] == "deepseek-chat")
        #expect(upstream["messages"]?[0]?["role"] == "system")
        #expect(openai.maxOutputTokens(of: upstream) == 64)
        #expect(anthropic.maxOutputTokens(of: client) == 64)
    }

    @Test func theChatFormKeepsInstructionsNamesAndToolTurnsWhereTheClientPutThem() throws {
        let client: JSONValue = [
            "model": "m",
            "messages": [
                ["role": "developer", "content": "Answer in French."],
                ["role": "user", "content": "Weather?", "name": "ana"],
                ["role": "assistant", "content": nil,
                 "tool_calls": [["id": "c1", "type": "function", "function": ["name": "weather", "arguments": #"{"city":"Paris"}"#]]]],
                ["role": "tool", "tool_call_id": "c1", "content": "18C"],
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "And tomorrow?"],
            ],
        ]
        let chat = try openai.chatRequest(from: client, strict: true)
        #expect(chat.messages.map(\.role) == [.developer, .user, .assistant, .tool, .system, .user])
        #expect(chat.messages[1].name == "ana")
        #expect(chat.system == ["Answer in French.", "Be brief."])

        // Anthropic's writer hoists the instructions and lets the two sides alternate: the tool
        // result and the next question share one user turn.
        let upstream = try anthropic.providerBody(for: chat, model: "claude")
        #expect(upstream["system"] == "Answer in French.\n\nBe brief.")
        let turns = try #require(upstream["messages"]?.arrayValue)
        #expect(turns.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(turns[2]["content"]?.arrayValue?.map { $0["type"]?.stringValue } == ["tool_result", "text"])

        // OpenAI's writer puts them back where they were, as system messages.
        let back = try openai.providerBody(for: chat, model: "deepseek-chat")
        #expect(back["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["system", "user", "assistant", "tool", "system", "user"])
        #expect(back["messages"]?[1]?["name"] == "ana")
    }

    @Test func validationNamesTheParameterItRefuses() {
        do {
            _ = try openai.validate(["model": "m", "messages": [["role": "user", "content": "x"]], "max_tokens": "10"])
            Issue.record("a string max_tokens was accepted")
        } catch {
            #expect(error.param == "max_tokens")
        }
    }
}
