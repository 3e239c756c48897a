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
        return fixedPoint(text) { $0.precomposedStringWithCanonicalMapping }
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
}
