extension SplitScanner {
    /// The end of GPT-2's match at `i`, the pattern Hugging Face's ByteLevel pre-tokenizer uses:
    /// ```
    /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    /// ```
    func gpt2Match(at i: Int) -> Int {
        if let e = contraction(at: i, caseInsensitive: false) { return e }
        for set in [ScalarClass.letter, .number] {
            if values[i] == 0x20 && has(i + 1, set) { return run(from: i + 1, set) }
            if has(i, set) { return run(from: i, set) }
        }
        return punctuation(at: i, slash: false).map { p in
            // GPT-2's punctuation alternative has no trailing newline part.
            var j = p
            while j > i && classes[j - 1].intersects(.newline) { j -= 1 }
            return j
        }
            ?? whitespaceNotBeforeText(at: i)
            ?? whitespace(at: i)
            ?? i + 1
    }
}
