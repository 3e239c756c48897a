import Foundation

/// NFC or NFKC computed here, from tables built once per form: the standard algorithm (full
/// decomposition, canonical ordering, canonical composition) over the Unicode version the
/// reference tokenizer's tables have.
///
/// The tables come from the platform one scalar at a time (Foundation's decomposition of each
/// scalar alone, which matches Python's `unicodedata` for every scalar below U+30000, and the
/// standard library's combining classes and ages), so nothing is shipped. Normalizing text
/// itself never calls Foundation, whose normalization of text on Linux composes
/// supplementary-plane scalars by their low 16 bits, leaves an LV syllable and a trailing jamo
/// apart, misses reorderings after a decomposition, reorders in time quadratic in a run of marks,
/// and costs a bridge per call. Scalars assigned in Unicode `major` or later are unknown to the
/// reference's tables: to them such a scalar has no decomposition and combining class 0, so it
/// stays as it is and composes with nothing.
final class NormalizationTables: Sendable {
    enum Form: Sendable {
        /// NFC (qwen's, from Python's `unicodedata`).
        case canonical
        /// NFKC (claude_legacy's, from Hugging Face `tokenizers`).
        case compatibility
    }

    /// Per scalar below U+30000, through `blocks`: its combining class (top 8 bits), whether it
    /// may compose with what precedes it (bit 23), and its full decomposition as `length << 17 |
    /// offset` into `storage` (0 when it decomposes to itself). Scalars above U+30000 are all
    /// starters without decompositions, in every version so far.
    private let blockIndex: [UInt16]
    private let blocks: [UInt32]
    private let storage: [UInt32]
    /// The entry of each scalar in `storage` (its class and flags), beside it.
    private let storageEntries: [UInt32]
    /// Canonical compositions: `first << 21 | second` → composite, for the primary composites.
    private let compositions: IntegerMap
    /// The most scalars one scalar decomposes into (at least one), bounding a run's buffer.
    private let longestDecomposition: Int

    static let bound: UInt32 = 0x30000
    private static let composesWithPrevious: UInt32 = 1 << 23

    init(_ form: Form, tablesBefore major: Int) {
        func decomposed(_ text: String, _ form: Form) -> [UInt32] {
            (form == .canonical ? text.decomposedStringWithCanonicalMapping : text.decomposedStringWithCompatibilityMapping)
                .unicodeScalars.map(\.value)
        }
        var entries = [UInt32](repeating: 0, count: Int(Self.bound))
        var storage: [UInt32] = [0]  // offset 0 means "none"
        var composites: [(composite: UInt32, decomposition: [UInt32])] = []
        for value in UInt32(0xA0)..<Self.bound {
            // Hangul syllables decompose and compose by arithmetic; ideographs never change.
            guard !(0xAC00...0xD7A3).contains(value), let scalar = Unicode.Scalar(value), let age = scalar.properties.age, age.major < major,
                !scalar.properties.isUnifiedIdeograph
            else { continue }
            let text = String(Character(scalar))
            var entry = UInt32(scalar.properties.canonicalCombiningClass.rawValue) << 24
            let mapping = decomposed(text, form)
            if mapping != [value] {
                precondition(mapping.count < 64 && storage.count < 1 << 17, "decomposition tables overflow")
                entry |= UInt32(mapping.count) << 17 | UInt32(storage.count)
                storage.append(contentsOf: mapping)
            }
            entries[Int(value)] = entry
            let canonical = form == .canonical ? mapping : (mapping == [value] ? mapping : decomposed(text, .canonical))
            // A primary composite: decomposes canonically and is not excluded from composing
            // (which also excludes singletons and decompositions that start with a mark).
            if canonical.count >= 2, !scalar.properties.isFullCompositionExclusion {
                composites.append((value, canonical))
            }
        }
        var compositions: [UInt64: UInt32] = [:]
        for (composite, decomposition) in composites {
            // Its last merge: what the rest composes to, then the last scalar.
            let rest = String(String.UnicodeScalarView(decomposition.dropLast().compactMap(Unicode.Scalar.init)))
                .precomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
            precondition(rest.count == 1, "U+\(String(composite, radix: 16)) is no pair")
            compositions[UInt64(rest[0]) << 21 | UInt64(decomposition.last!)] = composite
            entries[Int(decomposition.last!)] |= Self.composesWithPrevious
        }
        for (lower, upper) in [(0x1161, 0x1175), (0x11A8, 0x11C2)] {  // Hangul V and T compose with L and LV
            for value in lower...upper { entries[value] |= Self.composesWithPrevious }
        }
        // Two levels: blocks of 256 entries, the all-zero ones shared.
        var blockIndex = [UInt16](repeating: 0, count: Int(Self.bound) >> 8)
        var blocks = [UInt32](repeating: 0, count: 256)
        for block in 0..<blockIndex.count {
            let slice = entries[block << 8..<(block + 1) << 8]
            guard slice.contains(where: { $0 != 0 }) else { continue }
            blockIndex[block] = UInt16(blocks.count >> 8)
            blocks.append(contentsOf: slice)
        }
        self.blockIndex = blockIndex
        self.blocks = blocks
        self.storage = storage
        self.storageEntries = storage.map { value in
            guard value < Self.bound else { return 0 }
            let entry = entries[Int(value)]
            return entry & (0xFF << 24 | Self.composesWithPrevious)  // a decomposition's parts decompose no further
        }
        self.compositions = IntegerMap(compositions)
        var longest = 3  // a Hangul syllable
        for entry in entries { longest = max(longest, Int(entry >> 17 & 0x3F)) }
        self.longestDecomposition = longest
    }

