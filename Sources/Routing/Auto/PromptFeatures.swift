import TollgateCore

import Foundation

/// What the `auto` classifier reads of a request: numbers computed from the request alone —
/// the text of its last user turn, its conversation depth and its tools — chosen to generalise
/// across subjects (lengths, maths and code, how the question is asked) rather than to recognise
/// topics. Computing them is one pass over the text.
public struct PromptFeatures: Sendable, Hashable {
    public static let names = [
        "log_chars", "log_words", "mean_word_length", "long_word_share", "digit_share", "log_numbers",
        "math_symbols", "latex", "code", "log_lines", "log_sentences", "questions", "choice_lines",
        "reasoning_cues", "knowledge_cues", "multistep_cues", "writing_cues", "non_ascii_share",
        "log_turns", "log_tools",
    ]

    public var values: [Double]

    public init(values: [Double]) {
        precondition(values.count == Self.names.count, "one value per feature")
        self.values = values
    }

    /// The features of a chat request: its last user turn's text, its user turns and its tools.
    public init(_ request: ChatRequest) {
        let users = request.messages.filter { $0.role == .user }
        let text = users.last.map { message in
            message.content.compactMap { part -> String? in if case .text(let text) = part { text } else { nil } }.joined(separator: "\n")
        } ?? ""
        self.init(prompt: text, turns: max(users.count, 1), tools: request.tools.count)
    }

    public init(prompt: String, turns: Int = 1, tools: Int = 0) {
        let scalars = Array(prompt.unicodeScalars)
        let chars = Double(scalars.count)
        var digits = 0.0, nonASCII = 0.0, mathSymbols = 0.0, questions = 0.0, sentences = 0.0
        for (index, scalar) in scalars.enumerated() {
            if ("0"..."9").contains(scalar) { digits += 1 }
            if !scalar.isASCII { nonASCII += 1 }
            if "+*/=^<>%±×÷√∑∫≤≥≠π∞".unicodeScalars.contains(scalar) { mathSymbols += 1 }
            if scalar == "?" { questions += 1 }
            if ".!?".unicodeScalars.contains(scalar), index + 1 == scalars.count || scalars[index + 1].properties.isWhitespace { sentences += 1 }
        }
        let words = prompt.split { !$0.isLetter && !$0.isNumber && $0 != "'" }
        let wordCount = Double(words.count)
        var letters = 0.0, long = 0.0, numbers = 0.0
        var lowered: [Substring] = []
        for word in words {
            letters += Double(word.count)
            if word.count >= 10 { long += 1 }
            if word.first?.isNumber == true { numbers += 1 }
            lowered.append(Substring(word.lowercased()))
        }
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: true)
        let choiceLines = lines.filter { line in
            let trimmed = line.drop { $0 == " " }
            guard let first = trimmed.first, ("A"..."J").contains(first) || first == "(" else { return false }
            let rest = first == "(" ? trimmed.dropFirst() : trimmed
            return rest.count >= 2 && ("A"..."J").contains(rest.first!) && [".", ")", ":"].contains(rest.dropFirst().first!)
        }.count
        let count: (Set<Substring>) -> Double = { cues in Double(lowered.reduce(0) { $0 + (cues.contains($1) ? 1 : 0) }) }
        let lowerPrompt = prompt.lowercased()
        let code = prompt.contains("```") || prompt.contains("def ") || prompt.contains("{\n") || prompt.contains(");")
            || lowerPrompt.contains("function") || lowerPrompt.contains("python") || lowerPrompt.contains("code")
        let latex = prompt.contains("$") || prompt.contains("\\frac") || prompt.contains("\\(")
        values = [
            log1p(chars), log1p(wordCount), wordCount > 0 ? letters / wordCount : 0, wordCount > 0 ? long / wordCount : 0,
            chars > 0 ? digits / chars : 0, log1p(numbers), log1p(mathSymbols), latex ? 1 : 0, code ? 1 : 0,
            log1p(Double(lines.count)), log1p(sentences), min(questions, 3), Double(min(choiceLines, 10)),
            log1p(count(Self.reasoningCues)), log1p(count(Self.knowledgeCues)), log1p(count(Self.multistepCues)),
            log1p(count(Self.writingCues)), chars > 0 ? nonASCII / chars : 0,
            log(Double(max(turns, 1))), log1p(Double(max(tools, 0))),
        ]
    }

    static let reasoningCues: Set<Substring> = ["calculate", "compute", "solve", "prove", "derive", "how", "many", "much", "total",
                                                "find", "determine", "evaluate", "probability", "estimate", "if", "each", "per"]
    static let knowledgeCues: Set<Substring> = ["what", "which", "who", "when", "where", "define", "name", "known", "called", "refers"]
    static let multistepCues: Set<Substring> = ["then", "step", "first", "second", "finally", "after", "before", "next", "also", "and"]
    static let writingCues: Set<Substring> = ["write", "compose", "draft", "story", "poem", "essay", "email", "blog", "describe", "imagine"]
}
