/// The building blocks the hand-written split patterns share, over one text segment
/// `[start, end)` of scalars. Each returns the end of the match at `i`, or nil when that
/// alternative does not match there, with the regex engines' leftmost-first, greedy,
/// backtracking semantics: lookaheads and `$` see the segment's end as the end of text.
struct SplitScanner {
    let values: UnsafeBufferPointer<UInt32>
    let classes: UnsafeBufferPointer<ScalarClass>
    let end: Int

    /// `[^\r\n\p{L}\p{N}]`
    static let notNewlineLetterNumber: ScalarClass = [.newline, .number, .letter]
    /// `[^\s\p{L}\p{N}]`
    static let notSpaceLetterNumber: ScalarClass = [.whitespace, .number, .letter]

    @inline(__always) func has(_ i: Int, _ set: ScalarClass) -> Bool { i < end && classes[i].intersects(set) }
    @inline(__always) func lacks(_ i: Int, _ set: ScalarClass) -> Bool { i < end && !classes[i].intersects(set) }

    /// End of the run of scalars in `set` starting at `i` (`i` itself if none).
    @inline(__always)
    func run(from i: Int, _ set: ScalarClass) -> Int {
        var j = i
        while j < end && classes[j].intersects(set) { j += 1 }
        return j
    }

    /// End of the run of scalars outside `set` starting at `i`.
    @inline(__always)
    func runLacking(from i: Int, _ set: ScalarClass) -> Int {
        var j = i
        while j < end && !classes[j].intersects(set) { j += 1 }
        return j
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, case-insensitive (Unicode simple folding, so `ſ` matches `s`) or not.
    @inline(__always)
    func contraction(at i: Int, caseInsensitive: Bool) -> Int? {
        guard i + 1 < end, values[i] == 0x27, let a = folded(values[i + 1], caseInsensitive) else { return nil }
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
        case 0x72, 0x76, 0x6C:  // r v l
            guard i + 2 < end, let b = folded(values[i + 2], caseInsensitive) else { return nil }
            return (a == 0x6C ? b == 0x6C : b == 0x65) ? i + 3 : nil  // ll, re, ve
        default: return nil
        }
    }

    @inline(__always)
    private func folded(_ v: UInt32, _ caseInsensitive: Bool) -> UInt32? {
        if (0x61...0x7A).contains(v) { return v }
        guard caseInsensitive else { return nil }
        if (0x41...0x5A).contains(v) { return v + 0x20 }
        return v == 0x17F ? 0x73 : nil  // LATIN SMALL LETTER LONG S folds to s
    }

    /// ` ?[^\s\p{L}\p{N}]+` followed by a greedy run of `[\r\n]` (and `/` when `slash`).
    @inline(__always)
    func punctuation(at i: Int, slash: Bool) -> Int? {
        var p = i
        if values[i] == 0x20 && lacks(i + 1, Self.notSpaceLetterNumber) { p = i + 1 }
        guard lacks(p, Self.notSpaceLetterNumber) else { return nil }
        var j = runLacking(from: p, Self.notSpaceLetterNumber)
        while j < end && (classes[j].intersects(.newline) || (slash && values[j] == 0x2F)) { j += 1 }
        return j
    }

    /// `\s*[\r\n]+`: a whitespace run, cut after its last newline.
    @inline(__always)
    func whitespaceThroughNewline(at i: Int) -> Int? {
        guard has(i, .whitespace) else { return nil }
        let runEnd = run(from: i, .whitespace)
        var j = runEnd - 1
        while j >= i && !classes[j].intersects(.newline) { j -= 1 }
        return j >= i ? j + 1 : nil
    }

    /// `\s+(?!\S)`: a whitespace run, less its last scalar when a non-space follows.
    @inline(__always)
    func whitespaceNotBeforeText(at i: Int) -> Int? {
        guard has(i, .whitespace) else { return nil }
        let runEnd = run(from: i, .whitespace)
        if runEnd == end { return runEnd }
        return runEnd - 1 > i ? runEnd - 1 : nil
    }

    /// `\s+`
    @inline(__always)
    func whitespace(at i: Int) -> Int? {
        has(i, .whitespace) ? run(from: i, .whitespace) : nil
    }

    /// `\p{N}{1,N}`
    @inline(__always)
    func numbers(at i: Int, max: Int) -> Int? {
        guard has(i, .number) else { return nil }
        var j = i + 1
        while j < end && j - i < max && classes[j].intersects(.number) { j += 1 }
        return j
    }
}
