extension SplitScanner {
    /// The end of cl100k_base's match at `i`:
    /// ```
    /// '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+
    /// |\s++$|\s*[\r\n]|\s+(?!\S)|\s
    /// ```
    /// The possessive quantifiers never give back anything a later part could use here, so
    /// they behave as greedy ones.
    func cl100kMatch(at i: Int) -> Int {
        if let e = contraction(at: i, caseInsensitive: true) { return e }
        if let e = prefixedLetters(at: i) { return e }
        if let e = numbers(at: i, max: 3) ?? punctuation(at: i, slash: false) { return e }
        if has(i, .whitespace) {
            let runEnd = run(from: i, .whitespace)
            if runEnd == end { return runEnd }  // \s++$
        }
        return whitespaceThroughNewline(at: i)  // \s*[\r\n] ends after the run's last newline too
            ?? whitespaceNotBeforeText(at: i)
            ?? i + 1  // \s
    }

    /// `[^\r\n\p{L}\p{N}]?\p{L}+` (the optional scalar can never be a letter, so no backtracking).
    func prefixedLetters(at i: Int) -> Int? {
        if lacks(i, Self.notNewlineLetterNumber) && has(i + 1, .letter) { return run(from: i + 1, .letter) }
        if has(i, .letter) { return run(from: i, .letter) }
        return nil
    }
}
