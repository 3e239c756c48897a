/// An immutable map from integer keys to 32-bit values: open addressing with linear probing,
/// keys and values side by side. A lookup is one multiply and usually one cache line, where a
/// `Dictionary` hashes with SipHash (added tokens' trie edges, canonical compositions).
struct IntegerMap: Sendable {
    private let slots: [Slot]
    private let mask: Int
    private static let empty = UInt64.max

    private struct Slot {
        var key: UInt64
        var value: UInt32
    }

    init(_ pairs: [UInt64: UInt32]) {
        var size = 16
        while size < pairs.count * 2 { size <<= 1 }
        var slots = [Slot](repeating: Slot(key: Self.empty, value: 0), count: size)
        for (key, value) in pairs {
            precondition(key != Self.empty)
            var slot = Self.slot(key) & (size - 1)
            while slots[slot].key != Self.empty { slot = (slot + 1) & (size - 1) }
            slots[slot] = Slot(key: key, value: value)
        }
        self.slots = slots
        self.mask = size - 1
    }

    @inline(__always)
    subscript(key: UInt64) -> UInt32? {
        slots.withUnsafeBufferPointer { slots in
            var slot = Self.slot(key) & mask
            while true {
                let stored = slots[slot]
                if stored.key == key { return stored.value }
                if stored.key == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private static func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) }
}
