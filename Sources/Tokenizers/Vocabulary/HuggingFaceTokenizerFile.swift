import Foundation

/// Parses the parts of a Hugging Face `tokenizer.json` that a byte-level BPE model needs: the
/// vocabulary, the merge list and the added tokens. Normalizer and pre-tokenizer are fixed per
/// encoding in code (and checked by the golden tests), not interpreted from the file.
enum HuggingFaceTokenizerFile {
    struct Contents: Sendable {
        let tokens: TokenTable
        let rule: MergeList
        let addedTokens: [AddedTokens.Token]
    }

    static func parse(_ data: [UInt8]) throws(TokenizerError) -> Contents {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else {
                throw TokenizerError.corruptResource("tokenizer.json is not an object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw .corruptResource("tokenizer.json: \(error)")
        }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "BPE",
            let vocab = model["vocab"] as? [String: Int], let merges = model["merges"] as? [Any]
        else { throw .corruptResource("tokenizer.json has no BPE model") }
        var tokens = TokenTable(expectedCount: vocab.count)
        for (token, id) in vocab {
            // Added tokens can sit in the vocabulary in plain text; they are matched separately.
            if let bytes = ByteLevelAlphabet.bytes(of: token) { tokens.insert(bytes, id: UInt32(id)) }
        }
        var byteIDs = [UInt32](repeating: 0, count: 256)
        for byte in 0..<256 {
            guard let id = tokens.id(of: [UInt8(byte)]) else { throw .corruptResource("vocabulary lacks byte \(byte)") }
            byteIDs[byte] = id
        }
        var pairs = PairTable(expectedCount: merges.count)
        var mergedIDs: [UInt32] = []
        mergedIDs.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts: [String]
            if let line = merge as? String {
                parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let pair = merge as? [String] {
                parts = pair
            } else {
                throw .corruptResource("merge \(rank) is neither \"a b\" nor [a, b]")
            }
            guard parts.count == 2, let left = vocab[parts[0]], let right = vocab[parts[1]],
                let merged = vocab[parts[0] + parts[1]]
            else { throw .corruptResource("merge \(rank) names tokens outside the vocabulary") }
            guard max(left, right, merged, merges.count) < PairTable.fieldBound else { throw .corruptResource("merge \(rank) is beyond the pair table's range") }
            pairs.insert(left: UInt32(left), right: UInt32(right), priority: UInt32(rank))
            mergedIDs.append(UInt32(merged))
        }
        var added: [AddedTokens.Token] = []
        for case let token as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
            guard let content = token["content"] as? String, let id = token["id"] as? Int else { continue }
            added.append(
                AddedTokens.Token(
                    content: Array(content.utf8), id: UInt32(id),
                    special: token["special"] as? Bool ?? false, normalized: token["normalized"] as? Bool ?? false))
        }
        return Contents(tokens: tokens, rule: MergeList(pairs: pairs.withCache(), merged: mergedIDs, byteIDs: byteIDs, tokens: tokens), addedTokens: added)
    }
}
