import Foundation

/// Builds an ``Encoding`` from the vocabulary files shipped as package resources.
enum EncodingLoader {
    static func load(_ name: EncodingName) throws(TokenizerError) -> Encoding {
        ScalarClass.prepare()
        switch name {
        case .qwen: CanonicalComposition.prepare()
        case .claudeLegacy: CompatibilityComposition.prepare()
        default: break
        }
        switch name {
        case .o200kBase:
            return try tiktoken(
                name, file: "o200k_base.tiktoken", pattern: .o200k,
                specials: ["<|endoftext|>": 199_999, "<|endofprompt|>": 200_018])
        case .cl100kBase:
            return try tiktoken(
                name, file: "cl100k_base.tiktoken", pattern: .cl100k,
                specials: [
                    "<|endoftext|>": 100_257, "<|fim_prefix|>": 100_258, "<|fim_middle|>": 100_259,
                    "<|fim_suffix|>": 100_260, "<|endofprompt|>": 100_276,
                ])
        case .qwen:
            // dashscope's qwen_tokenizer.py: ids from 151643 in this order, then NFC before encoding.
            var specials: [String: UInt32] = [:]
            for (offset, token) in (["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + (0..<205).map { "<|extra_\($0)|>" }).enumerated() {
                specials[token] = 151_643 + UInt32(offset)
            }
            return try tiktoken(name, file: "qwen.tiktoken", pattern: .qwen, specials: specials, normalization: .canonicalComposition)
        case .deepseekV3:
            return try huggingFace(name, file: "deepseek_v3.tokenizer.json", pattern: .deepSeek, normalization: .none)
        case .claudeLegacy:
            return try huggingFace(name, file: "claude_legacy.tokenizer.json", pattern: .gpt2, normalization: .compatibilityComposition)
        }
    }

    private static func tiktoken(
        _ name: EncodingName, file: String, pattern: SplitPattern, specials: [String: UInt32],
        normalization: Encoding.Normalization = .none
    ) throws(TokenizerError) -> Encoding {
        let (tokens, byteIDs) = try TiktokenFile.parse(try resource(file))
        guard tokens.idBound < PairTable.fieldBound else { throw .corruptResource("\(file) has ids beyond the pair table's range") }
        let added = specials.sorted { $0.value < $1.value }.map {
            AddedTokens.Token(content: Array($0.key.utf8), id: $0.value, special: true, normalized: false)
        }
        return Encoding(
            name: name, pattern: pattern, normalization: normalization,
            rule: .ranked(RankedTokens(tokens: tokens, byteIDs: byteIDs)), tokens: tokens, addedTokens: AddedTokens(added))
    }

    private static func huggingFace(
        _ name: EncodingName, file: String, pattern: SplitPattern, normalization: Encoding.Normalization
    ) throws(TokenizerError) -> Encoding {
        let contents = try HuggingFaceTokenizerFile.parse(try resource(file))
        return Encoding(
            name: name, pattern: pattern, normalization: normalization, rule: .mergeList(contents.rule),
            tokens: contents.tokens, addedTokens: AddedTokens(contents.addedTokens))
    }

    /// The decompressed bytes of `Resources/NAME.gz`.
    static func resource(_ name: String) throws(TokenizerError) -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "gz"),
            let data = try? Data(contentsOf: url)
        else { throw .missingResource(name + ".gz") }
        return try Inflater.gunzip([UInt8](data))
    }
}
