import Testing
@testable import Tokenizers

@Suite struct InflaterTests {
    /// A gzip member holding one stored (uncompressed) block, built by hand.
    static func storedGzip(_ payload: [UInt8]) -> [UInt8] {
        var data: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        let length = UInt16(payload.count)
        data += [1, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        data += payload
        let crc = CRC32.checksum(payload)
        data += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        data += [UInt8(payload.count & 0xFF), UInt8(payload.count >> 8 & 0xFF), 0, 0]
        return data
    }

    @Test func storedBlocksDecodeToTheirPayload() throws {
        let payload = Array("stored block ✓".utf8)
        #expect(try Inflater.gunzip(Self.storedGzip(payload)) == payload)
    }

    @Test func aCorruptedStreamIsRefusedNotMisread() throws {
        var data = Self.storedGzip(Array("checksummed".utf8))
        data[16] ^= 0x01
        #expect(throws: TokenizerError.self) { try Inflater.gunzip(data) }
        #expect(throws: TokenizerError.self) { try Inflater.gunzip([0x1F, 0x8B]) }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func compressedVocabulariesDecodeWithValidChecksums() throws {
        // Dynamic-Huffman blocks with long back-references; gunzip verifies CRC-32 and length.
        let text = try EncodingLoader.resource("cl100k_base.tiktoken")
        #expect(text.count > 1_000_000)
        #expect(text.starts(with: Array("IQ== 0\n".utf8)))
    }
}
