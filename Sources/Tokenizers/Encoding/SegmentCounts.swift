#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Synchronization

/// The token counts of long stretches of ordinary text (between special tokens) this encoding has
/// counted lately, by their exact bytes.
///
/// An agent sends its whole history again on every turn, so nearly all of a long prompt was
/// counted a moment ago; a stretch's tokens depend on its bytes alone (the split pattern and the
/// merges never look past it), so a count kept by the bytes is the count encoding would give. Keys
/// are the bytes themselves, compared in full: a hit is never a near miss. Stretches shorter than
/// ``minimumBytes`` are encoded every time (cheaper than the lookup); at most ``capacityBytes`` of
/// keys are kept (a stretch longer than a quarter of that is never kept), the oldest dropped first.
final class SegmentCounts: Sendable {
    static let minimumBytes = 1_024
    let capacityBytes: Int

    init(capacityBytes: Int = 16 << 20) { self.capacityBytes = capacityBytes }

    private struct Key: Hashable, Sendable {
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        static func == (a: Key, b: Key) -> Bool {
            a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
            }
        }
    }

    private struct Table {
        var counts: [Key: Int] = [:]
        /// Keys in the order they came, for dropping the oldest.
        var order: [Key] = []
        var oldest = 0
        var bytes = 0
    }

    private let table = Mutex(Table())

    /// The count of `segment`, from the table or from `encode` (then kept).
    func count(_ segment: UnsafeBufferPointer<UInt8>, encode: () -> Int) -> Int {
        guard segment.count >= Self.minimumBytes, segment.count <= capacityBytes / 4 else { return encode() }
        let key = Key(bytes: Array(segment))
        if let count = table.withLock({ $0.counts[key] }) { return count }
        let count = encode()
        table.withLock { table in
            guard table.counts.updateValue(count, forKey: key) == nil else { return }
            table.order.append(key)
            table.bytes += key.bytes.count
            while table.bytes > capacityBytes {
                let dropped = table.order[table.oldest]
                table.oldest += 1
                table.counts[dropped] = nil
                table.bytes -= dropped.bytes.count
            }
            if table.oldest > 1_024, table.oldest * 2 > table.order.count {
                table.order.removeFirst(table.oldest)
                table.oldest = 0
            }
        }
        return count
    }

    /// How many stretches, and how many bytes of them, are kept.
    var kept: (stretches: Int, bytes: Int) { table.withLock { ($0.counts.count, $0.bytes) } }
}
