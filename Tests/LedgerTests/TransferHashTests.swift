import Crypto
import Ledger
import Testing
import TollgateCore

/// The chain's encoding is part of every stored hash: a change to it would make `ledger verify`
/// reject every ledger written before. These tests pin it.
@Suite struct TransferHashTests {
    /// The encoding as first written (a string per field), kept here as the definition.
    static func referenceEncoding(_ t: Transfer) -> String {
        let fields: [String?] = [
            String(t.sequence), t.id.description, t.debitAccountID, t.creditAccountID, String(t.amount), t.phase.rawValue,
            t.pendingID?.description, t.timeoutMilliseconds.map { String($0) }, t.timeoutAt.map { String($0) },
            t.code.rawValue, t.reference, String(t.timestamp),
        ]
        return fields.map { field in field.map { "\($0.utf8.count):\($0)" } ?? "-" }.joined(separator: "|")
    }

    static func sample(_ i: Int, _ random: inout some RandomNumberGenerator) -> Transfer {
        let references: [String?] = [nil, "", "req-1", "a|b:c-", "請求 🚀 e\u{301}", String(repeating: "x", count: 300)]
        let timeout: Int64? = Bool.random(using: &random) ? nil : Int64.random(in: -5...Int64.max, using: &random)
        return Transfer(
            sequence: Int64.random(in: 0...Int64.max, using: &random),
            id: TimeOrderedID(high: UInt64.random(in: 0...UInt64.max, using: &random), low: UInt64(i)),
            debitAccountID: "org:acme:USD:paid", creditAccountID: i % 2 == 0 ? "platform:USD:usage" : "ünïcode:账户",
            amount: [1, 9, 10, 1_000_000_007, Int64.max][i % 5],
            phase: [.single, .pending, .post, .void, .expire][i % 5],
            pendingID: i % 3 == 0 ? TimeOrderedID(high: 1, low: 2) : nil,
            timeoutMilliseconds: timeout, timeoutAt: timeout.map { _ in [Int64.min, -1, 0, 1_764_000_000_000][i % 4] },
            code: TransferCode(["usage", "top_up", "expiry"][i % 3]), reference: references[i % references.count],
            timestamp: [0, -42, 1_764_000_000_123, Int64.min][i % 4], hash: "")
    }

    @Test func theEncodingIsTheReferenceOne() {
        var random = SystemRandomNumberGenerator()
        for i in 0..<2_000 {
            let transfer = Self.sample(i, &random)
            #expect(TransferHash.canonicalEncoding(of: transfer) == Self.referenceEncoding(transfer))
            var hasher = SHA256()
            hasher.update(data: Array((0..<32).map { UInt8($0 % 16 * 16 + $0 % 16) }))
            hasher.update(data: Array(Self.referenceEncoding(transfer).utf8))
            let expected = hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            #expect(TransferHash.chained(after: String(repeating: "00112233445566778899aabbccddeeff", count: 2), transfer) == expected)
        }
    }

    @Test func aKnownTransferHashesToItsKnownValue() {
        let transfer = Transfer(
            sequence: 7, id: TimeOrderedID(high: 0x0193_0000_0000_0001, low: 0x42), debitAccountID: "a", creditAccountID: "b",
            amount: 1_250, phase: .pending, pendingID: nil, timeoutMilliseconds: 30_000, timeoutAt: 1_764_000_030_000,
            code: TransferCode("usage"), reference: "req-1", timestamp: 1_764_000_000_000, hash: "")
        #expect(TransferHash.canonicalEncoding(of: transfer) == Self.referenceEncoding(transfer))
        #expect(TransferHash.chained(after: TransferHash.genesis, transfer) == Self.knownHash)
    }

    /// Computed independently with Python's hashlib from the encoding above.
    static let knownHash = "fb5733de275b031474cfc68993a765814af8cb8559dc34ee75aa2b723a3fc04b"
}
