/// tiktoken's rule: two parts merge when their concatenation is a token; lowest rank first.
///
/// Parts are always tokens, so "the concatenation is a token" is precomputed as a table of
/// token-id pairs (every way to cut every token in two tokens): a merge test is then one integer
/// probe instead of hashing and comparing bytes.
struct RankedTokens: PairTableRule {
    let tokens: TokenTable
    let byteIDs: [UInt32]
    let pairs: PairTable
    let bytePairs: BytePairTable
    private(set) var runMerges: [RunMerge]

    init(tokens: TokenTable, byteIDs: [UInt32]) {
        self.tokens = tokens
        self.byteIDs = byteIDs
        var splits: [(UInt32, UInt32, UInt32)] = []
        splits.reserveCapacity(tokens.idBound * 2)
        for id in 0..<UInt32(tokens.idBound) {
            guard let bytes = tokens.bytes(of: id), bytes.count > 1 else { continue }
            bytes.withUnsafeBufferPointer { buffer in
                for cut in 1..<buffer.count {
                    guard let left = tokens.id(of: UnsafeBufferPointer(rebasing: buffer[..<cut])),
                        let right = tokens.id(of: UnsafeBufferPointer(rebasing: buffer[cut...]))
                    else { continue }
                    splits.append((left, right, id))
                }
            }
        }
        var pairs = PairTable(expectedCount: splits.count)
        for (left, right, id) in splits { pairs.insert(left: left, right: right, priority: id) }
        self.pairs = pairs.withCache()
        self.bytePairs = BytePairTable(pairs: pairs, byteIDs: byteIDs, tokens: tokens)
        self.runMerges = []
        self.runMerges = RunMerge.Alphabet.allCases.compactMap { RunMerge($0, tokens: tokens, rule: self) }
    }

    /// A merge's priority is the merged token's rank, which is its id.
    @inline(__always)
    func mergedID(_ priority: UInt32) -> UInt32 { priority }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? { tokens.id(of: piece) }

    var priorityBound: Int { tokens.idBound }
}
