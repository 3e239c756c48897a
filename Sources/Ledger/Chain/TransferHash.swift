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
        var hasher = SHA256()
        hasher.update(data: bytes(fromHex: previous))
        hasher.update(data: Array(canonicalEncoding(of: transfer).utf8))
        return hex(hasher.finalize())
    }

    /// The transfer's fields in the order and form the chain hashes.
    public static func canonicalEncoding(of transfer: Transfer) -> String {
        let fields: [String?] = [
            String(transfer.sequence), transfer.id.description, transfer.debitAccountID, transfer.creditAccountID,
            String(transfer.amount), transfer.phase.rawValue, transfer.pendingID?.description,
            transfer.timeoutMilliseconds.map { String($0) }, transfer.timeoutAt.map { String($0) },
            transfer.code.rawValue, transfer.reference, String(transfer.timestamp),
        ]
        return fields.map { field in field.map { "\($0.utf8.count):\($0)" } ?? "-" }.joined(separator: "|")
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
