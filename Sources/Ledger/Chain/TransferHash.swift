import Crypto

/// The ledger's hash chain: each transfer's hash is SHA-256(previous hash ‖ canonical encoding).
///
/// The canonical encoding writes every field as `length:value` (or `-` for an absent field), in a
/// fixed order, so no two different transfers encode alike whatever their references contain.
public enum TransferHash {
    /// The hash before the first transfer.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of `transfer` chained after `previous` (hex); `transfer.hash` is ignored.
    public static func chained(after previous: String, _ transfer: Transfer) -> String {
        var input = bytes(fromHex: previous)
        input.reserveCapacity(32 + 160)
        appendCanonicalEncoding(of: transfer, to: &input)
        return hex(SHA256.hash(data: input))
    }

    /// The transfer's fields in the order and form the chain hashes.
    public static func canonicalEncoding(of transfer: Transfer) -> String {
        var out: [UInt8] = []
        appendCanonicalEncoding(of: transfer, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `length:value|…` straight into bytes: every ledger write hashes each transfer it appends,
    /// so this avoids a string per field.
    static func appendCanonicalEncoding(of transfer: Transfer, to out: inout [UInt8]) {
        func field(_ text: String?, first: Bool = false) {
            if !first { out.append(UInt8(ascii: "|")) }
            guard var text else {
                out.append(UInt8(ascii: "-"))
                return
            }
            text.withUTF8 { utf8 in
                decimal(Int64(utf8.count))
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: utf8)
            }
        }
        func number(_ value: Int64?) {
            out.append(UInt8(ascii: "|"))
            guard let value else {
                out.append(UInt8(ascii: "-"))
                return
            }
            var digits: [UInt8] = []
            decimal(value, into: &digits)
            decimal(Int64(digits.count))
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: digits)
        }
        func decimal(_ value: Int64) { decimal(value, into: &out) }
        func decimal(_ value: Int64, into out: inout [UInt8]) {
            if value < 0 { out.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            let start = out.count
            repeat {
                out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            out[start...].reverse()
        }
        var sequence: [UInt8] = []
        decimal(transfer.sequence, into: &sequence)
        decimal(Int64(sequence.count))
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: sequence)
        field(transfer.id.description)
        field(transfer.debitAccountID)
        field(transfer.creditAccountID)
        number(transfer.amount)
        field(transfer.phase.rawValue)
        field(transfer.pendingID?.description)
        number(transfer.timeoutMilliseconds)
        number(transfer.timeoutAt)
        field(transfer.code.rawValue)
        field(transfer.reference)
        number(transfer.timestamp)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(fromHex text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var high: UInt8?
        for c in text.utf8 {
            let v: UInt8 = switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: 0
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return out
    }
}
