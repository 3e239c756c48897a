import Crypto
import TollgateCore

extension TimeOrderedID {
    /// An id derived from `seed`: the same seed always gives the same id. Writers that may run
    /// twice for the same thing (a retried settlement, two replicas expiring one reservation) send
    /// the same transfer id, and the ledger's idempotency makes the second a no-op.
    ///
    /// - Parameter milliseconds: the time part, so derived ids still sort by time.
    public static func derived(milliseconds: UInt64, seed: String) -> TimeOrderedID {
        let digest = Array(SHA256.hash(data: Array(seed.utf8)))
        let random = digest.prefix(16).reduce(into: (UInt64(0), UInt64(0))) { acc, byte in
            acc = (acc.0 << 8 | acc.1 >> 56, acc.1 << 8 | UInt64(byte))
        }
        let high = ((milliseconds & 0xFFFF_FFFF_FFFF) << 16) | 0x7000 | (random.0 & 0x0FFF)
        let low = (random.1 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return TimeOrderedID(high: high, low: low)
    }
}
