/// How a vocabulary decides which adjacent parts of a piece merge, and in which order.
///
/// Two conformances: tiktoken ranks (the merged bytes' own rank is the priority) and Hugging Face
/// merge lists (the pair's position in the list is the priority). Either way a priority names
/// exactly one merged token, so the merge step carries priorities and asks for the token only
/// when it merges.
protocol MergeRule: Sendable {
    /// The id of a part that is one byte.
    func byteID(_ byte: UInt8) -> UInt32
    /// The priority of merging the parts with ids `left` and `right`, or `UInt32.max` when they do
    /// not merge. Lower merges first.
    func priority(_ left: UInt32, _ right: UInt32) -> UInt32
    /// ``priority(_:_:)`` of two parts that are one byte each, `left` then `right`.
    func priority(bytes left: UInt8, _ right: UInt8) -> UInt32
    /// Whether some part could hold byte `left` followed by byte `right`. False is a promise: no
    /// part ever spans the two, so a piece merges exactly as the two pieces cut between them.
    func joined(_ left: UInt8, _ right: UInt8) -> Bool
    /// Whether some part could hold the three bytes in a row. False is a promise too: with
    /// ``joined(_:_:)`` and ``priority(bytes:_:)`` it tells where a piece can be cut.
    func joined(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool
    /// The id of the token a merge of this priority makes.
    func mergedID(_ priority: UInt32) -> UInt32
    /// The id of the whole piece when the encoding returns a piece that is itself a token as is
    /// (tiktoken does, before merging).
    func wholePiece(_ piece: UnsafeBufferPointer<UInt8>) -> UInt32?
    /// One more than the largest priority `priority` can return.
    var priorityBound: Int { get }
    /// The tables that merge long runs of digits or of whitespace, those the vocabulary allows.
    var runMerges: [RunMerge] { get }
}

extension MergeRule {
    /// No run tables unless a rule builds them (the shipped ones do).
    var runMerges: [RunMerge] { [] }
}

/// A rule that answers from a ``PairTable`` and a ``BytePairTable`` (both shipped rules); only
/// what a priority makes and the whole-piece rule differ between them.
protocol PairTableRule: MergeRule {
    var pairs: PairTable { get }
    var bytePairs: BytePairTable { get }
    var byteIDs: [UInt32] { get }
}

extension PairTableRule {
    @inline(__always)
    func byteID(_ byte: UInt8) -> UInt32 { byteIDs[Int(byte)] }

    @inline(__always)
    func priority(_ left: UInt32, _ right: UInt32) -> UInt32 { pairs.lookup(left: left, right: right) }

    @inline(__always)
    func priority(bytes left: UInt8, _ right: UInt8) -> UInt32 { bytePairs.priority(left, right) }

    @inline(__always)
    func joined(_ left: UInt8, _ right: UInt8) -> Bool { bytePairs.joined(left, right) }

    @inline(__always)
    func joined(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool { bytePairs.joined(a, b, c) }
}
