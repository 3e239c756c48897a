import Testing
import Tokenizers

@Suite struct EncodingRegistryTests {
    @Test(arguments: [
        ("gpt-4o", EncodingName.o200kBase), ("gpt-4o-mini-2024-07-18", .o200kBase), ("gpt-4.1-nano", .o200kBase),
        ("o1-preview", .o200kBase), ("o3-mini", .o200kBase), ("gpt-5", .o200kBase), ("openai/gpt-5-mini", .o200kBase),
        ("gpt-4", .cl100kBase), ("gpt-4-turbo", .cl100kBase), ("gpt-3.5-turbo", .cl100kBase),
        ("text-embedding-3-small", .cl100kBase), ("qwen-max", .qwen), ("Qwen2.5-72B-Instruct", .qwen),
        ("deepseek-chat", .deepseekV3), ("deepseek/deepseek-reasoner", .deepseekV3),
        ("claude-sonnet-4-5", .claudeLegacy), ("claude-3-haiku-20240307", .claudeLegacy),
    ])
    func modelNamesMapToTheirProvidersEncoding(_ model: String, _ expected: EncodingName) throws {
        #expect(try EncodingRegistry().encodingName(forModel: model) == expected)
    }

    @Test func configuredOverridesWinOverPatterns() throws {
        var registry = EncodingRegistry(overrides: ["my-local-llama": .o200kBase])
        registry.setEncoding(.qwen, forModel: "gpt-4o-proxy")
        #expect(try registry.encodingName(forModel: "my-local-llama") == .o200kBase)
        #expect(try registry.encodingName(forModel: "GPT-4o-Proxy") == .qwen)
        #expect(try registry.encodingName(forModel: "gpt-4o") == .o200kBase)
    }

    @Test func unknownModelsAreRefusedRatherThanGuessed() {
        #expect(throws: TokenizerError.unknownModel("llama-3-70b")) { try EncodingRegistry().encodingName(forModel: "llama-3-70b") }
        #expect(EncodingRegistry().encodingName(ifKnown: "mistral-large") == nil)
    }
}
