import Foundation

/// A loaded tokenizer: encodes text into token ids exactly as the model's provider does.
///
/// A value type over immutable tables; copies are cheap and it is safe to share across tasks.
/// Get one from ``EncodingStore``.
public struct Encoding: Sendable {
    /// Unicode normalization applied before splitting, as the reference tokenizer does.
    enum Normalization: Sendable {
        case none
        /// NFC of the whole text (Qwen's tokenizer normalizes before anything else).
        case canonicalComposition
        /// NFKC of the text between added tokens (the claude_legacy tokenizer.json's normalizer).
        case compatibilityComposition
    }

    enum Rule: Sendable {
        case ranked(RankedTokens)
        case mergeList(MergeList)
    }

    /// Which encoding this is.
    public let name: EncodingName
    let pattern: SplitPattern
    let normalization: Normalization
    let rule: Rule
    let tokens: TokenTable
    let addedTokens: AddedTokens
    /// Counts of long stretches of text counted lately, shared by every copy of this encoding;
    /// `nil` (the default) counts everything afresh.
    var segmentCounts: SegmentCounts? = nil

    /// The token ids of `text`.
    ///
    /// - Parameter allowingSpecialTokens: when false (the default), text that looks like a special
    ///   token (`<|endoftext|>`, `<｜begin▁of▁sentence｜>`) is encoded as ordinary text, as it must be
    ///   for user content; when true it becomes the special token (for rendered chat templates).
    ///   DeepSeek's non-special added tokens (`<｜User｜>`, `<think>`) always match, as in its tokenizer.
    public func encode(_ text: String, allowingSpecialTokens: Bool = false) -> [Int] {
        encodeIDs(text, allowingSpecialTokens: allowingSpecialTokens).map { Int($0) }
    }

    /// The number of tokens of `text`; see ``encode(_:allowingSpecialTokens:)``.
    /// With ``rememberingCounts()``, long stretches between special tokens counted lately (an
    /// agent's history, sent again every turn) are not encoded again.
    public func count(_ text: String, allowingSpecialTokens: Bool = false) -> Int {
        guard let segmentCounts else { return encodeIDs(text, allowingSpecialTokens: allowingSpecialTokens).count }
        var total = 0
        var scratch: [UInt32] = []
        walk(text, allowingSpecialTokens: allowingSpecialTokens) { bytes, range in
            total += bytes.withUnsafeBufferPointer { buffer in
                segmentCounts.count(UnsafeBufferPointer(rebasing: buffer[range])) {
                    scratch.removeAll(keepingCapacity: true)
                    encodeOrdinary(bytes, range, into: &scratch)
                    return scratch.count
                }
            }
        } special: { _ in
            total += 1
        }
        return total
    }

    /// This encoding, keeping the counts of long stretches of text (1 KiB or more between special
    /// tokens; at most 16 MiB of them, the oldest dropped first) so that ``count(_:allowingSpecialTokens:)``
    /// does not encode them again — for a gateway, where the same history comes back every turn.
    /// Counts are exact either way: a stretch's tokens depend on its bytes alone, and those are the key.
    public func rememberingCounts() -> Encoding { rememberingCounts(capacityBytes: 16 << 20) }

    func rememberingCounts(capacityBytes: Int) -> Encoding {
        var copy = self
        copy.segmentCounts = SegmentCounts(capacityBytes: capacityBytes)
        return copy
    }

    /// The id of a special or added token, e.g. `<|im_start|>`.
    public func specialTokenID(_ content: String) -> Int? {
        addedTokens.id(of: content).map { Int($0) }
    }

