import Synchronization

/// A streamed request's record, submitted exactly once: by the relay once the stream runs, or —
/// when the response is dropped before its body starts (the client left before the head could
/// be written) — as a 499 when this is released.
final class PendingRecord: Sendable {
    private let record: Mutex<RequestRecord?>
    private let writer: RequestRecordWriter
    private let started: ContinuousClock.Instant

    init(_ record: RequestRecord, writer: RequestRecordWriter, started: ContinuousClock.Instant) {
        self.record = Mutex(record)
        self.writer = writer
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
        writer.submit(unsent)
    }
}
