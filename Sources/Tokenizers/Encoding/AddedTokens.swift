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
    /// The tokens' bytes as a trie: the child of node `n` by byte `b` at `n << 8 | b` (node 0 is
    /// the root), and the token each node spells, or -1. A position whose first two bytes pass
    /// `prefixes` walks it only as far as some token goes on, not once per token length: a text of
    /// fullwidth letters shares its first two bytes with DeepSeek's `｜DSML｜` at every other
    /// letter, and `<|` begins 416 of its tokens.
    private let children: IntegerMap
    private let tokenAt: [Int32]
    /// The tokens' distinct lengths, longest first, when there are few enough that looking each
    /// up is cheaper than walking the trie (o200k's `<|endoftext|>` is one lookup, not 13 steps);
    /// nil otherwise (DeepSeek's 1,283 added tokens have 28 lengths).
    private let lengths: [Int]?
    /// Bit set of the first two bytes of every token (one bit per 16-bit prefix): most positions
    /// are rejected with one load, even where a common lead byte (0xEF for U+FFFD and `｜`) recurs.
    private let prefixes: [UInt64]
    /// First bytes of one-byte tokens.
    private let singles: [Bool]
    /// First bytes of any token: the walk skips every other byte in a tight loop (a prompt is
    /// nearly all such bytes).
    private let leads: [Bool]
    private let byID: [UInt32: Int]

    init(_ tokens: [Token]) {
        self.tokens = tokens
        var table = TokenTable(expectedCount: tokens.count)
        var prefixes = [UInt64](repeating: 0, count: 1024)
        var singles = [Bool](repeating: false, count: 256)
        var leads = [Bool](repeating: false, count: 256)
        var byID: [UInt32: Int] = [:]
        var edges: [UInt64: UInt32] = [:]
        var tokenAt: [Int32] = [-1]
        for (index, token) in tokens.enumerated() where !token.content.isEmpty {
            table.insert(token.content, id: UInt32(index))
            var node: Int32 = 0
            for byte in token.content {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let child = edges[key] {
                    node = Int32(child)
                } else {
                    let child = Int32(tokenAt.count)
                    edges[key] = UInt32(child)
                    tokenAt.append(-1)
                    node = child
                }
            }
            if tokenAt[Int(node)] < 0 { tokenAt[Int(node)] = Int32(index) }  // the first of duplicates, as `table` keeps
            leads[Int(token.content[0])] = true
            if token.content.count == 1 {
                singles[Int(token.content[0])] = true
            } else {
                let prefix = Int(token.content[0]) << 8 | Int(token.content[1])
                prefixes[prefix >> 6] |= 1 << UInt64(prefix & 63)
            }
            byID[token.id] = index
        }
        self.table = table
        self.children = IntegerMap(edges)
        self.tokenAt = tokenAt
        let lengths = Set(tokens.map(\.content.count)).filter { $0 > 0 }.sorted(by: >)
        self.lengths = lengths.count <= 4 ? lengths : nil
        self.prefixes = prefixes
        self.singles = singles
        self.leads = leads
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
        bytes.withUnsafeBufferPointer { buffer in leads.withUnsafeBufferPointer { leads in
            var position = range.lowerBound
            outer: while position < range.upperBound {
                while !leads[Int(buffer[position])] {
                    position += 1
                    if position == range.upperBound { break outer }
                }
                let first = Int(buffer[position])
                let prefix = position + 1 < range.upperBound ? first << 8 | Int(buffer[position + 1]) : -1
                if singles[first] || (prefix >= 0 && prefixes[prefix >> 6] & (1 << UInt64(prefix & 63)) != 0) {
                    if let lengths {
                        for length in lengths where position + length <= range.upperBound {
                            let slice = UnsafeBufferPointer(rebasing: buffer[position..<position + length])
                            guard let index = table.id(of: slice) else { continue }
                            let token = tokens[Int(index)]
                            guard token.normalized == normalized else { continue }
                            result.append(Match(range: position..<position + length, id: token.special && !allowSpecial ? nil : token.id))
                            position += length
                            continue outer
                        }
                        position += 1
                        continue
                    }
                    // The longest token of the wanted kind along the walk.
                    var node: Int32 = 0
                    var end = position
                    var found: (index: Int, end: Int)? = nil
                    while end < range.upperBound, let child = children[UInt64(node) << 8 | UInt64(buffer[end])] {
                        node = Int32(child)
                        end += 1
                        let index = Int(tokenAt[Int(node)])
                        if index >= 0 && tokens[index].normalized == normalized { found = (index, end) }
                    }
                    if let found {
                        let token = tokens[found.index]
                        result.append(Match(range: position..<found.end, id: token.special && !allowSpecial ? nil : token.id))
                        position = found.end
                        continue outer
                    }
                }
                position += 1
            }
        } }
        return result
    }
}
