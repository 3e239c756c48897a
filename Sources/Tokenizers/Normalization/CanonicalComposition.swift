import Foundation

/// NFC as Python's `unicodedata` (Qwen's tokenizer) computes it: Python 3.11's, whose tables are
/// Unicode 14.0 (`scripts/tokenizer-golden.sh`); scalars assigned since are kept as they are.
/// Computed by ``NormalizationTables``, on the stretches of text that may change.
enum CanonicalComposition {
    static func normalize(_ text: String) -> String {
        var text = text
        text.makeContiguousUTF8()
        let changed = text.utf8.withContiguousStorageIfAvailable { normalized($0) } ?? nil
        return changed.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// NFC of valid UTF-8, or nil when it is already normalized (the common case, found without
    /// copying).
    static func normalized(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        // Scalars below U+0300 are all NFC-stable and compose with nothing before them.
        if bytes.allSatisfy({ $0 < 0xCC }) { return nil }
        return piecewise(bytes, table: table, tables: tables)
    }

    private static let table = QuickCheckTable { mayChange($0) }
    static let tables = NormalizationTables(.canonical, tablesBefore: 15)

    /// Builds the tables now (the encoding's load calls this), not on the first non-ASCII text.
    static func prepare() {
        _ = table.mayChange(0x301)
        _ = tables.combiningClass(0x301)
    }

    /// Normalizes only where needed. Before a scalar the normalization cannot change or move
    /// (combining class 0, quick check Yes: every ASCII scalar, most letters) the text can be
    /// cut: nothing after it reorders or composes with anything before it. So each stretch of
    /// scalars `table` flags is normalized on its own, together with the cut-point scalar before
    /// it (which its marks may compose with) and up to the next cut point; the rest is copied.
    ///
    /// A stretch that is one scalar `singles` knows is replaced by its mapping without normalizing.
    static func piecewise(
        _ bytes: UnsafeBufferPointer<UInt8>, table: QuickCheckTable, singles: SingleScalarMappings? = nil, tables: NormalizationTables
    ) -> [UInt8]? {
        let n = bytes.count
        var out: [UInt8] = []
        var copied = 0  // bytes before this are in `out` (once anything was normalized)
        var cut = 0  // start of the last scalar the text may be cut before
        var i = 0
        while i < n {
            if bytes[i] < 0x80 {
                cut = i
                i += 1
                continue
            }
            var (value, width) = decode(bytes, i)
            guard table.mayChange(value) else {
                cut = i
                i += width
                continue
            }
            let flagged = value
            var end = i + width
            while end < n && bytes[end] >= 0x80 {
                (value, width) = decode(bytes, end)
                if !table.mayChange(value) { break }
                end += width
            }
            if out.isEmpty { out.reserveCapacity(n + n / 8) }
            if end - i <= 3, let mapping = singles?.mapping(of: flagged) {  // one scalar, mapped on its own
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<i]))
                out.append(contentsOf: mapping)
                copied = end
                cut = end
                i = end
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<cut]))
            tables.normalize(UnsafeBufferPointer(rebasing: bytes[cut..<end]), into: &out)
            copied = end
            cut = end
            i = end
        }
        guard copied > 0 else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<n]))
        return out
    }

    /// The scalar starting at byte `i` of valid UTF-8 (a String's), and its width in bytes.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0, i + 1 < bytes.count { return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1]) & 0x3F, 2) }
        if b0 < 0xF0, i + 2 < bytes.count {
            return ((b0 & 0x0F) << 12 | (UInt32(bytes[i + 1]) & 0x3F) << 6 | UInt32(bytes[i + 2]) & 0x3F, 3)
        }
        guard b0 >= 0xF0, i + 3 < bytes.count else { return (0xFFFD, 1) }  // not reached on a String's bytes
        let v = (b0 & 0x07) << 18 | (UInt32(bytes[i + 1]) & 0x3F) << 12 | (UInt32(bytes[i + 2]) & 0x3F) << 6 | UInt32(bytes[i + 3]) & 0x3F
        return (v, 4)
    }

    /// Whether NFC could change or move this scalar (its NFC_Quick_Check is not Yes), judged
    /// conservatively from the standard library's properties: a non-zero combining class,
    /// composition exclusion (what decomposes for good), or a block holding the composing
    /// vowel signs and jamo of combining class 0 (Indic, Sinhala, Myanmar, Hangul, Balinese,
    /// the Brahmic scripts of plane 1).
    static func mayChange(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x300 { return false }
        if (0x0900...0x1DFF).contains(v) || (0x11000...0x11FFF).contains(v) || (0x16000...0x16FFF).contains(v) { return true }
        return scalar.properties.canonicalCombiningClass.rawValue != 0 || scalar.properties.isFullCompositionExclusion
    }
}

/// The normalization of single Basic Multilingual Plane scalars that a piecewise normalizer may
/// replace without normalizing their stretch: those whose mapping (the normalizer's own, of the
/// scalar alone) is made only of scalars canonical composition leaves alone and that compose with
/// nothing before them. Between two cut points such a scalar cannot interact with its
/// neighbours (the one before is a stable starter, the one after composes with nothing before
/// it), so its stretch normalizes to the scalar before it followed by the mapping. Random text
/// is full of them (², ª, ¼, the no-break space); each would otherwise be a run to normalize.
struct SingleScalarMappings: Sendable {
    /// Per BMP scalar: offset + 1 into `storage` of its mapping (length in the top byte), or 0.
    private let index: [UInt32]
    private let storage: [UInt8]

    /// `candidates` picks the scalars to try (those the normalizer flags; ones canonical
    /// composition may touch are never taken); `normalize` is the normalizer of a stretch.
    init(candidates: (UInt32) -> Bool, normalize: (String) -> String) {
        var index = [UInt32](repeating: 0, count: 0x10000)
        var storage: [UInt8] = []
        for value in UInt32(0x80)..<0x10000 {
            guard candidates(value), let scalar = Unicode.Scalar(value), !CanonicalComposition.mayChange(scalar) else { continue }
            let mapping = normalize(String(Character(scalar)))
            guard mapping.unicodeScalars.allSatisfy({ !CanonicalComposition.mayChange($0) }) else { continue }
            let bytes = Array(mapping.utf8)
            guard bytes.count < 256, storage.count + 1 < 1 << 24 else { continue }
            index[Int(value)] = UInt32(bytes.count) << 24 | UInt32(storage.count + 1)
            storage.append(contentsOf: bytes)
        }
        self.index = index
        self.storage = storage
    }

    @inline(__always)
    func mapping(of value: UInt32) -> ArraySlice<UInt8>? {
        guard value < 0x10000 else { return nil }
        let entry = index[Int(value)]
        guard entry != 0 else { return nil }
        let start = Int(entry & 0xFF_FFFF) - 1
        return storage[start..<start + Int(entry >> 24)]
    }
}
