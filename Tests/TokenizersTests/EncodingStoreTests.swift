import Synchronization
import Testing
import Tokenizers

@Suite struct EncodingStoreTests {
    @Test func concurrentFirstCallersAllGetTheSameLoadedEncoding() async throws {
        let store = EncodingStore()
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await store.encoding(.cl100kBase).count("hello world") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 2, count: 8))
    }

    @Test func aLoadedEncodingIsServedWhileAnotherIsStillLoading() async throws {
        let store = EncodingStore()
        _ = try await store.encoding(.cl100kBase)
        // DeepSeek's vocabulary takes far longer to load than a cached lookup takes to answer:
        // the store must not hold callers of cl100k_base behind it.
        let slowLoadFinished = Mutex(false)
        let slowLoad = Task {
            let encoding = try await store.encoding(.deepseekV3)
            slowLoadFinished.withLock { $0 = true }
            return encoding
        }
        let fast = try await store.encoding(.cl100kBase).count("still answering")
        #expect(fast == 2)
        #expect(slowLoadFinished.withLock { $0 } == false, "the cached encoding waited for the other load")
        #expect(try await slowLoad.value.name == .deepseekV3)
    }

    @Test func modelNamesResolveThroughTheRegistryAndUnknownOnesAreRefused() async throws {
        let store = EncodingStore(registry: EncodingRegistry(overrides: ["house-model": .qwen]))
        #expect(try await store.encoding(forModel: "house-model").name == .qwen)
        #expect(try await store.chatCounter(forModel: "gpt-4o").encoding.name == .o200kBase)
        await #expect(throws: TokenizerError.unknownModel("mystery")) { try await store.encoding(forModel: "mystery") }
        await #expect(throws: TokenizerError.unknownEncoding("o300k")) { try await store.encoding(named: "o300k") }
    }
}
