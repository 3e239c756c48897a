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
        hex(chained(after: bytes(fromHex: previous), transfer))
    }

    /// The same from and to raw digests, for a writer that chains many transfers in a row.
    static func chained(after previous: [UInt8], _ transfer: Transfer) -> [UInt8] {
        var input = previous
        input.reserveCapacity(previous.count + 192)
        appendCanonicalEncoding(of: transfer, to: &input)
        return Array(SHA256.hash(data: input))
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
        func text(_ value: String?) {
            guard var value else {
                out.append(UInt8(ascii: "-"))
                return
            }
            value.withUTF8 { utf8 in
                decimal(UInt64(utf8.count), negative: false)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: utf8)
            }
        }
        func number(_ value: Int64?) {
            guard let value else {
                out.append(UInt8(ascii: "-"))
                return
            }
            let length = digitCount(value.magnitude) + (value < 0 ? 1 : 0)
            decimal(UInt64(length), negative: false)
            out.append(UInt8(ascii: ":"))
            decimal(value.magnitude, negative: value < 0)
        }
        func decimal(_ magnitude: UInt64, negative: Bool) {
            if negative { out.append(UInt8(ascii: "-")) }
            let count = digitCount(magnitude)
            let end = out.count + count
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
            var rest = magnitude
            var at = end - 1
            while rest > 0 {
                out[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                at -= 1
            }
        }
        let separator = UInt8(ascii: "|")
        number(transfer.sequence)
        out.append(separator); text(transfer.id.description)
        out.append(separator); text(transfer.debitAccountID)
        out.append(separator); text(transfer.creditAccountID)
        out.append(separator); number(transfer.amount)
        out.append(separator); text(transfer.phase.rawValue)
        out.append(separator); text(transfer.pendingID?.description)
        out.append(separator); number(transfer.timeoutMilliseconds)
        out.append(separator); number(transfer.timeoutAt)
        out.append(separator); text(transfer.code.rawValue)
        out.append(separator); text(transfer.reference)
        out.append(separator); number(transfer.timestamp)
    }

    private static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
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
