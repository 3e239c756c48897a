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

    /// The most of a prompt read: the features of a longer one come from its first 64 KB (a
    /// pasted document adds nothing a classifier of questions can use, and reading it would cost).
    static let readLimit = 64 << 10

    public init(prompt: String) {
        let bytes = prompt.utf8.prefix(Self.readLimit)
        var words = 0
        var distinct: Set<String> = []
        var code = false, maths = false
        var word: [UInt8] = []
        func endWord() {
            guard !word.isEmpty else { return }
            words += 1
            let text = String(decoding: word, as: UTF8.self)
            if distinct.insert(text).inserted {
                if Self.codeWords.contains(text) { code = true }
                if Self.mathWords.contains(text) { maths = true }
            }
            word.removeAll(keepingCapacity: true)
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            default: endWord()
            }
        }
        endWord()
        var options = 0, numericOptions = 0, optionPieces = 0
        // Lines by their bytes: as characters, CR LF would be one and never split at LF.
        for lineBytes in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = String(decoding: lineBytes, as: UTF8.self).unicodeScalars
            guard Self.isOptionLine(line[...]) else { continue }
            options += 1
            if lineBytes.contains(where: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { numericOptions += 1 }
            optionPieces += line.split(whereSeparator: \.properties.isWhitespace).count
        }
        values = [
            words > 0 ? Double(distinct.count) / Double(words) : 0,
            code ? 1 : 0,
            maths ? 1 : 0,
            options > 0 ? Double(numericOptions) / Double(options) : 0,
            options > 0 ? log1p(Double(optionPieces)) : 0,
        ]
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

    static let codeWords: Set<String> = ["function", "program", "python", "code", "algorithm", "implement", "array", "string", "java",
                                         "html", "sql"]
    static let mathWords: Set<String> = ["probability", "integer", "equation", "sum", "product", "remainder", "divided", "percent",
                                         "ratio", "average", "solution"]
}
