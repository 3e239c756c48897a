/// Loads each encoding once, on first use, and hands out the loaded value.
///
/// Loading (decompressing and indexing a vocabulary) takes a moment; it runs in a detached task,
/// so the store stays free for callers of encodings that are already loaded, and concurrent first
/// callers of one encoding wait for the same load. Create one per process at the composition root.
public actor EncodingStore {
    private var loads: [EncodingName: Task<Encoding, any Error>] = [:]
    /// How model names map to encodings.
    public nonisolated let registry: EncodingRegistry

    /// Whether the encodings handed out keep the counts of long stretches (``Encoding/rememberingCounts()``).
    public nonisolated let remembersCounts: Bool

    /// A store that maps model names with `registry`.
    /// - Parameter remembersCounts: hand out encodings that keep the counts of long stretches of
    ///   text (a gateway counting the same histories again and again).
    public init(registry: EncodingRegistry = EncodingRegistry(), remembersCounts: Bool = false) {
        self.registry = registry
        self.remembersCounts = remembersCounts
    }

    /// The encoding called `name`, loading it if this is the first request.
    public func encoding(_ name: EncodingName) async throws(TokenizerError) -> Encoding {
        let task: Task<Encoding, any Error>
        if let existing = loads[name] {
            task = existing
        } else {
            task = Task.detached(priority: .utility) { [remembersCounts] in
                let encoding = try EncodingLoader.load(name)
                return remembersCounts ? encoding.rememberingCounts() : encoding
            }
            loads[name] = task
        }
        do {
            return try await task.value
        } catch let error as TokenizerError {
            loads[name] = nil  // a failed load may be retried (e.g. after a transient read error)
            throw error
        } catch {
            loads[name] = nil
            throw .corruptResource("\(error)")
        }
    }

    /// The encoding named by its string name (`o200k_base`, `qwen`, ...).
    public func encoding(named name: String) async throws(TokenizerError) -> Encoding {
        guard let known = EncodingName(rawValue: name) else { throw .unknownEncoding(name) }
        return try await encoding(known)
    }

    /// The encoding a model is billed in, through the registry.
    public func encoding(forModel model: String) async throws(TokenizerError) -> Encoding {
        try await encoding(try registry.encodingName(forModel: model))
    }

    /// A chat counter for `model`: its encoding, its provider's message overhead and image rule.
    public func chatCounter(forModel model: String) async throws(TokenizerError) -> ChatTokenCounter {
        ChatTokenCounter(encoding: try await encoding(forModel: model), model: model)
    }
}
