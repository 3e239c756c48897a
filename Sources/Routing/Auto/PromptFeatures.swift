import Foundation
import TollgateCore

/// What the `auto` classifier reads of a request: five numbers computed from the text of its last
/// user turn, chosen on held-out subjects for ranking the same way across MMLU, GSM8K and MT-Bench
/// (features that recognise a topic, or whose sign flips between data sets — digit and operator
/// counts, LaTeX, sentence counts — were tried and left out; see docs/routing.md).
///
/// Words are the maximal runs of ASCII letters, lowercased; lines split at LF; an option line is
/// one that opens (after optional whitespace) with an optional `(`, a letter A–D, `.` or `)` and a
/// whitespace — a multiple-choice option.
public struct PromptFeatures: Sendable, Hashable {
    public static let names = ["uniq_words", "code_kw", "math_kw", "opt_numeric", "opt_words"]

    /// In `names` order:
    /// - `uniq_words`: distinct words / words (0 without words): low for long, detailed problems;
    /// - `code_kw`, `math_kw`: 1 when a word of the programming or of the maths list occurs;
    /// - `opt_numeric`: the share of option lines holding a digit (0 without options);
    /// - `opt_words`: log(1 + the whitespace-separated pieces of the option lines).
    public var values: [Double]

    public init(values: [Double]) {
        precondition(values.count == Self.names.count, "one value per feature")
        self.values = values
    }

    /// The features of a chat request: the text of its last user turn.
    public init(_ request: ChatRequest) {
        let last = request.messages.last { $0.role == .user }
        let text = last.map { message in
            message.content.compactMap { part -> String? in if case .text(let text) = part { text } else { nil } }.joined(separator: "\n")
        } ?? ""
        self.init(prompt: text)
    }

    /// The most of a prompt read: the features of a longer one come from its first 8 KB (a
    /// pasted document adds nothing a classifier of questions can use, and reading it would cost).
    static let readLimit = 8 << 10

    public init(prompt: String) {
        var words = 0
        // Words are told apart by a 64-bit hash of their lowercased letters: no string per word.
        var distinct = Set<UInt64>(minimumCapacity: 64)
        var code = false, maths = false
        var hash = Self.offsetBasis
        var inWord = false
        var options = 0, numericOptions = 0, optionPieces = 0
        var lineStart = 0
        let bytes = Array(prompt.utf8.prefix(Self.readLimit))
        func endWord() {
            guard inWord else { return }
            words += 1
            if distinct.insert(hash).inserted {
                if Self.codeHashes.contains(hash) { code = true }
                if Self.mathHashes.contains(hash) { maths = true }
            }
            hash = Self.offsetBasis
            inWord = false
        }
        func endLine(_ end: Int) {
            let line = bytes[lineStart..<end]
            lineStart = end + 1
            guard Self.isOptionLine(line) else { return }
            options += 1
            if line.contains(where: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { numericOptions += 1 }
            optionPieces += String(decoding: line, as: UTF8.self).unicodeScalars.split(whereSeparator: \.properties.isWhitespace).count
        }
        for (index, byte) in bytes.enumerated() {
            var letter = byte
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { letter = byte | 0x20 }
            if letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") {
                hash = (hash ^ UInt64(letter)) &* Self.prime
                inWord = true
            } else {
                endWord()
                if byte == UInt8(ascii: "\n") { endLine(index) }
            }
        }
        endWord()
        endLine(bytes.count)
        values = [
            words > 0 ? Double(distinct.count) / Double(words) : 0,
            code ? 1 : 0,
            maths ? 1 : 0,
            options > 0 ? Double(numericOptions) / Double(options) : 0,
            options > 0 ? log1p(Double(optionPieces)) : 0,
        ]
    }

    // FNV-1a, 64-bit.
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    static func wordHash(_ word: String) -> UInt64 {
        word.utf8.reduce(offsetBasis) { ($0 ^ UInt64($1)) &* prime }
    }

    /// `^\s*\(?[A-D][.)]\s`, on a line's bytes (whitespace as Unicode has it).
    static func isOptionLine(_ line: ArraySlice<UInt8>) -> Bool {
        var index = line.startIndex
        // Leading whitespace: ASCII at once; anything else through its scalars.
        while index < line.endIndex {
            let byte = line[index]
            if byte == 0x20 || (0x09...0x0D).contains(byte) { index += 1; continue }
            if byte >= 0x80 { return isOptionLine(String(decoding: line, as: UTF8.self).unicodeScalars[...]) }
            break
        }
        if index < line.endIndex, line[index] == UInt8(ascii: "(") { index += 1 }
        guard index < line.endIndex, (UInt8(ascii: "A")...UInt8(ascii: "D")).contains(line[index]) else { return false }
        index += 1
        guard index < line.endIndex, line[index] == UInt8(ascii: ".") || line[index] == UInt8(ascii: ")") else { return false }
        index += 1
        guard index < line.endIndex else { return false }
        let next = line[index]
        if next == 0x20 || (0x09...0x0D).contains(next) { return true }
        guard next >= 0x80 else { return false }
        return String(decoding: line[index...], as: UTF8.self).unicodeScalars.first?.properties.isWhitespace == true
    }

    /// `^\s*\(?[A-D][.)]\s`
    static func isOptionLine(_ line: Substring.UnicodeScalarView) -> Bool {
        var scalars = line
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        if scalars.first == "(" { scalars = scalars.dropFirst() }
        guard let letter = scalars.first, ("A"..."D").contains(letter) else { return false }
        scalars = scalars.dropFirst()
        guard let mark = scalars.first, mark == "." || mark == ")" else { return false }
        scalars = scalars.dropFirst()
        return scalars.first?.properties.isWhitespace == true
    }

    static let codeWords = ["function", "program", "python", "code", "algorithm", "implement", "array", "string", "java", "html", "sql"]
    static let mathWords = ["probability", "integer", "equation", "sum", "product", "remainder", "divided", "percent", "ratio",
                            "average", "solution"]
    static let codeHashes = Set(codeWords.map(wordHash))
    static let mathHashes = Set(mathWords.map(wordHash))
}
