import Foundation

/// NFKC as Hugging Face `tokenizers` computes it for claude_legacy's normalizer.
///
/// Its normalization tables are Unicode 9.0 (checked against `tokenizers`: U+1E944 of 9.0 is
/// reordered by combining class, U+1DF6 of 10.0 is not; U+32FF, U+A7F2… and U+107xx are not
/// decomposed). To the old tables a later scalar has no decomposition and combining class 0, so
/// it stays as it is and composes with nothing (``NormalizationTables``).
enum CompatibilityComposition {
    static func normalize(_ text: String) -> String {
        var text = text
        text.makeContiguousUTF8()
        let changed = text.utf8.withContiguousStorageIfAvailable { normalized($0) } ?? nil
        return changed.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// NFKC of valid UTF-8, or nil when it is already normalized.
    /// `mappingSingleScalars: false` normalizes every flagged stretch (for tests of the shortcut).
    static func normalized(_ bytes: UnsafeBufferPointer<UInt8>, mappingSingleScalars: Bool = true) -> [UInt8]? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return nil }
        return CanonicalComposition.piecewise(bytes, table: table, singles: mappingSingleScalars ? singles : nil, tables: tables)
    }

    /// Builds the tables now (the encoding's load calls this), not on the first non-ASCII text.
    static func prepare() {
        _ = table.mayChange(0xB2)
        _ = singles.mapping(of: 0xB2)
    }

    static let tables = NormalizationTables(.compatibility, tablesBefore: 10)

    private static let table = QuickCheckTable { mayChange($0) }

    /// Scalars normalized on their own, built once on first use: the flagged ones whose mapping
    /// cannot interact with their neighbours (²→2, ª→a, ¼→1⁄4, no-break space→space).
    static let singles = SingleScalarMappings(candidates: { table.mayChange($0) }, normalize: tables.normalize)

    /// Whether NFKC could change or move this scalar: what NFC could, or a compatibility mapping.
    /// Only scalars that change under NFKC_Casefold can have one; in the Basic Multilingual Plane
    /// Foundation's NFKC of the scalar alone tells whether it does, which leaves out the many that
    /// only case folding changes (uppercase letters). Above it the superset is kept. (The table
    /// holds the answer for the first three planes, built once.)
    private static func mayChange(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x80 else { return false }
        if CanonicalComposition.mayChange(scalar) { return true }
        guard scalar.properties.changesWhenNFKCCaseFolded else { return false }
        guard scalar.value < 0x10000 else { return true }
        return !String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars.elementsEqual(CollectionOfOne(scalar))
    }
}
