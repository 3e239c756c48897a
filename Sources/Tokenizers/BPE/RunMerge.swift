/// Long runs over a narrow alphabet — ASCII digits (after at most one space, as GPT-2's
/// ` ?\p{N}+` makes them), or ASCII whitespace — merged by the backtracking encoder of GitHub's
/// `bpe` crate over a table of the few tokens such a run can hold, with every pair's validity
/// remembered once decided.
///
/// claude_legacy's pattern keeps a run of digits whole, and every two and three digits are tokens;
/// every pattern keeps a run of whitespace whole, and most pairs of spaces, tabs and newlines are
/// tokens. So nothing can be cut, and such a run would go through
/// ``BytePairMerge/bucketed(_:rule:into:)`` at about 30 ns per merge. The encoder rests on one
/// fact of byte-pair merging with "lowest priority, then leftmost": a token sequence is the merge
/// result of its bytes exactly when every token is the merge result of its own bytes ("reachable")
/// and every adjacent pair `(a, b)` is "valid", meaning the bytes of `a` then `b` merge to exactly
/// `[a, b]`. (The merges inside one token of a result happen in the order they do for the token
/// alone; a first merge across a boundary would already happen in the two tokens alone.) Deciding
/// validity takes a walk down both tokens' merge trees (``isValid(_:_:rule:)``), which needs every
/// merge in a tree to have a higher priority than the merges below it; ``init(_:tokens:rule:)``
/// checks that and builds nothing when one fails (all five shipped vocabularies pass). Such an
/// alphabet is a vocabulary's small corner (digits and a space up to 2,381 tokens in
/// claude_legacy, whitespace about 400), so a table of two bits per ordered pair (1.35 MiB at
/// most, and never more than 4 MiB: ``maximumTokens``) remembers every walk:
/// after the first runs, a pair costs one load.
final class RunMerge: Sendable {
    /// The bytes a run is made of. Symbols below `bodyCount` may stand anywhere in a run, the
    /// others only first.
    enum Alphabet: Sendable, CaseIterable {
        /// `0`–`9`, after at most one space.
        case digits
        /// Space, tab, line feed, carriage return, vertical tab, form feed.
        case whitespace

        /// By byte: its symbol, or 0xFF for a byte outside the alphabet.
        var symbols: [UInt8] {
            var symbols = [UInt8](repeating: 0xFF, count: 256)
            switch self {
            case .digits:
                for digit in 0..<10 { symbols[0x30 + digit] = UInt8(digit) }
                symbols[0x20] = 10
            case .whitespace:
                for (symbol, byte) in [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].enumerated() { symbols[byte] = UInt8(symbol) }
            }
            return symbols
        }

        var symbolCount: Int { self == .digits ? 11 : 6 }
        var bodyCount: Int { self == .digits ? 10 : 6 }
    }

    /// A reachable token over the alphabet, by dense index (shortest tokens first).
    struct Token: Sendable {
        var id: UInt32
        /// Its last merge's priority + 1; 0 for a single byte.
        var priority: UInt32
        /// The dense indices of its last merge's halves (itself, for a single byte).
        var left: UInt16
        var right: UInt16
        var length: UInt16
        /// The longest token here that is a proper prefix of it, or `none`.
        var shorter: UInt16
    }

    static let none = UInt16.max
    /// The most tokens a table takes: 4,096 keep its validity bits within 4 MiB.
    static let maximumTokens = 4096

    let alphabet: Alphabet
    private let symbols: [UInt8]
    private let symbolCount: Int
    private let bodyCount: Int
    private let tokens: [Token]
    private let tokenCount: Int
    /// The trie: child of node `n` by symbol `s` at `n * symbolCount + s`, 0 for none (the root,
    /// node 0, is nobody's child).
    private let children: [UInt16]
    /// The token a trie node spells, or `none`.
    private let nodeToken: [UInt16]
    /// By four body symbols `abcd` at `((a * k + b) * k + c) * k + d` (`k` = `bodyCount`): the
    /// longest token among their prefixes (low half) and the trie node they lead to, or 0 (high
    /// half). Most tokens of a run are found here without walking the trie.
    private let byFourSymbols: [UInt32]
    /// By place `j` (0 first) and byte `b`, at `j * 256 + b`: `b`'s symbol times `k^(3 - j)`, so
    /// four bytes' index into `byFourSymbols` is four loads and three adds; a byte that is no body
    /// symbol weighs `k^4`, past the table.
    private let weights: [UInt32]
    /// Two bits per ordered pair of tokens, at `left * count + right`: 0 not yet decided, 1 valid,
    /// 2 not. Filled by whichever thread decides first; every thread decides the same.
    private let validity: ValidityBits

