/// Merge rules keyed by the ids of two adjacent parts: an open-addressing table from a pair of ids
/// to the merge's priority, one 8-byte word per slot (`left << 42 | right << 21 | priority`), so a
/// probe reads one word and the table is half the size of separate keys and values: the long
/// pieces of random text probe it about once per byte, mostly for pairs no prose uses.
struct PairTable: Sendable {
    /// Ids and priorities must stay below this (2,097,151; vocabularies have a few hundred
    /// thousand tokens): the all-ones word marks an empty slot.
    static let fieldBound = (1 << 21) - 1
    private static let empty = UInt64.max
    static let fieldMask: UInt64 = (1 << 21) - 1
    private var slots: [UInt64]
    private let mask: Int
    /// A blocked Bloom filter: each pair sets two bits of one word, 8 bits per slot (at least 16
    /// per pair), so all but one or two percent of the pairs that do not merge are answered from
    /// this array (an eighth of the slots' size) without reading a slot.
    private var filter: [UInt64]
    private let filterMask: Int
    /// Answers recently read from the slots, shared by every thread using the table
    /// (``withCache()``); nil while the table is being built.
    private var cache: PairCache?

    init(expectedCount: Int) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        slots = [UInt64](repeating: Self.empty, count: size)
        mask = size - 1
        filter = [UInt64](repeating: 0, count: size / 8)
        filterMask = size / 8 - 1
    }

    /// Sets the rule for a pair; a later rule for the same pair replaces the earlier one, as
    /// Hugging Face's map built from the merge list does.
    mutating func insert(left: UInt32, right: UInt32, priority: UInt32) {
        precondition(Int(left) < Self.fieldBound && Int(right) < Self.fieldBound && Int(priority) < Self.fieldBound)
        let key = Self.key(left, right)
        var slot = Self.slot(key) & mask
        while slots[slot] != Self.empty && slots[slot] >> 21 != key { slot = (slot + 1) & mask }
        let (word, bits) = Self.filterBits(key, filterMask)
        filter[word] |= bits
        slots[slot] = key << 21 | UInt64(priority)
    }

    /// This table, with a cache of answers in front of its slots from now on when the slots are
    /// larger than a core's L2 (call when built). A smaller table is its own cache: in front of
    /// claude_legacy's 1 MiB of slots the cache made prose 18% slower.
    func withCache() -> PairTable {
        guard slots.count * MemoryLayout<UInt64>.stride > 2 << 20 else { return self }
        var table = self
        table.cache = PairCache()
        return table
    }

    /// The priority of merging `left` and `right`, or `UInt32.max` when the pair does not merge.
    @inline(__always)
    func lookup(left: UInt32, right: UInt32) -> UInt32 {
        let key = Self.key(left, right)
        let (word, bits) = Self.filterBits(key, filterMask)
        guard filter.withUnsafeBufferPointer({ $0[word] }) & bits == bits else { return .max }
        if let cache, let cached = cache[key] { return cached }
        let found = slots.withUnsafeBufferPointer { slots in
            var slot = Self.slot(key) & mask
            while true {
                let stored = slots[slot]
                if stored >> 21 == key { return UInt32(truncatingIfNeeded: stored & Self.fieldMask) }
                if stored == Self.empty { return UInt32.max }
                slot = (slot + 1) & mask
            }
        }
        cache?.store(key, found)
        return found
    }

    @inline(__always)
    private static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 21 | UInt64(right) }

    /// The filter word of a key and the two bits it sets there (hash bits other than the slot's).
    @inline(__always)
    private static func filterBits(_ key: UInt64, _ filterMask: Int) -> (Int, UInt64) {
        let h = key &* 0xD6E8_FEB8_6659_FD93
        let word = Int(truncatingIfNeeded: h >> 40) & filterMask
        return (word, 1 << (h >> 58) | 1 << (h >> 20 & 63))  // bits apart from the word's
    }

    @inline(__always)
    private static func slot(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }
}

