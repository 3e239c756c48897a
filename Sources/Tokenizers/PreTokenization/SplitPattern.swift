/// The regex split of each encoding, hand-written (no regex engine) and identical on every input.
enum SplitPattern: Sendable {
    /// o200k_base: case-aware words with optional contraction, 1–3 digits, punctuation with
    /// trailing newlines or slashes, whitespace.
    case o200k
    /// cl100k_base (tiktoken's current, possessive form).
    case cl100k
    /// Qwen (dashscope's `PAT_STR`): like cl100k but single digits.
    case qwen
    /// GPT-2's pattern, as Hugging Face's ByteLevel pre-tokenizer applies it (claude_legacy).
    case gpt2
    /// DeepSeek-V3's sequence of three Split pre-tokenizers (digits, kana/CJK runs, the rest).
    case deepSeek

    /// Calls `emit` with consecutive scalar ranges that cover `range`, one per pre-token.
    func split(_ text: ScalarText, _ range: Range<Int>, _ emit: (Range<Int>) -> Void) {
        text.values.withUnsafeBufferPointer { values in
            text.classes.withUnsafeBufferPointer { classes in
                let scanner = SplitScanner(values: values, classes: classes, end: range.upperBound)
                var i = range.lowerBound
                switch self {
                case .deepSeek:
                    scanner.deepSeekSplit(range, emit)
                    return
                case .o200k:
                    while i < range.upperBound {
                        let next = scanner.o200kMatch(at: i)
                        emit(i..<next)
                        i = next
                    }
                case .cl100k:
                    while i < range.upperBound {
                        let next = scanner.cl100kMatch(at: i)
                        emit(i..<next)
                        i = next
                    }
                case .qwen:
                    while i < range.upperBound {
                        let next = scanner.qwenMatch(at: i)
                        emit(i..<next)
                        i = next
                    }
                case .gpt2:
                    while i < range.upperBound {
                        let next = scanner.gpt2Match(at: i)
                        emit(i..<next)
                        i = next
                    }
                }
            }
        }
    }
}
