/// Merge rules keyed by the ids of two adjacent parts: an open-addressing table from
/// `left << 32 | right` to `priority << 32 | mergedID`.
struct PairTable: Sendable {
    private static let empty = UInt64.max
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    /// One bit per hash value (bits of the hash above the slot's): clear means no rule for any
    /// pair with that hash, so most pairs that do not merge are answered from this array (a
    /// quarter of the keys' size, mostly in cache) without a miss on the keys.
    private var filter: [UInt64]
    private let filterMask: Int

    init(expectedCount: Int) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
        filter = [UInt64](repeating: 0, count: size * 2 / 64)
        filterMask = size * 2 - 1
    }

    /// Sets the rule for a pair; a later rule for the same pair replaces the earlier one, as
    /// Hugging Face's map built from the merge list does.
    mutating func insert(left: UInt32, right: UInt32, priority: UInt32, merged: UInt32) {
        let key = UInt64(left) << 32 | UInt64(right)
        var slot = Self.slot(key) & mask
        while keys[slot] != Self.empty && keys[slot] != key { slot = (slot + 1) & mask }
        let bit = Self.filterBit(key, filterMask)
        filter[bit >> 6] |= 1 << UInt64(bit & 63)
        keys[slot] = key
        values[slot] = UInt64(priority) << 32 | UInt64(merged)
    }

    /// `priority << 32 | mergedID`, or `UInt64.max` when the pair does not merge.
    @inline(__always)
    func lookup(left: UInt32, right: UInt32) -> UInt64 {
        let key = UInt64(left) << 32 | UInt64(right)
        let bit = Self.filterBit(key, filterMask)
        guard filter.withUnsafeBufferPointer({ $0[bit >> 6] }) & (1 << UInt64(bit & 63)) != 0 else { return UInt64.max }
        var slot = Self.slot(key) & mask
        while true {
            let stored = keys[slot]
            if stored == key { return values[slot] }
            if stored == Self.empty { return UInt64.max }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func filterBit(_ key: UInt64, _ filterMask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & filterMask
    }

    @inline(__always)
    private static func slot(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }
}
