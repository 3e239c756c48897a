/// tiktoken's rule: two parts merge when their concatenation is a token; lowest rank first.
struct RankedTokens: MergeRule {
    let tokens: TokenTable
    let byteIDs: [UInt32]

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteIDs[Int(byte)] }

    @inline(__always)
    func merge(_ piece: UnsafeBufferPointer<UInt8>, start: Int, mid: Int, end: Int, left: UInt32, right: UInt32) -> UInt64 {
        guard let rank = tokens.id(of: UnsafeBufferPointer(rebasing: piece[start..<end])) else { return .max }
        return UInt64(rank) << 32 | UInt64(rank)
    }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? { tokens.id(of: piece) }

    var priorityBound: Int { tokens.idBound }
}
