/// Maps model names to the encoding their provider bills in.
///
/// Exact overrides (from the configuration's `tokenizer:` per model) win; then the built-in
/// patterns, tried in order, so more specific prefixes come first (`gpt-4o` before `gpt-4`).
/// A pattern is a lowercase model name with an optional trailing `*`; a provider prefix such
/// as `openai/` or `deepseek/` is ignored.
public struct EncodingRegistry: Sendable {
    /// A model-name pattern and its encoding.
    public struct Rule: Sendable, Hashable {
        /// A lowercase model name, or a prefix followed by `*`.
        public let pattern: String
        /// The encoding of the models the pattern matches.
        public let encoding: EncodingName

        /// A rule; the pattern is compared lowercased.
        public init(_ pattern: String, _ encoding: EncodingName) {
            self.pattern = pattern.lowercased()
            self.encoding = encoding
        }

        func matches(_ model: String) -> Bool {
            if pattern.hasSuffix("*") { return model.hasPrefix(pattern.dropLast()) }
            return model == pattern
        }
    }

    /// The built-in rules, most specific first.
    public static let defaultRules: [Rule] = [
        Rule("gpt-4o*", .o200kBase), Rule("chatgpt-4o*", .o200kBase), Rule("gpt-4.1*", .o200kBase),
        Rule("gpt-4.5*", .o200kBase), Rule("gpt-5*", .o200kBase), Rule("gpt-oss*", .o200kBase),
        Rule("o1*", .o200kBase), Rule("o3*", .o200kBase), Rule("o4*", .o200kBase),
        Rule("codex-*", .o200kBase), Rule("computer-use-*", .o200kBase),
        Rule("gpt-4*", .cl100kBase), Rule("gpt-3.5*", .cl100kBase), Rule("gpt-35*", .cl100kBase),
        Rule("text-embedding-*", .cl100kBase),
        Rule("qwen*", .qwen), Rule("qwq*", .qwen), Rule("qvq*", .qwen),
        Rule("deepseek*", .deepseekV3),
        Rule("claude*", .claudeLegacy), Rule("anthropic.claude*", .claudeLegacy),
    ]

    private var overrides: [String: EncodingName]
    private let rules: [Rule]

    /// - Parameters:
    ///   - overrides: model name → encoding, exact (case-insensitive) names from the configuration.
    ///   - rules: the pattern rules, by default ``defaultRules``.
    public init(overrides: [String: EncodingName] = [:], rules: [Rule] = EncodingRegistry.defaultRules) {
        self.overrides = Dictionary(overrides.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.rules = rules
    }

    /// Sets or replaces the encoding of one model.
    public mutating func setEncoding(_ encoding: EncodingName, forModel model: String) {
        overrides[model.lowercased()] = encoding
    }

    /// The encoding for `model`, or nil if no override or rule knows it.
    public func encodingName(ifKnown model: String) -> EncodingName? {
        let lowered = model.lowercased()
        if let exact = overrides[lowered] { return exact }
        let bare = lowered.split(separator: "/").last.map(String.init) ?? lowered
        if let exact = overrides[bare] { return exact }
        return rules.first { $0.matches(bare) }?.encoding
    }

    /// The encoding for `model`; throws ``TokenizerError/unknownModel(_:)`` when none is known.
    public func encodingName(forModel model: String) throws(TokenizerError) -> EncodingName {
        guard let name = encodingName(ifKnown: model) else { throw .unknownModel(model) }
        return name
    }
}
