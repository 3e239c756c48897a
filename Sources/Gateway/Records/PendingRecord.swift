import Pricing
import Synchronization
import TollgateCore

/// A streamed request's record, finished exactly once: by the relay once the stream runs, or —
/// when the response is dropped before its body starts (the client left before the head could
/// be written) — as a 499 billed for its input alone, when this is released.
final class PendingRecord: Sendable {
    private let record: Mutex<RequestRecord?>
    private let outcome: RequestOutcome
    private let sinks: OutcomeSinks
    private let started: Duration
    private let clock: any TimeSource

    init(_ outcome: RequestOutcome, sinks: OutcomeSinks, started: Duration, clock: any TimeSource) {
        self.record = Mutex(outcome.record)
        self.outcome = outcome
        self.sinks = sinks
        self.started = started
        self.clock = clock
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
        unsent.latencyMilliseconds = (clock.now() - started).wholeMilliseconds
        // The provider had the prompt and had begun: its input is billed, by Tollgate's count.
        let usage = outcome.metered?.countedInput.map { BillableUsage(tokens: TokenUsage(input: $0)) }
        if let usage {
            unsent.usage = usage.tokens
            unsent.usageSource = .counted
        }
        var outcome = outcome
        outcome.record = unsent
        outcome.usage = usage
        sinks.deliver(outcome)
    }
}
