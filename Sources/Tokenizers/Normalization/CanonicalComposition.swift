import Foundation

/// NFC as Python's `unicodedata` (Qwen's tokenizer) computes it: Python 3.11's, whose tables are
/// Unicode 14.0 (`scripts/tokenizer-golden.sh`); scalars assigned since are kept as they are.
///
/// Foundation on Linux does not reorder combining marks across a character it decomposes
/// (`U+059E U+0F73` stays `U+059E U+0F71 U+0F72` instead of `U+0F71 U+0F72 U+059E`); normalizing
/// again fixes that, and since the true normalization is idempotent, repeating until nothing
/// changes gives the standard result.
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
        return piecewise(bytes, table: table) { run in
            fixedPoint(run) {
                foundationNormalizing($0, tablesBefore: 15, decomposition: { $0.decomposedStringWithCanonicalMapping }) {
                    $0.precomposedStringWithCanonicalMapping
                }
            }
        }
    }

    private static let table = QuickCheckTable { mayChange($0) }

    /// Builds the table now (the encoding's load calls this), not on the first non-ASCII text.
    static func prepare() { _ = table.mayChange(0x301) }

    /// Normalizes only where needed. Before a scalar the normalization cannot change or move
    /// (combining class 0, quick check Yes: every ASCII scalar, most letters) the text can be
    /// cut: nothing after it reorders or composes with anything before it. So each stretch of
    /// scalars `table` flags is normalized on its own, together with the cut-point scalar before
    /// it (which its marks may compose with) and up to the next cut point; the rest is copied.
    ///
    /// A stretch that is one scalar `singles` knows is replaced by its mapping without normalizing.
    static func piecewise(
        _ bytes: UnsafeBufferPointer<UInt8>, table: QuickCheckTable, singles: SingleScalarMappings? = nil,
        normalizeRun: (String) -> String
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
            let run = String(decoding: UnsafeBufferPointer(rebasing: bytes[cut..<end]), as: UTF8.self)
            out.append(contentsOf: normalizedAroundSupplementaryStarters(run, table: table, normalizeRun).utf8)
            copied = end
            cut = end
            i = end
        }
        guard copied > 0 else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<n]))
        return out
    }

    /// `normalize(run)`, except that Foundation is never given a supplementary-plane starter
    /// followed by anything: on Linux it composes such a starter with a following scalar as if it
    /// were the scalar of its low 16 bits (U+10041 U+0301 became Á, TAG LATIN SMALL LETTER G
    /// U+E0067 U+0301 became ǵ). (Its compatibility composition also misreads one supplementary
    /// mark; `CompatibilityComposition` handles that.) Outside the few supplementary scalars that
    /// take part in a canonical composition, such a starter composes with nothing and nothing
    /// reorders across it, so the run is normalized in the parts between them, each kept as it
    /// is; one that `table` flags is first replaced by its own normalization (𝐀 → A under NFKC),
    /// which normalizes to the same (a scalar's mapping decomposes as the scalar does).
    static func normalizedAroundSupplementaryStarters(
        _ run: String, table: QuickCheckTable, _ normalize: (String) -> String
    ) -> String {
        guard run.unicodeScalars.contains(where: isLoneSupplementaryStarter) else { return normalize(run) }
        var scalars = String.UnicodeScalarView()
        for scalar in run.unicodeScalars {
            if isLoneSupplementaryStarter(scalar) && table.mayChange(scalar.value) {
                scalars.append(contentsOf: normalize(String(Character(scalar))).unicodeScalars)  // alone, it is normalized right
            } else {
                scalars.append(scalar)
            }
        }
        return normalizing(String(scalars), keeping: isLoneSupplementaryStarter, normalize)
    }

    /// A starter beyond the Basic Multilingual Plane that no canonical composition holds.
    private static func isLoneSupplementaryStarter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x10000 && scalar.properties.canonicalCombiningClass.rawValue == 0
            && !supplementaryCompositionScalars.contains(scalar.value)
    }

    /// The supplementary scalars that canonical compositions hold, first or second (Kaithi,
    /// Chakma, Grantha, Tirhuta, Siddham, Dives Akuru; Unicode 14, Python's `unicodedata`).
    private static let supplementaryCompositionScalars: Set<UInt32> = [
        0x11099, 0x1109B, 0x110A5, 0x110BA, 0x11127, 0x11131, 0x11132, 0x1133E, 0x11347, 0x11357, 0x114B0, 0x114B9,
        0x114BA, 0x114BD, 0x115AF, 0x115B8, 0x115B9, 0x11930, 0x11935,
    ]

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

    /// One round of a Foundation normalization, `foundation`, with its defects on Linux mended and
    /// the tables of Unicode `major - 1` (the reference's): scalars assigned since cut the text
    /// (``normalizing(_:keepingScalarsFrom:_:)``), marks are put in canonical order before
    /// Foundation sees them (``canonicallyOrdered(_:decomposition:)``), and an LV syllable takes a trailing jamo
    /// (``composingHangulLVT(_:)``).
    static func foundationNormalizing(
        _ text: String, tablesBefore major: Int, decomposition: (String) -> String, _ foundation: (String) -> String
    ) -> String {
        normalizing(text, keepingScalarsFrom: major) {
            composingHangulLVT(foundation(canonicallyOrdered($0, decomposition: decomposition)))
        }
    }

    /// `normalize(text)` as tables of an older Unicode give it, whose last version is `major - 1`:
    /// to them a scalar assigned since has no decomposition and combining class 0, so it stays as
    /// it is and cuts the text. Foundation follows the current standard.
    static func normalizing(_ text: String, keepingScalarsFrom major: Int, _ normalize: (String) -> String) -> String {
        normalizing(text, keeping: { scalar in
            // Everything below U+0530 (Latin, Greek, Cyrillic) was assigned by Unicode 7.0.
            guard scalar.value >= 0x0530, let age = scalar.properties.age else { return false }
            return age.major >= major
        }, normalize)
    }

    /// Normalizes the parts of `text` between the scalars `kept` picks, keeping those as they are:
    /// exact when each of them normalizes to itself, nothing reorders across it (a starter) and
    /// nothing composes with it.
    static func normalizing(_ text: String, keeping kept: (Unicode.Scalar) -> Bool, _ normalize: (String) -> String) -> String {
        guard text.unicodeScalars.contains(where: kept) else { return normalize(text) }
        var result = ""
        var part = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if kept(scalar) {
                result += normalize(String(part))
                part = String.UnicodeScalarView()
                result.unicodeScalars.append(scalar)
            } else {
                part.append(scalar)
            }
        }
        return result + normalize(String(part))
    }

    /// `text` with each run of non-starters stably sorted by combining class: canonically
    /// equivalent, so it normalizes to the same. Foundation reorders by insertion, quadratic in a
    /// long run out of order (U+0316 U+0301 repeated 20,000 times took 1.4 s, 100,000 times
    /// half a minute) and linear in one already in order. It reorders after decomposing, so a
    /// run is only in order to it when what decomposes is decomposed: `á` followed by 25,000
    /// U+0316 took a second, the acute moving past every mark. Runs longer than
    /// ``longRunOfMarks`` are therefore decomposed first, scalar by scalar with `decomposition`
    /// (the normalization's own, NFD or NFKD, of one scalar), then sorted; a shorter run costs
    /// Foundation little even out of order. The classes are the standard library's, which never
    /// change for an assigned scalar; scalars newer than the normalization's tables are cut out
    /// before this (``normalizing(_:keepingScalarsFrom:_:)``).
    static func canonicallyOrdered(_ text: String, decomposition: (String) -> String) -> String {
        var previous: UInt8 = 0
        var inOrder = true
        var marks = 0
        var longest = 0
        for scalar in text.unicodeScalars {
            let current = combiningClass(scalar)
            if current == 0 {
                marks = 0
            } else {
                marks += 1
                longest = max(longest, marks)
                if current < previous { inOrder = false }
            }
            previous = current
        }
        let decomposing = longest > longRunOfMarks
        if inOrder && !decomposing { return text }
        var scalars: [Unicode.Scalar]
        if decomposing {
            var decompositions: [Unicode.Scalar: [Unicode.Scalar]] = [:]
            scalars = []
            scalars.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                // Below U+00A0 nothing decomposes, under either form.
                guard scalar.value >= 0xA0 else {
                    scalars.append(scalar)
                    continue
                }
                if let known = decompositions[scalar] {
                    scalars.append(contentsOf: known)
                } else {
                    let parts = Array(decomposition(String(Character(scalar))).unicodeScalars)
                    decompositions[scalar] = parts
                    scalars.append(contentsOf: parts)
                }
            }
        } else {
            scalars = Array(text.unicodeScalars)
        }
        var start = 0
        while start < scalars.count {
            guard combiningClass(scalars[start]) != 0 else {
                start += 1
                continue
            }
            var end = start + 1
            while end < scalars.count && combiningClass(scalars[end]) != 0 { end += 1 }
            let sorted = scalars[start..<end].enumerated()
                .sorted { (combiningClass($0.element), $0.offset) < (combiningClass($1.element), $1.offset) }
            scalars.replaceSubrange(start..<end, with: sorted.map(\.element))
            start = end
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Non-starters in a row beyond which ``canonicallyOrdered(_:decomposition:)`` decomposes
    /// before sorting (the Stream-Safe Text Format's limit; real text stays far below it).
    static let longRunOfMarks = 30

    @inline(__always)
    private static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        scalar.value < 0x300 ? 0 : scalar.properties.canonicalCombiningClass.rawValue
    }

    /// Applies `normalize` until the scalars stop changing (at most four rounds). A text the first
    /// round leaves as it is needs no second: `normalize` is a function, so it would again.
    static func fixedPoint(_ text: String, _ normalize: (String) -> String) -> String {
        var current = text
        for _ in 0..<4 {
            let next = normalize(current)
            // `==` on String compares canonical equivalence, which would hide the difference.
            if next.unicodeScalars.elementsEqual(current.unicodeScalars) { return next }
            current = next
        }
        return current
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

    /// Composes a Hangul LV syllable with a following trailing jamo (U+AC00 U+11A8 → U+AC01),
    /// which Foundation on Linux leaves apart (it does compose L+V and L+V+T).
    static func composingHangulLVT(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0x11A8...0x11C2).contains($0.value) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0x11A8...0x11C2).contains(scalar.value), let last = out.last,
                (0xAC00...0xD7A3).contains(last.value), (last.value - 0xAC00) % 28 == 0,
                let composed = Unicode.Scalar(last.value + scalar.value - 0x11A7)
            {
                out.removeLast()
                out.append(composed)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

/// The normalization of single Basic Multilingual Plane scalars that a piecewise normalizer may
/// replace without normalizing their stretch: those whose mapping (the normalizer's own, of the
/// scalar alone) is made only of scalars canonical composition leaves alone and that compose with
/// nothing before them. Between two cut points such a scalar cannot interact with its
/// neighbours (the one before is a stable starter, the one after composes with nothing before
/// it), so its stretch normalizes to the scalar before it followed by the mapping. Random text
/// is full of them (², ª, ¼, the no-break space); each would otherwise be a call into
/// Foundation.
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
