import TollgateCore

/// A recorded transfer: one immutable row of the ledger.
public struct Transfer: Sendable, Hashable, Codable {
    /// Position in the ledger's hash chain, from 1.
    public var sequence: Int64
    public var id: TimeOrderedID
    public var debitAccountID: String
    public var creditAccountID: String
    /// Always > 0. For a post, what was settled; for a void or expiry, what was released.
    public var amount: Int64
    public var phase: Phase
    /// For a post, void or expiry: the pending transfer it resolves.
    public var pendingID: TimeOrderedID?
    /// For a pending transfer with a timeout: how long it may stay pending, and until when.
    public var timeoutMilliseconds: Int64?
    public var timeoutAt: Int64?
    public var code: TransferCode
    public var reference: String?
    /// When the store recorded it, in milliseconds since the epoch.
    public var timestamp: Int64
    /// SHA-256 of the previous transfer's hash and this transfer's canonical encoding, in hex.
    public var hash: String

    public init(sequence: Int64, id: TimeOrderedID, debitAccountID: String, creditAccountID: String, amount: Int64,
                phase: Phase, pendingID: TimeOrderedID? = nil, timeoutMilliseconds: Int64? = nil, timeoutAt: Int64? = nil,
                code: TransferCode, reference: String? = nil, timestamp: Int64, hash: String) {
        self.sequence = sequence
        self.id = id
        self.debitAccountID = debitAccountID
        self.creditAccountID = creditAccountID
        self.amount = amount
        self.phase = phase
        self.pendingID = pendingID
        self.timeoutMilliseconds = timeoutMilliseconds
        self.timeoutAt = timeoutAt
        self.code = code
        self.reference = reference
        self.timestamp = timestamp
        self.hash = hash
    }

    public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
        case single, pending, post, void, expire
    }

    /// Whether the transfer moved its amount into the posted counters.
    public var isPosting: Bool { phase == .single || phase == .post }
}
