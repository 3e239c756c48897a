import Pricing
import Synchronization
import TollgateCore

/// A streamed request's record, finished exactly once: by the relay once the stream runs, or —
/// when the response is dropped before its body starts (the client left before the head could
/// be written) — as a 499 billed for its input alone, when this is released.
final class PendingRecord: Sendable {
    private let record: Mutex<RequestRecord?>
    private let metering: MeteredRequest
    private let started: ContinuousClock.Instant

    init(_ record: RequestRecord, metering: MeteredRequest, started: ContinuousClock.Instant) {
        self.record = Mutex(record)
        self.metering = metering
        self.started = started
    }

    /// The record, for the one caller that will submit it; `nil` to any later caller.
    func take() -> RequestRecord? {
        record.withLock { record in
            defer { record = nil }
            return record
        }
    }

    deinit {
        guard var unsent = take() else { return }
        unsent.status = 499
        unsent.error = "client disconnected before the response began"
        unsent.latencyMilliseconds = started.millisecondsUntilNow
        // The provider had the prompt and had begun: its input is billed, by Tollgate's count.
        let usage = metering.countedInput.map { BillableUsage(tokens: TokenUsage(input: $0)) }
        if let usage {
            unsent.usage = usage.tokens
            unsent.usageSource = .counted
        }
        metering.finish(unsent, usage: usage)
    }
}
