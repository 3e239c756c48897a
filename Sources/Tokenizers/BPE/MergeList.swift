/// Hugging Face's BPE rule: pairs listed in the merge list merge, earliest listed first.
struct MergeList: MergeRule {
    let pairs: PairTable
    let byteIDs: [UInt32]
    /// The length of the merge list.
    let priorityBound: Int

    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteIDs[Int(byte)] }

    @inline(__always)
    func merge(_ piece: UnsafeBufferPointer<UInt8>, start: Int, mid: Int, end: Int, left: UInt32, right: UInt32) -> UInt64 {
        pairs.lookup(left: left, right: right)
    }

    @inline(__always)
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32? { nil }
}
