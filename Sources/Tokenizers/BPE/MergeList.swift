/// Hugging Face's BPE rule: pairs listed in the merge list merge, earliest listed first.
struct MergeList: PairTableRule {
    let pairs: PairTable
    /// The token each merge makes, by priority (the merge's position in the list).
    let merged: [UInt32]
    let byteIDs: [UInt32]
    /// The length of the merge list.
    var priorityBound: Int { merged.count }
    /// Tokens whose own bytes merge back into exactly themselves, by id (one bit each). A piece
    /// equal to such a token is that token without merging: a shortcut, not a rule change
    /// (Hugging Face's `ignore_merges` is off for these vocabularies).
    private let shortcuts: [UInt64]
    let bytePairs: BytePairTable
    private let tokens: TokenTable
    let runMerges: [RunMerge]

    /// A merge list; the shortcut set is computed here by merging every token's bytes once.
    init(pairs: PairTable, merged: [UInt32], byteIDs: [UInt32], tokens: TokenTable) {
        let bytePairs = BytePairTable(pairs: pairs, byteIDs: byteIDs, tokens: tokens)
        let plain = MergeList(
            pairs: pairs, merged: merged, byteIDs: byteIDs, bytePairs: bytePairs, tokens: tokens, shortcuts: [], runMerges: [])
        var shortcuts = [UInt64](repeating: 0, count: (tokens.idBound + 63) / 64)
        var encoded: [UInt32] = []
        for id in 0..<UInt32(tokens.idBound) {
            guard let bytes = tokens.bytes(of: id), bytes.count > 1 else { continue }
            encoded.removeAll(keepingCapacity: true)
            bytes.withUnsafeBufferPointer { BytePairMerge.encode($0, rule: plain, into: &encoded) }
            if encoded.count == 1 && encoded[0] == id { shortcuts[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        }
        self.init(
            pairs: pairs, merged: merged, byteIDs: byteIDs, bytePairs: bytePairs, tokens: tokens, shortcuts: shortcuts,
            runMerges: RunMerge.Alphabet.allCases.compactMap { RunMerge($0, tokens: tokens, rule: plain) })
    }

    private init(
        pairs: PairTable, merged: [UInt32], byteIDs: [UInt32], bytePairs: BytePairTable, tokens: TokenTable, shortcuts: [UInt64],
        runMerges: [RunMerge]
    ) {
        self.pairs = pairs
        self.merged = merged
        self.bytePairs = bytePairs
        self.byteIDs = byteIDs
        self.tokens = tokens
        self.shortcuts = shortcuts
        self.runMerges = runMerges
    }

    @inline(__always)
    func mergedID(_ priority: UInt32) -> UInt32 { merged.withUnsafeBufferPointer { $0[Int(priority)] } }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard !shortcuts.isEmpty, let id = tokens.id(of: piece), shortcuts[Int(id) >> 6] & (1 << UInt64(id & 63)) != 0 else {
            return nil
        }
        return id
    }
}
