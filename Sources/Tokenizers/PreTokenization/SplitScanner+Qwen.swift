extension SplitScanner {
    /// The end of Qwen's match at `i` (dashscope's `PAT_STR`):
    /// ```
    /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*
    /// |\s*[\r\n]+|\s+(?!\S)|\s+
    /// ```
    func qwenMatch(at i: Int) -> Int {
        contraction(at: i, caseInsensitive: true)
            ?? prefixedLetters(at: i)
            ?? numbers(at: i, max: 1)
            ?? punctuation(at: i, slash: false)
            ?? whitespaceThroughNewline(at: i)
            ?? whitespaceNotBeforeText(at: i)
            ?? whitespace(at: i)
            ?? i + 1
    }
}