    @inline(__always)
    private func entry(_ value: UInt32) -> UInt32 {
        guard value < Self.bound else { return 0 }
        return blocks.withUnsafeBufferPointer { blocks in
            blockIndex.withUnsafeBufferPointer { blocks[Int($0[Int(value >> 8)]) << 8 | Int(value & 0xFF)] }
        }
    }

    @inline(__always)
    func combiningClass(_ value: UInt32) -> UInt8 { UInt8(entry(value) >> 24) }

    /// The normalization of `text`.
    func normalize(_ text: String) -> String {
        var text = text
        text.makeContiguousUTF8()
        var out: [UInt8] = []
        text.utf8.withContiguousStorageIfAvailable { normalize($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the normalization of `run` (valid UTF-8) to `out`. The scalars are decomposed into
    /// one buffer, ordered and composed in place. A short run's buffer is sized for the worst case
    /// (on the stack); a long one's is counted first, so it is no larger than the decomposition
    /// (a megabyte of text flagged whole must not reserve eighteen times its scalars).
    func normalize(_ run: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var capacity = run.count * longestDecomposition
        if capacity > 4096 {
            capacity = 0
            var i = 0
            while i < run.count {
                let (value, width) = CanonicalComposition.decode(run, i)
                i += width
                capacity += value &- 0xAC00 < 11_172 ? 3 : max(1, Int(entry(value) >> 17 & 0x3F))
            }
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity) { scalars in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity) { entries in
                normalize(run, scalars: scalars, entries: entries, into: &out)
            }
        }
    }

    /// ``normalize(_:into:)`` with its buffers: the decomposed scalars, and beside each its table
    /// entry (class and flags), looked up once.
    @inline(__always)
    private func normalize(
        _ run: UnsafeBufferPointer<UInt8>, scalars: UnsafeMutableBufferPointer<UInt32>, entries: UnsafeMutableBufferPointer<UInt32>,
        into out: inout [UInt8]
    ) {
        var count = 0
        // Decompose.
        storage.withUnsafeBufferPointer { storage in
            storageEntries.withUnsafeBufferPointer { storageEntries in
                var i = 0
                while i < run.count {
                    let (value, width) = CanonicalComposition.decode(run, i)
                    i += width
                    if value &- 0xAC00 < 11_172 {  // a Hangul syllable
                        let index = value - 0xAC00
                        scalars[count] = 0x1100 + index / 588
                        entries[count] = 0
                        scalars[count + 1] = 0x1161 + index % 588 / 28
                        entries[count + 1] = Self.composesWithPrevious
                        count += 2
                        if index % 28 != 0 {
                            scalars[count] = 0x11A7 + index % 28
                            entries[count] = Self.composesWithPrevious
                            count += 1
                        }
                        continue
                    }
                    let entry = entry(value)
                    let length = Int(entry >> 17 & 0x3F)
                    if length == 0 {
                        scalars[count] = value
                        entries[count] = entry
                        count += 1
                    } else {
                        let offset = Int(entry & 0x1_FFFF)
                        for k in 0..<length {
                            scalars[count + k] = storage[offset + k]
                            entries[count + k] = storageEntries[offset + k]
                        }
                        count += length
                    }
                }
            }
        }
        // Order each run of non-starters by combining class, stably.
        var start = 0
        while start < count {
            guard entries[start] >> 24 != 0 else {
                start += 1
                continue
            }
            var end = start + 1
            var sorted = true
            while end < count {
                let current = entries[end] >> 24
                if current == 0 { break }
                if current < entries[end - 1] >> 24 { sorted = false }
                end += 1
            }
            if !sorted && end - start <= 16 {
                // Insertion sort: stable, and cheapest for the few marks of real text.
                for k in start + 1..<end {
                    let value = scalars[k]
                    let entry = entries[k]
                    var j = k
                    while j > start && entries[j - 1] >> 24 > entry >> 24 {
                        scalars[j] = scalars[j - 1]
                        entries[j] = entries[j - 1]
                        j -= 1
                    }
                    scalars[j] = value
                    entries[j] = entry
                }
            } else if !sorted {
                let ordered = (start..<end).sorted { (entries[$0] >> 24, $0) < (entries[$1] >> 24, $1) }
                let values = ordered.map { (scalars[$0], entries[$0]) }
                for (k, element) in values.enumerated() {
                    scalars[start + k] = element.0
                    entries[start + k] = element.1
                }
            }
            start = end
        }
        // Compose in place: each scalar with the last starter, unless something between blocks it.
        var kept = 0
        var starter = -1  // index among the kept scalars
        var lastClass: UInt32 = 0  // of the last scalar kept after the starter; 0 right after it
        for k in 0..<count {
            let value = scalars[k]
            let entry = entries[k]
            let currentClass = entry >> 24
            if starter >= 0 && (entry & Self.composesWithPrevious != 0)
                && (lastClass == 0 ? kept - 1 == starter : lastClass < currentClass),
                let composite = compose(scalars[starter], value)
            {
                scalars[starter] = composite
                continue
            }
            if currentClass == 0 {
                starter = kept
                lastClass = 0
            } else {
                lastClass = currentClass
            }
            scalars[kept] = value
            kept += 1
        }
        for k in 0..<kept { Self.appendUTF8(scalars[k], to: &out) }
    }

    @inline(__always)
    private func compose(_ first: UInt32, _ second: UInt32) -> UInt32? {
        if (0x1100...0x1112).contains(first) && (0x1161...0x1175).contains(second) {
            return 0xAC00 + ((first - 0x1100) * 21 + second - 0x1161) * 28
        }
        if (0xAC00...0xD7A3).contains(first) && (first - 0xAC00) % 28 == 0 && (0x11A8...0x11C2).contains(second) {
            return first + second - 0x11A7
        }
        return compositions[UInt64(first) << 21 | UInt64(second)]
    }

    @inline(__always)
    static func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
        switch value {
        case ..<0x80:
            out.append(UInt8(value))
        case ..<0x800:
            out.append(UInt8(0xC0 | value >> 6))
            out.append(UInt8(0x80 | value & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | value >> 12))
            out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        default:
            out.append(UInt8(0xF0 | value >> 18))
            out.append(UInt8(0x80 | value >> 12 & 0x3F))
            out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        }
    }
}
