/// Special and added tokens of an encoding, and where they occur in a text.
///
/// Matching is leftmost-longest, as both tiktoken's special-token search (no special token here
/// is a prefix of another) and Hugging Face's added-vocabulary automaton do.
struct AddedTokens: Sendable {
    struct Token: Sendable {
        let content: [UInt8]
        let id: UInt32
        /// Special tokens only match when the caller allows them; others (Hugging Face's
        /// non-special added tokens) always match, as in the reference tokenizer.
        let special: Bool
        /// Hugging Face matches `normalized` tokens on the normalized text, in a second pass.
        let normalized: Bool
    }

    struct Match: Sendable {
        let range: Range<Int>
        /// nil when the match is a special token the caller did not allow: it stays text.
        let id: UInt32?
    }

    let tokens: [Token]
    private let table: TokenTable
    private let lengths: [Int]
    private let firstBytes: [Bool]
    private let byID: [UInt32: Int]

    init(_ tokens: [Token]) {
        self.tokens = tokens
        var table = TokenTable(expectedCount: tokens.count)
        var firstBytes = [Bool](repeating: false, count: 256)
        var byID: [UInt32: Int] = [:]
        for (index, token) in tokens.enumerated() where !token.content.isEmpty {
            table.insert(token.content, id: UInt32(index))
            firstBytes[Int(token.content[0])] = true
            byID[token.id] = index
        }
        self.table = table
        self.lengths = Set(tokens.map(\.content.count)).filter { $0 > 0 }.sorted(by: >)
        self.firstBytes = firstBytes
        self.byID = byID
    }

    var isEmpty: Bool { tokens.isEmpty }

    func content(of id: UInt32) -> [UInt8]? { byID[id].map { tokens[$0].content } }

    func id(of content: String) -> UInt32? { table.id(of: Array(content.utf8)).map { tokens[Int($0)].id } }

    /// Non-overlapping leftmost-longest occurrences in `bytes[range]` of the tokens whose
    /// `normalized` flag is `normalized`. A special token the caller does not allow still consumes
    /// its text (so nothing else matches inside it) but is reported with a nil id.
    func matches(in bytes: [UInt8], _ range: Range<Int>, normalized: Bool, allowSpecial: Bool) -> [Match] {
        guard !tokens.isEmpty else { return [] }
        var result: [Match] = []
        bytes.withUnsafeBufferPointer { buffer in
            var position = range.lowerBound
            outer: while position < range.upperBound {
                if firstBytes[Int(buffer[position])] {
                    for length in lengths where position + length <= range.upperBound {
                        let slice = UnsafeBufferPointer(rebasing: buffer[position..<position + length])
                        guard let index = table.id(of: slice) else { continue }
                        let token = tokens[Int(index)]
                        guard token.normalized == normalized else { continue }
                        result.append(Match(range: position..<position + length, id: token.special && !allowSpecial ? nil : token.id))
                        position += length
                        continue outer
                    }
                }
                position += 1
            }
        }
        return result
    }
}
