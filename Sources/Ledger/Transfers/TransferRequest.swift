import TollgateCore

/// What a caller asks the ledger to record. The store answers with a `Transfer`.
///
/// The id is the caller's idempotency key: sending the same request again returns the transfer
/// recorded the first time; sending a different request with the same id is refused with an error
/// naming the differing field.
public struct TransferRequest: Sendable, Hashable {
    public var id: TimeOrderedID
    public var action: Action
    public var code: TransferCode
    /// What the transfer is for, outside the ledger: a request id, an invoice number.
    public var reference: String?

    /// The kinds of transfer, after TigerBeetle's single-phase and two-phase transfers.
    public enum Action: Sendable, Hashable {
        /// Moves `amount` now.
        case single(debit: String, credit: String, amount: Int64)
        /// Reserves `amount`: it counts against limits but has not moved. Without a later post or
        /// void it expires `timeoutMilliseconds` after it was recorded (never when `nil`).
        case pending(debit: String, credit: String, amount: Int64, timeoutMilliseconds: Int64?)
        /// Settles a pending transfer for `amount` (the whole reservation when `nil`), releasing the rest.
        case post(pendingID: TimeOrderedID, amount: Int64?)
        /// Releases a pending transfer.
        case void(pendingID: TimeOrderedID)
        /// Releases a pending transfer whose timeout has passed (the expiry service sends these).
        case expire(pendingID: TimeOrderedID)
    }

    public init(id: TimeOrderedID = TimeOrderedID(), _ action: Action, code: TransferCode, reference: String? = nil) {
        self.id = id
        self.action = action
        self.code = code
        self.reference = reference
    }

    public static func single(id: TimeOrderedID = TimeOrderedID(), debit: String, credit: String, amount: Int64,
                              code: TransferCode, reference: String? = nil) -> TransferRequest {
        TransferRequest(id: id, .single(debit: debit, credit: credit, amount: amount), code: code, reference: reference)
    }

    public static func pending(id: TimeOrderedID = TimeOrderedID(), debit: String, credit: String, amount: Int64,
                               timeoutMilliseconds: Int64? = nil, code: TransferCode, reference: String? = nil) -> TransferRequest {
        TransferRequest(id: id, .pending(debit: debit, credit: credit, amount: amount, timeoutMilliseconds: timeoutMilliseconds),
                        code: code, reference: reference)
    }

    public static func post(id: TimeOrderedID = TimeOrderedID(), pending: TimeOrderedID, amount: Int64? = nil,
                            code: TransferCode = .usage, reference: String? = nil) -> TransferRequest {
        TransferRequest(id: id, .post(pendingID: pending, amount: amount), code: code, reference: reference)
    }

    public static func void(id: TimeOrderedID = TimeOrderedID(), pending: TimeOrderedID,
                            code: TransferCode = .usage, reference: String? = nil) -> TransferRequest {
        TransferRequest(id: id, .void(pendingID: pending), code: code, reference: reference)
    }

    /// The pending transfer this request resolves, if it resolves one.
    public var pendingID: TimeOrderedID? {
        switch action {
        case .single, .pending: nil
        case .post(let id, _), .void(let id), .expire(let id): id
        }
    }
}

/// Requests that commit all together or not at all ("linked" in TigerBeetle).
public struct TransferBatch: Sendable, Hashable {
    public var transfers: [TransferRequest]
    public init(_ transfers: [TransferRequest]) { self.transfers = transfers }
}
