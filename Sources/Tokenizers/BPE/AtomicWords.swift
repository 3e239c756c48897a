import Synchronization

/// A fixed number of 64-bit words that threads sharing an encoding read and write without a lock
/// (relaxed atomics): for tables filled as they are used, where every value written is the true
/// one, so a racing reader at worst sees an older word and works the answer out again
/// (``RunMerge``'s validity bits, ``PairCache``).
final class AtomicWords: Sendable {
    let count: Int
    private nonisolated(unsafe) let words: UnsafeMutablePointer<Atomic<UInt64>>

    init(count: Int, initialValue: UInt64) {
        self.count = count
        words = .allocate(capacity: count)
        for w in 0..<count { (words + w).initialize(to: Atomic(initialValue)) }
    }

    deinit {
        words.deinitialize(count: count)
        words.deallocate()
    }

    @inline(__always)
    func load(_ index: Int) -> UInt64 { words[index].load(ordering: .relaxed) }

    @inline(__always)
    func store(_ index: Int, _ value: UInt64) { words[index].store(value, ordering: .relaxed) }

    @inline(__always)
    func setBits(_ index: Int, _ bits: UInt64) { words[index].bitwiseOr(bits, ordering: .relaxed) }
}
