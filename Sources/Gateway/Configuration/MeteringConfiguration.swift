#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How requests are reserved, settled and limited (`metering:` and `sessions:` in `tollgate.yaml`).
public struct MeteringConfiguration: Sendable {
    /// Off: requests are priced and recorded but nothing is reserved or settled on the ledger and
    /// no budget or prepaid balance is checked. Default on.
    public var enabled: Bool = true
    /// The output a request that sets no `max_tokens` is reserved for: the model's own cap
    /// (`max_output_tokens`), at most this. Default 8,192.
    public var maxReservedOutputTokens: Int = 8192
    /// How long a reservation may stay pending before it is released by itself. A stream that
    /// outlives it is still charged in full, as owed. Default 15 minutes.
    public var reservationTimeout: Duration = .seconds(900)
    /// Escrow: requests' reservations carved in memory from slices of their accounts this replica
    /// reserved ahead, instead of one ledger write per request before its upstream call; near an
    /// account's limit requests reserve alone either way. Default on.
    public var escrow: Bool = true
    /// The time zone budget periods follow (a day starts at its midnight). Default UTC.
    public var timeZone: TimeZone = TimeZone(identifier: "UTC")!
    /// The secret budget alert webhooks are signed with (HMAC-SHA256); unsigned without one.
    public var alertSecret: String?
    /// The first delay before a failed alert is posted again; it doubles each time, up to a
    /// minute, for 8 attempts. Default 1 s.
    public var alertRetryDelay: Duration = .seconds(1)
    /// The runaway guard: an agent session (`x-tollgate-session`) that asks for more than this per
    /// minute is refused with 429 until it slows down. Off when `nil`.
    public var sessionRequestsPerMinute: Int64?
    public var sessionTokensPerMinute: Int64?

    public init() {}
}
