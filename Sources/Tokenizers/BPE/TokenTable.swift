import Foundation

/// The byte strings of a vocabulary with their ids: an open-addressing hash table looked up by
/// byte slice (no `Array` allocated per lookup on the hot path), and the reverse map for decoding.
struct TokenTable: Sendable {
    private var storage: [UInt8] = []
    private var entryStart: [UInt32] = []
    private var entryLength: [UInt32] = []
    private var entryID: [UInt32] = []
    /// Two words per slot. The first: the key's hash fingerprint (high 32 bits) and id + 1 (low
    /// 32 bits); 0 is an empty slot. The second: a key of up to seven bytes itself (bytes from the
    /// low end, length in the top byte), or `longKey` with the entry's index in the low half. So a
    /// short key, which almost every token is, is found and compared in one cache line; a long one
    /// is compared with its entry's bytes when the fingerprint matches.
    private var slots: [UInt64]
    private static let longKey: UInt64 = 0xFF << 56
    private var mask: Int
    /// One bit per hash value (other bits of the hash than the slot's): clear means no token has
    /// that hash. Four bits per slot, so a thirty-second of the slots' size: it stays in cache
    /// where the slots do not, and a piece that is not a token (most of a text of random letters) is
    /// usually turned away without touching them.
    private var filter: [UInt64]
    private var filterMask: Int
    /// Entry index + 1 by token id; 0 where no token has the id.
    private var entryByID: [UInt32] = []
    /// The longest token's length: longer keys are answered without hashing them.
    private(set) var longest = 0

    init(expectedCount: Int) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: 2 * size)
        mask = size - 1
        filter = [UInt64](repeating: 0, count: size * 4 / 64)
        filterMask = size * 4 - 1
        storage.reserveCapacity(expectedCount * 8)
    }

    var count: Int { entryID.count }

    /// One more than the largest id.
    var idBound: Int { entryByID.count }

    /// Adds a token; a byte string already present keeps its first id (tiktoken and HF vocabularies
    /// hold no duplicates, so this only guards against malformed files).
    mutating func insert(_ bytes: some Collection<UInt8>, id: UInt32) {
        let start = storage.count
        storage.append(contentsOf: bytes)
        let length = storage.count - start
        let hash = storage.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<start + length])) }
        if storage.withUnsafeBufferPointer({ find(UnsafeBufferPointer(rebasing: $0[start..<start + length]), hash: hash) }) != nil {
            storage.removeLast(length)
            return
        }
        if count * 4 >= slots.count { grow() }
        entryStart.append(UInt32(start))
        entryLength.append(UInt32(length))
        entryID.append(id)
        place(entry: entryID.count - 1, hash: hash)
        if Int(id) >= entryByID.count { entryByID.append(contentsOf: repeatElement(0, count: Int(id) + 1 - entryByID.count)) }
        entryByID[Int(id)] = UInt32(entryID.count)
        longest = max(longest, length)
    }

    private mutating func place(entry: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[2 * slot] != 0 { slot = (slot + 1) & mask }
        slots[2 * slot] = Self.fingerprint(hash) | UInt64(entryID[entry] + 1)
        let start = Int(entryStart[entry])
        let packed = storage.withUnsafeBufferPointer {
            Self.packed(UnsafeBufferPointer(rebasing: $0[start..<start + Int(entryLength[entry])]))
        }
        slots[2 * slot + 1] = packed == Self.longKey ? Self.longKey | UInt64(entry) : packed
        let bit = filterBit(hash)
        filter[bit >> 6] |= 1 << UInt64(bit & 63)
    }

    @inline(__always)
    private func filterBit(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 32) & filterMask }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        mask = slots.count / 2 - 1
        filter = [UInt64](repeating: 0, count: slots.count / 2 * 4 / 64)
        filterMask = slots.count / 2 * 4 - 1
        for entry in 0..<entryID.count {
            let start = Int(entryStart[entry])
            let hash = storage.withUnsafeBufferPointer {
                Self.hash(UnsafeBufferPointer(rebasing: $0[start..<start + Int(entryLength[entry])]))
            }
            place(entry: entry, hash: hash)
        }
    }

    /// The id of exactly these bytes, if they are a token.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard key.count <= longest else { return nil }
        return find(key, hash: Self.hash(key))
    }

    func id(of bytes: [UInt8]) -> UInt32? {
        bytes.withUnsafeBufferPointer { id(of: $0) }
    }

    /// The id of `key`, whose hash is `hash`.
    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> UInt32? {
        let bit = filterBit(hash)
        guard filter.withUnsafeBufferPointer({ $0[bit >> 6] }) & (1 << UInt64(bit & 63)) != 0 else { return nil }
        let packed = Self.packed(key)
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash) & mask
            if packed != Self.longKey {
                while true {
                    let stored = slots[2 * slot]
                    if stored == 0 { return nil }
                    if slots[2 * slot + 1] == packed { return UInt32(truncatingIfNeeded: stored) - 1 }
                    slot = (slot + 1) & mask
                }
            }
            let fingerprint = Self.fingerprint(hash)
            return storage.withUnsafeBufferPointer { storage in
                while true {
                    let stored = slots[2 * slot]
                    if stored == 0 { return nil }
                    let second = slots[2 * slot + 1]
                    if stored & 0xFFFF_FFFF_0000_0000 == fingerprint && second & 0xFF00_0000_0000_0000 == Self.longKey {
                        let id = UInt32(truncatingIfNeeded: stored) - 1
                        let entry = Int(truncatingIfNeeded: second & 0xFFFF_FFFF)
                        let start = Int(entryStart[entry])
                        if Int(entryLength[entry]) == key.count, memcmp(storage.baseAddress! + start, key.baseAddress!, key.count) == 0 {
                            return id
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// A key of up to seven bytes as one word (bytes from the low end, length in the top byte);
    /// `longKey` for a longer one.
    @inline(__always)
    private static func packed(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard key.count <= 7 else { return longKey }
        var word = UInt64(key.count) << 56
        for k in 0..<key.count { word |= UInt64(key[k]) << (8 * UInt64(k)) }
        return word
    }

    @inline(__always)
    private static func fingerprint(_ hash: UInt64) -> UInt64 { hash & 0xFFFF_FFFF_0000_0000 }

    /// Calls `body` with the id and bytes of every token, in no particular order.
    func forEachToken(_ body: (UInt32, UnsafeBufferPointer<UInt8>) -> Void) {
        storage.withUnsafeBufferPointer { storage in
            for entry in 0..<entryID.count {
                let start = Int(entryStart[entry])
                body(entryID[entry], UnsafeBufferPointer(rebasing: storage[start..<start + Int(entryLength[entry])]))
            }
        }
    }

    /// The bytes of token `id`, if the vocabulary has it.
    func bytes(of id: UInt32) -> ArraySlice<UInt8>? {
        guard Int(id) < entryByID.count, entryByID[Int(id)] != 0 else { return nil }
        let entry = Int(entryByID[Int(id)]) - 1
        let start = Int(entryStart[entry])
        return storage[start..<start + Int(entryLength[entry])]
    }

    /// FNV-1a, then a final avalanche so the low bits used for the slot are well mixed.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }
}