    /// Whether this table merges `piece`: bytes of the alphabet only, the lead-only ones first.
    @inline(__always)
    func covers(_ piece: UnsafeBufferPointer<UInt8>) -> Bool { Self.covers(piece, symbols: symbols, bodyCount: bodyCount) }

    @inline(__always)
    private static func covers(_ piece: UnsafeBufferPointer<UInt8>, symbols: [UInt8], bodyCount: Int) -> Bool {
        symbols.withUnsafeBufferPointer { symbols in
            guard let first = piece.first, symbols[Int(first)] != 0xFF else { return false }
            for byte in piece.dropFirst() where Int(symbols[Int(byte)]) >= bodyCount { return false }
            return true
        }
    }

    /// The table of `tokens` under `rule` for `alphabet`, or nil when some reachable token over it
    /// has a merge tree not ordered by priority, or there are more such tokens than
    /// ``maximumTokens`` (the validity bits grow with their square).
    init?<Rule: MergeRule>(_ alphabet: Alphabet, tokens table: TokenTable, rule: Rule) {
        let symbols = alphabet.symbols
        let symbolCount = alphabet.symbolCount
        let bodyCount = alphabet.bodyCount
        var candidates: [(id: UInt32, bytes: [UInt8])] = []
        table.forEachToken { id, bytes in
            guard Self.covers(bytes, symbols: symbols, bodyCount: bodyCount) else { return }
            candidates.append((id, Array(bytes)))
        }
        candidates.sort { ($0.bytes.count, $0.id) < ($1.bytes.count, $1.id) }
        var tokens: [Token] = []
        var dense: [UInt32: UInt16] = [:]
        for (id, bytes) in candidates {
            if bytes.count == 1 {
                guard rule.byteID(bytes[0]) == id else { continue }
                dense[id] = UInt16(tokens.count)
                tokens.append(Token(id: id, priority: 0, left: UInt16(tokens.count), right: UInt16(tokens.count), length: 1, shorter: Self.none))
                continue
            }
            // Unreachable tokens never appear in a merge result; a reachable one's halves are
            // reachable and shorter, so already indexed.
            guard let last = Self.lastMerge(bytes, rule: rule), last.merged == id else { continue }
            guard let left = dense[last.left], let right = dense[last.right] else { return nil }
            let priority = last.priority + 1
            guard priority > tokens[Int(left)].priority, priority > tokens[Int(right)].priority else { return nil }
            guard tokens.count < Self.maximumTokens else { return nil }
            dense[id] = UInt16(tokens.count)
            tokens.append(Token(id: id, priority: priority, left: left, right: right, length: UInt16(bytes.count), shorter: Self.none))
        }
        // Every single byte must be a token for the encoder to always find one.
        guard (0...255).allSatisfy({ symbols[$0] == 0xFF || dense[rule.byteID(UInt8($0))] != nil }) else { return nil }

        var children = [UInt16](repeating: 0, count: symbolCount)
        var nodeToken: [UInt16] = [Self.none]
        for index in tokens.indices {
            guard let bytes = table.bytes(of: tokens[index].id) else { continue }
            var node = 0
            var shorter = Self.none
            for byte in bytes {
                if nodeToken[node] != Self.none { shorter = nodeToken[node] }
                let slot = node * symbolCount + Int(symbols[Int(byte)])
                if children[slot] == 0 {
                    guard nodeToken.count < Int(Self.none) else { return nil }
                    children[slot] = UInt16(nodeToken.count)
                    nodeToken.append(Self.none)
                    children.append(contentsOf: repeatElement(0, count: symbolCount))
                }
                node = Int(children[slot])
            }
            nodeToken[node] = UInt16(index)
            tokens[index].shorter = shorter
        }
        let k = bodyCount
        var byFourSymbols = [UInt32](repeating: 0, count: k * k * k * k)
        for index in byFourSymbols.indices {
            var node = 0
            var best = UInt32(Self.none)
            for divisor in [k * k * k, k * k, k, 1] {
                node = Int(children[node * symbolCount + index / divisor % k])
                if node == 0 { break }
                if nodeToken[node] != Self.none { best = UInt32(nodeToken[node]) }
            }
            byFourSymbols[index] = UInt32(node) << 16 | best
        }
        self.alphabet = alphabet
        self.symbols = symbols
        self.symbolCount = symbolCount
        self.bodyCount = bodyCount
        self.tokens = tokens
        self.tokenCount = tokens.count
        self.children = children
        self.nodeToken = nodeToken
        self.byFourSymbols = byFourSymbols
        var weights = [UInt32](repeating: UInt32(k * k * k * k), count: 4 * 256)
        for place in 0..<4 {
            let scale = [k * k * k, k * k, k, 1][place]
            for byte in 0..<256 where Int(symbols[byte]) < k { weights[place * 256 + byte] = UInt32(Int(symbols[byte]) * scale) }
        }
        self.weights = weights
        self.validity = ValidityBits(count: tokens.count)
    }