    /// The bytes token ids stand for (UTF-8 when the ids came from a whole text).
    public func decodeBytes(_ ids: [Int]) throws(TokenizerError) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids {
            guard id >= 0, id <= Int(UInt32.max) else { throw .invalidTokenID(id) }
            if let content = addedTokens.content(of: UInt32(id)) {
                out.append(contentsOf: content)
            } else if let bytes = tokens.bytes(of: UInt32(id)) {
                out.append(contentsOf: bytes)
            } else {
                throw .invalidTokenID(id)
            }
        }
        return out
    }

    /// The text token ids stand for; invalid UTF-8 (a cut multi-byte character) becomes U+FFFD.
    public func decode(_ ids: [Int]) throws(TokenizerError) -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }

    func encodeIDs(_ text: String, allowingSpecialTokens: Bool) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count / 3)
        walk(text, allowingSpecialTokens: allowingSpecialTokens) { bytes, range in
            encodeOrdinary(bytes, range, into: &out)
        } special: { id in
            out.append(id)
        }
        return out
    }

    /// The text cut as the reference tokenizer cuts it: `special` for each added token, in order,
    /// and `ordinary` for each stretch of text between them (normalized as the encoding says).
    private func walk(_ text: String, allowingSpecialTokens: Bool, ordinary: (_ bytes: [UInt8], _ range: Range<Int>) -> Void,
                      special: (UInt32) -> Void) {
        var bytes = Array(text.utf8)
        if normalization == .canonicalComposition, let normalized = bytes.withUnsafeBufferPointer(CanonicalComposition.normalized) {
            bytes = normalized
        }
        var position = 0
        for match in addedTokens.matches(in: bytes, 0..<bytes.count, normalized: false, allowSpecial: allowingSpecialTokens) {
            guard let id = match.id else { continue }  // a disallowed special token stays text
            walkBetweenAddedTokens(bytes, position..<match.range.lowerBound, allowingSpecialTokens, ordinary: ordinary, special: special)
            special(id)
            position = match.range.upperBound
        }
        walkBetweenAddedTokens(bytes, position..<bytes.count, allowingSpecialTokens, ordinary: ordinary, special: special)
    }

    /// Hugging Face's second pass: normalize, then match the `normalized` added tokens.
    private func walkBetweenAddedTokens(_ bytes: [UInt8], _ range: Range<Int>, _ allowSpecial: Bool,
                                        ordinary: (_ bytes: [UInt8], _ range: Range<Int>) -> Void, special: (UInt32) -> Void) {
        guard !range.isEmpty else { return }
        var segment = Array(bytes[range])
        if normalization == .compatibilityComposition, let normalized = segment.withUnsafeBufferPointer({ CompatibilityComposition.normalized($0) }) {
            segment = normalized
        }
        var position = 0
        for match in addedTokens.matches(in: segment, 0..<segment.count, normalized: true, allowSpecial: allowSpecial) {
            guard let id = match.id else { continue }
            if position < match.range.lowerBound { ordinary(segment, position..<match.range.lowerBound) }
            special(id)
            position = match.range.upperBound
        }
        if position < segment.count { ordinary(segment, position..<segment.count) }
    }

    /// Splits with the encoding's pattern and merges each piece.
    private func encodeOrdinary(_ bytes: [UInt8], _ range: Range<Int>, into out: inout [UInt32]) {
        guard !range.isEmpty else { return }
        let text = bytes.withUnsafeBufferPointer { ScalarText(utf8: UnsafeBufferPointer(rebasing: $0[range])) }
        text.bytes.withUnsafeBufferPointer { buffer in
            switch rule {
            case .ranked(let rule): split(text, buffer, rule, into: &out)
            case .mergeList(let rule): split(text, buffer, rule, into: &out)
            }
        }
    }

    private func split<R: MergeRule>(_ text: ScalarText, _ buffer: UnsafeBufferPointer<UInt8>, _ rule: R, into out: inout [UInt32]) {
        pattern.split(text, 0..<text.count) { scalars in
            let piece = UnsafeBufferPointer(rebasing: buffer[text.offsets[scalars.lowerBound]..<text.offsets[scalars.upperBound]])
            BytePairMerge.encode(piece, rule: rule, into: &out)
        }
    }
}
