/// GPT-2's byte-to-character table, which Hugging Face's ByteLevel tokenizers write their
/// vocabularies in: printable bytes stand for themselves, the others for U+0100 onwards in order.
enum ByteLevelAlphabet {
    /// The byte each character stands for.
    static let byteOfCharacter: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        var extra: UInt32 = 0
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                map[UInt32(byte)] = UInt8(byte)
            } else {
                map[0x100 + extra] = UInt8(byte)
                extra += 1
            }
        }
        return map
    }()

    /// The bytes a vocabulary string stands for, or nil if it is not written in this alphabet.
    static func bytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = byteOfCharacter[scalar.value] else { return nil }
            out.append(byte)
        }
        return out
    }
}
