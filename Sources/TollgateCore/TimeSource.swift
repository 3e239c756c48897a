#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where gateway logic reads the time and waits: the system's clocks in production, a clock the
/// test drives in tests (`ManualTimeSource` in `TollgateTesting`), so breakers, backoff and
/// moving averages are tested without sleeping.
public protocol TimeSource: Sendable {
    /// Monotonic time since an arbitrary origin: for intervals, never for dates.
    func now() -> Duration
    /// The wall-clock date: what records and prices are dated by.
    func date() -> Date
    /// Waits `duration` (throws when the task is cancelled).
    func sleep(for duration: Duration) async throws
}

/// The system's clocks: `ContinuousClock` for intervals, `Date` for dates.
public struct SystemTimeSource: TimeSource {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }
    public func date() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
