/// tiktoken's rule: two parts merge when their concatenation is a token; lowest rank first.
///
/// Parts are always tokens, so "the concatenation is a token" is precomputed as a table of
/// token-id pairs (every way to cut every token in two tokens): a merge test is then one integer
/// probe instead of hashing and comparing bytes.
struct RankedTokens: MergeRule {
    let tokens: TokenTable
    let byteIDs: [UInt32]
    private let pairs: PairTable

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
        for (left, right, id) in splits { pairs.insert(left: left, right: right, priority: id, merged: id) }
        self.pairs = pairs
    }

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteIDs[Int(byte)] }

    @inline(__always)
    func merge(_ piece: UnsafeBufferPointer<UInt8>, start: Int, mid: Int, end: Int, left: UInt32, right: UInt32) -> UInt64 {
        pairs.lookup(left: left, right: right)
    }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? { tokens.id(of: piece) }

    var priorityBound: Int { tokens.idBound }
}
