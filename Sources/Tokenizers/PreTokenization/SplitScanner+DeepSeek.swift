extension SplitScanner {
    /// `[^\r\n\p{L}\p{P}\p{S}]`
    private static let notNewlineLetterPunctuationSymbol: ScalarClass = [.newline, .letter, .punctuation, .symbol]
    private static let letterOrMark: ScalarClass = [.upper, .lower, .title, .modifierLetter, .otherLetter, .mark]
    private static let punctuationOrSymbol: ScalarClass = [.punctuation, .symbol]

    /// DeepSeek-V3's pre-tokenizer: three `Split` steps with behaviour `Isolated`, each applied to
    /// every piece the previous one produced (so lookaheads stop at piece ends), matches and the
    /// gaps between them both becoming pieces:
    /// 1. `\p{N}{1,3}`
    /// 2. `[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+`
    /// 3. ``[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+``
    func deepSeekSplit(_ range: Range<Int>, _ emit: (Range<Int>) -> Void) {
        var gapStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            if classes[i].intersects(.number) {
                splitHan(gapStart..<i, emit)
                let runEnd = run(from: i, .number)
                while i < runEnd {
                    let next = min(i + 3, runEnd)
                    emit(i..<next)
                    i = next
                }
                gapStart = i
            } else {
                i += 1
            }
        }
        splitHan(gapStart..<range.upperBound, emit)
    }

    private func splitHan(_ range: Range<Int>, _ emit: (Range<Int>) -> Void) {
        var gapStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            if classes[i].intersects(.han) {
                let runEnd = min(run(from: i, .han), range.upperBound)
                splitRest(gapStart..<i, emit)
                emit(i..<runEnd)
                i = runEnd
                gapStart = i
            } else {
                i += 1
            }
        }
        splitRest(gapStart..<range.upperBound, emit)
    }

    private func splitRest(_ range: Range<Int>, _ emit: (Range<Int>) -> Void) {
        guard !range.isEmpty else { return }
        let scanner = SplitScanner(values: values, classes: classes, end: range.upperBound)
        var gapStart = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            guard let e = scanner.deepSeekMatch(at: i) else {
                i += 1
                continue
            }
            if gapStart < i { emit(gapStart..<i) }
            emit(i..<e)
            i = e
            gapStart = e
        }
        if gapStart < range.upperBound { emit(gapStart..<range.upperBound) }
    }

    private func deepSeekMatch(at i: Int) -> Int? {
        if classes[i].intersects(.asciiPunctuation) && has(i + 1, .asciiLetter) { return run(from: i + 1, .asciiLetter) }
        if lacks(i, Self.notNewlineLetterPunctuationSymbol) && has(i + 1, Self.letterOrMark) {
            return run(from: i + 1, Self.letterOrMark)
        }
        if has(i, Self.letterOrMark) { return run(from: i, Self.letterOrMark) }
        var p = i
        if values[i] == 0x20 && has(i + 1, Self.punctuationOrSymbol) { p = i + 1 }
        if has(p, Self.punctuationOrSymbol) { return run(from: run(from: p, Self.punctuationOrSymbol), .newline) }
        return whitespaceThroughNewline(at: i)
            ?? whitespaceNotBeforeText(at: i)
            ?? whitespace(at: i)
    }
}
