/// The Unicode classes the split patterns test, as one bit set per scalar.
///
/// Derived from `Unicode.Scalar.Properties`, so the tables follow the standard library's Unicode
/// version up to the references' (``unknownToTheReferences``); `whitespace` is the White_Space
/// property, which is what `\s` means both in Rust's `regex` (tiktoken) and in Oniguruma's Unicode
/// mode (Hugging Face `tokenizers`): for Oniguruma, 0009–000D, 0085 and the Zs, Zl, Zp categories,
/// which is the same set.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt16

    static let upper = ScalarClass(rawValue: 1 << 0)  // Lu
    static let lower = ScalarClass(rawValue: 1 << 1)  // Ll
    static let title = ScalarClass(rawValue: 1 << 2)  // Lt
    static let modifierLetter = ScalarClass(rawValue: 1 << 3)  // Lm
    static let otherLetter = ScalarClass(rawValue: 1 << 4)  // Lo
    static let mark = ScalarClass(rawValue: 1 << 5)  // M
    static let number = ScalarClass(rawValue: 1 << 6)  // N
    static let punctuation = ScalarClass(rawValue: 1 << 7)  // P
    static let symbol = ScalarClass(rawValue: 1 << 8)  // S
    static let whitespace = ScalarClass(rawValue: 1 << 9)  // \s
    static let newline = ScalarClass(rawValue: 1 << 10)  // \r or \n
    static let space = ScalarClass(rawValue: 1 << 11)  // U+0020 exactly
    static let asciiLetter = ScalarClass(rawValue: 1 << 12)  // [A-Za-z]
    static let asciiPunctuation = ScalarClass(rawValue: 1 << 13)  // DeepSeek's [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]
    static let han = ScalarClass(rawValue: 1 << 14)  // DeepSeek's [\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]

    static let letter: ScalarClass = [.upper, .lower, .title, .modifierLetter, .otherLetter]

    @inline(__always)
    func intersects(_ other: ScalarClass) -> Bool { rawValue & other.rawValue != 0 }

    /// Scalars below this are classified from a table: the Basic Multilingual Plane, the
    /// Supplementary Multilingual Plane (emoji, historic scripts, mathematical letters) and the
    /// Supplementary Ideographic Plane (CJK extensions); reading their properties costs far more.
    static let tableBound: UInt32 = 0x30000

    /// The class of a scalar value (any `UInt32` that is a valid scalar).
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        table.withUnsafeBufferPointer { of(value, in: $0) }
    }

    /// ``of(_:)`` with the table already in hand, for loops over many scalars (reaching the lazily
    /// built table costs a call each time).
    @inline(__always)
    static func of(_ value: UInt32, in table: UnsafeBufferPointer<UInt16>) -> ScalarClass {
        if value < tableBound { return ScalarClass(rawValue: table[Int(value)]) }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return compute(scalar)
    }

    /// Builds the class table now (the encoding's load calls this), not on the first text.
    static func prepare() { _ = table.count }

    /// Per scalar below ``tableBound``, its class (384 KiB, built once per process).
    static let table: [UInt16] = (0..<Int(tableBound)).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }
        return compute(scalar).rawValue
    }

    /// The first Unicode version the references' regular expressions do not know: tiktoken's and
    /// `tokenizers`' engines classify by Unicode 16, while this standard library knows 17. A scalar
    /// assigned since is unassigned to them (CJK Extension J, U+0CDC, U+FBCF…), so it is to us:
    /// found by `scripts/tokenizer-fuzz.sh`, where such scalars split text differently.
    static let unknownToTheReferences = 17

    private static func compute(_ scalar: Unicode.Scalar) -> ScalarClass {
        if let age = scalar.properties.age, age.major >= unknownToTheReferences { return [] }
        var result: ScalarClass = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter: result.insert(.upper)
        case .lowercaseLetter: result.insert(.lower)
        case .titlecaseLetter: result.insert(.title)
        case .modifierLetter: result.insert(.modifierLetter)
        case .otherLetter: result.insert(.otherLetter)
        case .nonspacingMark, .spacingMark, .enclosingMark: result.insert(.mark)
        case .decimalNumber, .letterNumber, .otherNumber: result.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            result.insert(.punctuation)
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: result.insert(.symbol)
        default: break
        }
        if scalar.properties.isWhitespace { result.insert(.whitespace) }
        let v = scalar.value
        if v == 0x0A || v == 0x0D { result.insert(.newline) }
        if v == 0x20 { result.insert(.space) }
        if (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) { result.insert(.asciiLetter) }
        if (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v) {
            result.insert(.asciiPunctuation)
        }
        if (0x4E00...0x9FA5).contains(v) || (0x3040...0x309F).contains(v) || (0x30A0...0x30FF).contains(v) {
            result.insert(.han)
        }
        return result
    }
}
