extension SplitScanner {
    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`
    private static let upperish: ScalarClass = [.upper, .title, .modifierLetter, .otherLetter, .mark]
    /// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`
    private static let lowerish: ScalarClass = [.lower, .modifierLetter, .otherLetter, .mark]

    /// The end of o200k_base's match at `i`:
    /// ```
    /// [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
    /// |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
    /// |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
    /// ```
    /// Every scalar starts a match of some alternative, so matches tile the text.
    func o200kMatch(at i: Int) -> Int {
        let prefixed = lacks(i, Self.notNewlineLetterNumber)
        if prefixed, let e = upperThenLower(from: i + 1) { return contraction(at: e, caseInsensitive: true) ?? e }
        if let e = upperThenLower(from: i) { return contraction(at: e, caseInsensitive: true) ?? e }
        if prefixed, let e = upperRun(from: i + 1) { return contraction(at: e, caseInsensitive: true) ?? e }
        if let e = upperRun(from: i) { return contraction(at: e, caseInsensitive: true) ?? e }
        return numbers(at: i, max: 3)
            ?? punctuation(at: i, slash: true)
            ?? whitespaceThroughNewline(at: i)
            ?? whitespaceNotBeforeText(at: i)
            ?? whitespace(at: i)
            ?? i + 1
    }

    /// `[upperish]*[lowerish]+` from `p`: the greedy upper run gives back scalars until a lowerish
    /// one can follow, exactly as a backtracking engine would.
    private func upperThenLower(from p: Int) -> Int? {
        guard p < end else { return nil }
        let upperEnd = run(from: p, Self.upperish)
        if has(upperEnd, Self.lowerish) { return run(from: upperEnd, Self.lowerish) }
        // Backtrack: the last lowerish scalar inside the upper run starts a one-scalar lower run
        // (what follows it is upper- or titlecase, or the run's end, which is not lowerish).
        var k = upperEnd - 1
        while k >= p {
            if classes[k].intersects(Self.lowerish) { return k + 1 }
            k -= 1
        }
        return nil
    }

    /// `[upperish]+[lowerish]*` from `p`.
    private func upperRun(from p: Int) -> Int? {
        guard has(p, Self.upperish) else { return nil }
        return run(from: run(from: p, Self.upperish), Self.lowerish)
    }
}