    /// The tokens of `piece`, which ``covers(_:)`` accepts, appended to `out`. Take the longest
    /// token that starts here and is valid after the previous one, else the next shorter one; when
    /// none is, the position is a dead end and the previous token is taken back. By the fact above,
    /// the one sequence of valid pairs that covers the piece is the merge result, and every prefix
    /// of the result is the merge result of its bytes, so a position found dead after one valid
    /// prefix is dead after any. Returns false, with `out` as it was, if no sequence is found, which
    /// the fact rules out.
    func encode<Rule: MergeRule>(_ piece: UnsafeBufferPointer<UInt8>, rule: Rule, into out: inout [UInt32]) -> Bool {
        let n = piece.count
        return withTables { tables in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: n) { taken in
                withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n / 64 + 1) { dead in
                    dead.initialize(repeating: 0)
                    let tokens = tables.tokens
                    var count = 0
                    var position = 0
                    var next = tables.longest(in: piece, from: 0)
                    while position < n {
                        var token = next
                        let last = count > 0 ? taken[count - 1] : Self.none
                        while true {
                            let end = position + Int(tokens[Int(token)].length)
                            if dead[end >> 6] & (1 << UInt64(end & 63)) == 0 && (last == Self.none || isValid(last, token, rule: rule)) {
                                taken[count] = token
                                count += 1
                                position = end
                                if end < n { next = tables.longest(in: piece, from: end) }
                                break
                            }
                            let shorter = tokens[Int(token)].shorter
                            if shorter != Self.none {
                                token = shorter
                                continue
                            }
                            guard last != Self.none else { return false }
                            dead[position >> 6] |= 1 << UInt64(position & 63)
                            count -= 1
                            position -= Int(tokens[Int(last)].length)
                            next = last
                            break
                        }
                    }
                    out.reserveCapacity(out.count + count)
                    for k in 0..<count { out.append(tokens[Int(taken[k])].id) }
                    return true
                }
            }
        }
    }

    /// The lookup tables as buffers, fetched once per run rather than once per token.
    private struct Tables {
        let tokens: UnsafeBufferPointer<Token>
        let symbols: UnsafeBufferPointer<UInt8>
        let children: UnsafeBufferPointer<UInt16>
        let nodeToken: UnsafeBufferPointer<UInt16>
        let byFourSymbols: UnsafeBufferPointer<UInt32>
        let weights: UnsafeBufferPointer<UInt32>
        let symbolCount: Int
        let bodyCount: Int

        /// The longest token spelled from `start` on (a single byte at least).
        @inline(__always)
        func longest(in piece: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt16 {
            var node = 0
            var best = RunMerge.none
            var i = start
            // A lead-only first byte weighs past the table and walks the trie instead.
            let index =
                start + 4 <= piece.count
                ? Int(weights[Int(piece[start])] + weights[256 + Int(piece[start + 1])] + weights[512 + Int(piece[start + 2])]
                    + weights[768 + Int(piece[start + 3])]) : Int.max
            if index < byFourSymbols.count {
                let entry = byFourSymbols[index]
                best = UInt16(truncatingIfNeeded: entry)
                node = Int(entry >> 16)
                if node == 0 { return best }
                i += 4
            }
            while i < piece.count {
                node = Int(children[node * symbolCount + Int(symbols[Int(piece[i])])])
                if node == 0 { break }
                let token = nodeToken[node]
                if token != RunMerge.none { best = token }
                i += 1
            }
            return best
        }
    }

    @inline(__always)
    private func withTables<T>(_ body: (Tables) -> T) -> T {
        tokens.withUnsafeBufferPointer { tokens in
            symbols.withUnsafeBufferPointer { symbols in
                children.withUnsafeBufferPointer { children in
                    nodeToken.withUnsafeBufferPointer { nodeToken in
                        byFourSymbols.withUnsafeBufferPointer { byFourSymbols in
                            weights.withUnsafeBufferPointer { weights in
                                body(
                                    Tables(
                                        tokens: tokens, symbols: symbols, children: children, nodeToken: nodeToken,
                                        byFourSymbols: byFourSymbols, weights: weights, symbolCount: symbolCount, bodyCount: bodyCount))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether the bytes of `first` then `second` merge to exactly `[first, second]`: remembered,
    /// or decided by ``walk(_:_:rule:)`` and remembered.
    @inline(__always)
    func isValid<Rule: MergeRule>(_ first: UInt16, _ second: UInt16, rule: Rule) -> Bool {
        let index = Int(first) * tokenCount + Int(second)
        let known = validity.get(index)
        if known != 0 { return known == 1 }
        let valid = walk(first, second, rule: rule)
        validity.set(index, valid ? 1 : 2)
        return valid
    }

    /// Walks back through the merges of both tokens in time order (the later of the two halves'
    /// last merges is undone first). While parts `x` and `y` meet at the boundary, the merge that
    /// ends that (the one making x's or y's parent) is the highest-priority merge of the time, so
    /// `(x, y)` stays unmerged iff it loses to that one: a left merge wins ties against it, a right
    /// one loses them.
    private func walk<Rule: MergeRule>(_ first: UInt16, _ second: UInt16, rule: Rule) -> Bool {
        tokens.withUnsafeBufferPointer { tokens in
            var x = tokens[Int(first)]
            var y = tokens[Int(second)]
            var limit = UInt64.max  // in priority + 1; the two whole tokens must not merge at all
            while true {
                let merged = rule.priority(x.id, y.id)
                if merged != .max && UInt64(merged) + 1 < limit { return false }
                if x.priority > y.priority {
                    limit = UInt64(x.priority)
                    x = tokens[Int(x.right)]
                } else if y.priority == 0 {
                    return true
                } else {
                    limit = UInt64(y.priority) + 1
                    y = tokens[Int(y.left)]
                }
            }
        }
    }

    /// The last merge when `bytes` merge into a single part: its halves, its priority and the
    /// merged id; nil when they do not. The reference loop of ``BytePairMerge/naive(_:rule:into:)``,
    /// keeping the halves.
    private static func lastMerge<Rule: MergeRule>(_ bytes: [UInt8], rule: Rule) -> (left: UInt32, right: UInt32, priority: UInt32, merged: UInt32)? {
        var ids = bytes.map(rule.byteID)
        while ids.count > 1 {
            var at = -1
            var best = UInt32.max
            for i in 0..<ids.count - 1 {
                let priority = rule.priority(ids[i], ids[i + 1])
                if priority < best {
                    best = priority
                    at = i
                }
            }
            guard at >= 0 else { return nil }
            if ids.count == 2 { return (ids[0], ids[1], best, rule.mergedID(best)) }
            ids[at] = rule.mergedID(best)
            ids.remove(at: at + 1)
        }
        return nil
    }
}

/// Two bits per index in atomic words, so threads sharing an encoding can fill them without a lock:
/// a value once set is never changed, and a thread that reads 0 just decides the same value again.
private struct ValidityBits: Sendable {
    private let words: AtomicWords

    init(count: Int) { words = AtomicWords(count: (count * count + 31) / 32, initialValue: 0) }

    @inline(__always)
    func get(_ index: Int) -> UInt64 { words.load(index >> 5) >> UInt64((index & 31) << 1) & 3 }

    @inline(__always)
    func set(_ index: Int, _ value: UInt64) { words.setBits(index >> 5, value << UInt64((index & 31) << 1)) }
}
