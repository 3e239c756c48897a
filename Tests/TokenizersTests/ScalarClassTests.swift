import Testing
@testable import Tokenizers

/// The class and quick-check tables cover the first three planes; above them (and for what the
/// tables hold) the answers must be what the Unicode properties say.
@Suite struct ScalarClassTests {
    @Test func scalarsBeyondTheBasicPlaneAreClassifiedAsTheirPropertiesSay() {
        #expect(ScalarClass.of(0x1F916) == .symbol)  // 🤖, So
        #expect(ScalarClass.of(0x1F3FB) == .symbol)  // skin tone modifier, Sk
        #expect(ScalarClass.of(0x1D400) == .upper)  // mathematical bold A, Lu
        #expect(ScalarClass.of(0x1D41A) == .lower)  // mathematical bold a, Ll
        #expect(ScalarClass.of(0x1D7CE) == .number)  // mathematical bold digit zero, Nd
        #expect(ScalarClass.of(0x20000) == .otherLetter)  // CJK extension B, Lo
        #expect(ScalarClass.of(0x2F800) == .otherLetter)  // CJK compatibility ideograph supplement
        #expect(ScalarClass.of(0x1F1E6) == .symbol)  // regional indicator A
        #expect(ScalarClass.of(0xE0100) == .mark)  // a variation selector, above the table
        #expect(ScalarClass.of(0x2FFFF) == [])  // unassigned
        #expect(ScalarClass.of(0x31350) == .otherLetter)  // CJK extension H, Unicode 15
        #expect(ScalarClass.of(0x1FAE9) == .symbol)  // an emoji of Unicode 16
        // Unicode 17, which the references' regular expressions do not know yet: unassigned.
        #expect(ScalarClass.of(0x32759) == [] && ScalarClass.of(0xCDC) == [] && ScalarClass.of(0xFBCF) == [])
    }

    @Test func theTableAgreesWithTheScalarPropertiesAcrossThePlanesItCovers() {
        // Every 97th scalar of the three planes, and each plane's ends.
        let table = ScalarClass.table
        for value in Array(stride(from: UInt32(0), to: ScalarClass.tableBound, by: 97)) + [0xFFFF, 0x10000, 0x1FFFF, 0x20000, 0x2FFFF] {
            guard let scalar = Unicode.Scalar(value) else {
                #expect(table[Int(value)] == 0)
                continue
            }
            guard (scalar.properties.age?.major ?? 0) < ScalarClass.unknownToTheReferences else {
                #expect(table[Int(value)] == 0, "\(value)")
                continue
            }
            let category = scalar.properties.generalCategory
            let classified = ScalarClass(rawValue: table[Int(value)])
            switch category {
            case .uppercaseLetter: #expect(classified.contains(.upper), "\(value)")
            case .otherLetter: #expect(classified.contains(.otherLetter), "\(value)")
            case .nonspacingMark, .spacingMark, .enclosingMark: #expect(classified.contains(.mark), "\(value)")
            case .decimalNumber, .letterNumber, .otherNumber: #expect(classified.contains(.number), "\(value)")
            case .otherSymbol, .mathSymbol, .modifierSymbol, .currencySymbol: #expect(classified.contains(.symbol), "\(value)")
            default: break
            }
            #expect(classified.contains(.whitespace) == scalar.properties.isWhitespace, "\(value)")
        }
    }

    @Test func normalizationFlagsSupplementaryScalarsFromItsTable() {
        // A CJK compatibility ideograph of plane 2 is a canonical singleton: both forms map it.
        let ideograph = "\u{2F800}"
        #expect(CanonicalComposition.normalize(ideograph).unicodeScalars.map(\.value) == [0x4E3D])
        #expect(CompatibilityComposition.normalize(ideograph).unicodeScalars.map(\.value) == [0x4E3D])
        // Mathematical bold letters only have a compatibility mapping.
        #expect(CanonicalComposition.normalize("\u{1D400}").unicodeScalars.map(\.value) == [0x1D400])
        #expect(CompatibilityComposition.normalize("\u{1D400}x") == "Ax")
        // Emoji, with a skin tone and a zero-width joiner, pass unchanged.
        let emoji = "👩🏽‍💻🤖"
        #expect(CanonicalComposition.normalize(emoji).unicodeScalars.elementsEqual(emoji.unicodeScalars))
        #expect(CompatibilityComposition.normalize(emoji).unicodeScalars.elementsEqual(emoji.unicodeScalars))
    }
}
