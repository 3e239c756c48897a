/// Hugging Face's BPE rule: pairs listed in the merge list merge, earliest listed first.
struct MergeList: MergeRule {
    let pairs: PairTable
    let byteIDs: [UInt32]
    /// The length of the merge list.
    let priorityBound: Int
    /// Tokens whose own bytes merge back into exactly themselves, by id (one bit each). A piece
    /// equal to such a token is that token without merging: a shortcut, not a rule change
    /// (Hugging Face's `ignore_merges` is off for these vocabularies).
    private let shortcuts: [UInt64]
    private let tokens: TokenTable

    /// A merge list; the shortcut set is computed here by merging every token's bytes once.
    init(pairs: PairTable, byteIDs: [UInt32], priorityBound: Int, tokens: TokenTable) {
        let plain = MergeList(pairs: pairs, byteIDs: byteIDs, priorityBound: priorityBound, tokens: tokens, shortcuts: [])
        var shortcuts = [UInt64](repeating: 0, count: (tokens.idBound + 63) / 64)
        var merged: [UInt32] = []
        for id in 0..<UInt32(tokens.idBound) {
            guard let bytes = tokens.bytes(of: id), bytes.count > 1 else { continue }
            merged.removeAll(keepingCapacity: true)
            bytes.withUnsafeBufferPointer { BytePairMerge.encode($0, rule: plain, into: &merged) }
            if merged.count == 1 && merged[0] == id { shortcuts[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        }
        self.init(pairs: pairs, byteIDs: byteIDs, priorityBound: priorityBound, tokens: tokens, shortcuts: shortcuts)
    }

    private init(pairs: PairTable, byteIDs: [UInt32], priorityBound: Int, tokens: TokenTable, shortcuts: [UInt64]) {
        self.pairs = pairs
        self.byteIDs = byteIDs
        self.priorityBound = priorityBound
        self.tokens = tokens
        self.shortcuts = shortcuts
    }

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteIDs[Int(byte)] }

    @inline(__always)
    func merge(_ piece: UnsafeBufferPointer<UInt8>, start: Int, mid: Int, end: Int, left: UInt32, right: UInt32) -> UInt64 {
        pairs.lookup(left: left, right: right)
    }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard !shortcuts.isEmpty, let id = tokens.id(of: piece), shortcuts[Int(id) >> 6] & (1 << UInt64(id & 63)) != 0 else {
            return nil
        }
        return id
    }
}