/// What a vocabulary says about adjacent bytes: the priority of merging two as single-byte parts
/// (a piece's first pairs, one per byte, read from a 256 KiB array instead of the pair table),
/// and whether any token holds two, or three, of them in a row.
///
/// Where no token holds two bytes in a row, no part can ever span them (every part is a token),
/// so the merges on either side never meet: the piece merges as two pieces cut there, exactly.
/// The same holds where the two bytes do not merge (no two-byte part spans them) and no token
/// holds the three-byte run on either side (no longer part does). Random text has such a cut
/// every few bytes, which keeps its long pieces' merges short.
struct BytePairTable: Sendable {
    private let priorities: [UInt32]
    /// One bit per byte pair (`left << 8 | right`): set when some token holds the two in a row.
    private let joined: [UInt64]
    /// One bit per three bytes (`a << 16 | b << 8 | c`): set when some token holds the three in a row.
    private let joined3: [UInt64]

    init(pairs: PairTable, byteIDs: [UInt32], tokens: TokenTable) {
        var priorities = [UInt32](repeating: .max, count: 65_536)
        for left in 0..<256 {
            for right in 0..<256 {
                priorities[left << 8 | right] = pairs.lookup(left: byteIDs[left], right: byteIDs[right])
            }
        }
        var joined = [UInt64](repeating: 0, count: 65_536 / 64)
        var joined3 = [UInt64](repeating: 0, count: (1 << 24) / 64)
        joined.withUnsafeMutableBufferPointer { joined in
            joined3.withUnsafeMutableBufferPointer { joined3 in
                tokens.forEachToken { _, bytes in
                    guard bytes.count > 1 else { return }
                    for k in 1..<bytes.count {
                        let pair = Int(bytes[k - 1]) << 8 | Int(bytes[k])
                        joined[pair >> 6] |= 1 << UInt64(pair & 63)
                        guard k >= 2 else { continue }
                        let triple = Int(bytes[k - 2]) << 16 | pair
                        joined3[triple >> 6] |= 1 << UInt64(triple & 63)
                    }
                }
            }
        }
        self.priorities = priorities
        self.joined = joined
        self.joined3 = joined3
    }

    @inline(__always)
    func joined(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        let triple = Int(a) << 16 | Int(b) << 8 | Int(c)
        return joined3.withUnsafeBufferPointer { $0[triple >> 6] } >> UInt64(triple & 63) & 1 != 0
    }

    @inline(__always)
    func priority(_ left: UInt8, _ right: UInt8) -> UInt32 {
        priorities.withUnsafeBufferPointer { $0[Int(left) << 8 | Int(right)] }
    }

    /// Whether some token holds `left` followed by `right`; when not, a piece can be cut between them.
    @inline(__always)
    func joined(_ left: UInt8, _ right: UInt8) -> Bool {
        let pair = Int(left) << 8 | Int(right)
        return joined.withUnsafeBufferPointer { $0[pair >> 6] } >> UInt64(pair & 63) & 1 != 0
    }
}

/// A direct-mapped cache of pair-table answers, `key << 21 | priority` per word (priority
/// all ones for "does not merge"), in atomic words so threads sharing an encoding fill it without
/// a lock: every answer is the table's, so a word is only ever replaced by another true one.
/// The slots of a large vocabulary do not fit in cache (o200k: 446,189 pairs, 8 MiB); the pairs
/// random text meets again and again do (512 KiB).
struct PairCache: Sendable {
    private static let count = 1 << 16
    private static let empty = UInt64.max
    private let words = AtomicWords(count: count, initialValue: empty)

    @inline(__always)
    private static func index(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0xA24B_AED4_963E_E407) >> 48) }

    /// The priority remembered for `key` (`.max`: does not merge), or nil when none is.
    @inline(__always)
    subscript(key: UInt64) -> UInt32? {
        let stored = words.load(Self.index(key))
        guard stored != Self.empty, stored >> 21 == key else { return nil }
        let priority = UInt32(truncatingIfNeeded: stored & PairTable.fieldMask)
        return priority == UInt32(PairTable.fieldMask) ? .max : priority
    }

    @inline(__always)
    func store(_ key: UInt64, _ priority: UInt32) {
        words.store(Self.index(key), key << 21 | UInt64(min(priority, UInt32(PairTable.fieldMask))))
    }
}
