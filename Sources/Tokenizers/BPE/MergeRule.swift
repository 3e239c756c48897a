/// How a vocabulary decides which adjacent parts of a piece merge, and in which order.
///
/// Two conformances: tiktoken ranks (the merged bytes' own rank is the priority) and Hugging Face
/// merge lists (the pair's position in the list is the priority).
protocol MergeRule: Sendable {
    /// The id of a part that is one byte.
    func byteID(_ byte: UInt8) -> UInt32
    /// `priority << 32 | mergedID` for the adjacent parts `[start, mid)` and `[mid, end)` of
    /// `piece` with ids `left` and `right`, or `UInt64.max` when they do not merge.
    func merge(_ piece: UnsafeBufferPointer<UInt8>, start: Int, mid: Int, end: Int, left: UInt32, right: UInt32) -> UInt64
    /// The id of the whole piece when the encoding returns a piece that is itself a token as is
    /// (tiktoken does, before merging).
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32?
}

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
}

/// Hugging Face's BPE rule: pairs listed in the merge list merge, earliest listed first.
struct MergeList: MergeRule {
    let pairs: PairTable
    let byteIDs: [UInt32]

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteIDs[Int(byte)] }

    @inline(__always)
    func merge(_ piece: UnsafeBufferPointer<UInt8>, start: Int, mid: Int, end: Int, left: UInt32, right: UInt32) -> UInt64 {
        pairs.lookup(left: left, right: right)
    }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? { nil }
}
