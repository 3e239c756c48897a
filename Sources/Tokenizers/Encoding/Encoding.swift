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
    public func count(_ text: String, allowingSpecialTokens: Bool = false) -> Int {
        encodeIDs(text, allowingSpecialTokens: allowingSpecialTokens).count
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
        var bytes = Array(text.utf8)
        if normalization == .canonicalComposition, let normalized = bytes.withUnsafeBufferPointer(CanonicalComposition.normalized) {
            bytes = normalized
        }
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count / 3)
        var position = 0
        for match in addedTokens.matches(in: bytes, 0..<bytes.count, normalized: false, allowSpecial: allowingSpecialTokens) {
            guard let id = match.id else { continue }  // a disallowed special token stays text
            encodeBetweenAddedTokens(bytes, position..<match.range.lowerBound, allowingSpecialTokens, into: &out)
            out.append(id)
            position = match.range.upperBound
        }
        encodeBetweenAddedTokens(bytes, position..<bytes.count, allowingSpecialTokens, into: &out)
        return out
    }

    /// Hugging Face's second pass: normalize, then match the `normalized` added tokens.
    private func encodeBetweenAddedTokens(_ bytes: [UInt8], _ range: Range<Int>, _ allowSpecial: Bool, into out: inout [UInt32]) {
        guard !range.isEmpty else { return }
        var segment = Array(bytes[range])
        if normalization == .compatibilityComposition, let normalized = segment.withUnsafeBufferPointer({ CompatibilityComposition.normalized($0) }) {
            segment = normalized
        }
        var position = 0
        for match in addedTokens.matches(in: segment, 0..<segment.count, normalized: true, allowSpecial: allowSpecial) {
            guard let id = match.id else { continue }
            encodeOrdinary(segment, position..<match.range.lowerBound, into: &out)
            out.append(id)
            position = match.range.upperBound
        }
        encodeOrdinary(segment, position..<segment.count, into: &out)
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
