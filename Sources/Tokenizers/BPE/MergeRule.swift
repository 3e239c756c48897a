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
    /// One more than the largest priority `merge` can return.
    var priorityBound: Int { get }
}
