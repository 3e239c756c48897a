import Testing
@testable import Tokenizers
import TollgateCore

@Suite struct ChatTokenCounterTests {
    /// The example conversation of OpenAI's cookbook "How to count tokens with tiktoken", which
    /// the API billed as 124 prompt tokens on gpt-4o and 129 on gpt-4 / gpt-3.5-turbo.
    static let cookbookMessages: [ChatMessage] = [
        ChatMessage(role: .system, text: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."),
        ChatMessage(role: .system, text: "New synergies will help drive top-line growth.", name: "example_user"),
        ChatMessage(role: .system, text: "Things working well together will increase revenue.", name: "example_assistant"),
        ChatMessage(
            role: .system, text: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
            name: "example_user"),
        ChatMessage(role: .system, text: "Let's talk later when we're less busy about how to do better.", name: "example_assistant"),
        ChatMessage(role: .user, text: "This late pivot means we don't have time to boil the ocean for the client deliverable."),
    ]

    @Test func openAIMessagesCostWhatTheCookbookExampleWasBilled() async throws {
        let o200k = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.o200kBase), model: "gpt-4o")
        let cl100k = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.cl100kBase), model: "gpt-4")
        #expect(try o200k.count(Self.cookbookMessages) == 124)
        #expect(try cl100k.count(Self.cookbookMessages) == 129)
    }

    @Test func toolDefinitionsAndCallsAddToTheOpenAICount() async throws {
        let counter = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.o200kBase), model: "gpt-4o")
        let messages = [ChatMessage(role: .user, text: "Weather in Paris?")]
        let tool = ToolDefinition(
            name: "get_weather", description: "Get the weather.",
            parameters: try JSONValue(parsing: Array(#"{"type":"object","properties":{"city":{"type":"string","description":"City name."},"unit":{"type":"string","enum":["c","f"]}}}"#.utf8)))
        let base = try counter.count(messages)
        let withTool = try counter.count(messages, tools: [tool])
        // 7 + "get_weather:Get the weather" + 3 + (3 + "city:string:City name") + (3 - 3 + 2×(3 + 1) + "unit:string:") + 12
        let encoding = counter.encoding
        let expected = 7 + encoding.count("get_weather:Get the weather") + 3 + 3 + encoding.count("city:string:City name")
            + 3 - 3 + (3 + encoding.count("c")) + (3 + encoding.count("f")) + encoding.count("unit:string:") + 12
        #expect(withTool - base == expected)
        let call = ChatMessage(role: .assistant, content: [.toolCall(ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#))])
        #expect(try counter.count(messages + [call]) == base + 3 + encoding.count("assistant") + 3 + encoding.count("get_weather") + encoding.count(#"{"city":"Paris"}"#))
    }

    @Test func aToolResultCountsTheSameWhicheverFormatCarriedIt() async throws {
        let call = ChatMessage(role: .assistant, content: [.toolCall(ToolCall(id: "c1", name: "weather", arguments: #"{"city":"Paris"}"#))])
        let result = ContentPart.toolResult(id: "c1", content: "18C and sunny", isError: false)
        // OpenAI carries it as a `tool` message, Anthropic as a block of the next user turn.
        let openAI = [ChatMessage(role: .user, text: "Weather?"), call, ChatMessage(role: .tool, content: [result])]
        let anthropic = [ChatMessage(role: .user, text: "Weather?"), call, ChatMessage(role: .user, content: [result])]
        for name in [EncodingName.o200kBase, .qwen, .deepseekV3] {
            let counter = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(name))
            #expect(try counter.count(openAI) == counter.count(anthropic), "\(name)")
        }
        let turns = ChatTurn.turns(of: anthropic)
        #expect(turns.map(\.role) == [.user, .assistant, .tool])
        #expect(turns[2].toolCallID == "c1")
    }

    @Test func qwenCountsTheRenderedChatMLWithSpecialTokens() async throws {
        let counter = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.qwen))
        let messages = [ChatMessage(role: .system, text: "You are terse."), ChatMessage(role: .user, text: "Hi <|im_end|> there")]
        #expect(
            ChatTemplate.qwen(ChatTurn.turns(of: messages), tools: [])
                == "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi <|im_end|> there<|im_end|>\n<|im_start|>assistant\n")
        #expect(try counter.count(messages) == 21)  // tiktoken on the rendered text, specials allowed
    }

    @Test func deepSeekCountsItsTemplateWithBeginOfSentenceAndTurnTokens() async throws {
        let counter = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.deepseekV3))
        let messages = [
            ChatMessage(role: .system, text: "You are terse."), ChatMessage(role: .user, text: "Hi there"),
            ChatMessage(role: .assistant, text: "Hello!"), ChatMessage(role: .user, text: "2+2?"),
        ]
        #expect(
            ChatTemplate.deepSeek(ChatTurn.turns(of: messages), tools: [])
                == "<｜begin▁of▁sentence｜>You are terse.<｜User｜>Hi there<｜Assistant｜>Hello!<｜end▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜>")
        #expect(try counter.count(messages) == 19)  // Hugging Face tokenizers on the rendered text
    }

    @Test func claudeLegacyCountsTheHumanAssistantPrompt() async throws {
        let counter = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.claudeLegacy))
        let messages = [ChatMessage(role: .system, text: "You are terse."), ChatMessage(role: .user, text: "Hi there")]
        #expect(try counter.count(messages) == 15)
    }

    @Test func openAIImagesFollowTheTileFormula() throws {
        let rule = ImageTokenRule.openAI(model: "gpt-4o")
        // OpenAI's examples: 1024×1024 high → 4 tiles → 765; 2048×4096 high → 768×1536 → 6 tiles → 1105; low → 85.
        #expect(try rule.tokens(for: ImageInput(width: 1024, height: 1024, detail: .high)) == 765)
        #expect(try rule.tokens(for: ImageInput(width: 2048, height: 4096, detail: .high)) == 1105)
        #expect(try rule.tokens(for: ImageInput(width: 4096, height: 8192, detail: .low)) == 85)
        #expect(try ImageTokenRule.openAI(model: "gpt-4o-mini").tokens(for: ImageInput(width: 1024, height: 1024, detail: .high)) == 2833 + 4 * 5667)
    }

    @Test func imagesWithoutAKnownFormulaOrSizeAreRefused() async throws {
        let qwen = ChatTokenCounter(encoding: try await GoldenVectors.store.encoding(.qwen))
        let image = ChatMessage(role: .user, content: [.text("What is this?"), .image(url: "https://example.com/cat.png")])
        #expect(throws: TokenizerError.self) { try qwen.count([image]) }
        #expect(throws: TokenizerError.self) { try ImageTokenRule.openAI(model: "gpt-4o").tokens(for: ImageInput(width: nil, height: nil)) }
    }
}
