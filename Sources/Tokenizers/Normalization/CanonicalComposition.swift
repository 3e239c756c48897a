import Foundation

/// NFC as Python's `unicodedata` (Qwen's tokenizer) computes it.
///
/// Foundation on Linux does not reorder combining marks across a character it decomposes
/// (`U+059E U+0F73` stays `U+059E U+0F71 U+0F72` instead of `U+0F71 U+0F72 U+059E`); normalizing
/// again fixes that, and since the true normalization is idempotent, repeating until nothing
/// changes gives the standard result.
enum CanonicalComposition {
    static func normalize(_ text: String) -> String {
        // Scalars below U+0300 are all NFC-stable and compose with nothing before them.
        if text.utf8.allSatisfy({ $0 < 0xCC }) { return text }
        return piecewise(text, mayChange: mayChange) { run in
            fixedPoint(run) { composingHangulLVT($0.precomposedStringWithCanonicalMapping) }
        }
    }

    /// Normalizes only where needed. An ASCII scalar has combining class 0 and is never the
    /// second of a composition, so a text normalizes piecewise: each run of non-ASCII bytes,
    /// with the ASCII scalar before it (which may compose with its marks), on its own; runs
    /// without a scalar the normalization could change are copied.
    static func piecewise(_ text: String, mayChange: (Unicode.Scalar) -> Bool, normalizeRun: (String) -> String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard bytes[i] >= 0x80 else {
                out.append(bytes[i])
                i += 1
                continue
            }
            var end = i
            while end < bytes.count && bytes[end] >= 0x80 { end += 1 }
            if String(decoding: bytes[i..<end], as: UTF8.self).unicodeScalars.contains(where: mayChange) {
                let start = i > 0 ? i - 1 : i
                if start < i { out.removeLast() }
                out.append(contentsOf: normalizeRun(String(decoding: bytes[start..<end], as: UTF8.self)).utf8)
            } else {
                out.append(contentsOf: bytes[i..<end])
            }
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Applies `normalize` until the scalars stop changing (at most a few rounds).
    static func fixedPoint(_ text: String, _ normalize: (String) -> String) -> String {
        var current = normalize(text)
        for _ in 0..<3 {
            let again = normalize(current)
            // `==` on String compares canonical equivalence, which would hide the difference.
            if again.unicodeScalars.elementsEqual(current.unicodeScalars) { break }
            current = again
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
