import Ledger

/// Whether requests are metered — their worst case reserved on the ledger before the call and
/// settled with their record after it — or, off, only priced and recorded. One value, built once
/// from `metering.enabled` and handed to the request path and the record writer.
enum Metering: Sendable {
    case off
    case on(Meter, ledger: SQLLedgerStore)

    /// The reserving side, when on.
    var meter: Meter? {
        if case .on(let meter, _) = self { return meter }
        return nil
    }

    /// The ledger settlements are written to, when on.
    var ledger: SQLLedgerStore? {
        if case .on(_, let ledger) = self { return ledger }
        return nil
    }
}
