import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A clock the test drives: time moves only when the test advances it, or when code sleeps on it
/// (a sleep returns at once, having moved the clock by its duration and noted it in `sleeps`).
public final class ManualTimeSource: TimeSource {
    private struct State {
        var now: Duration = .zero
        var sleeps: [Duration] = []
    }

    private let state = Mutex(State())
    private let origin: Date

    public init(origin: Date = Date()) {
        self.origin = origin
    }

    public func now() -> Duration { state.withLock { $0.now } }

    public func date() -> Date {
        let now = now()
        return origin.addingTimeInterval(Double(now.components.seconds) + Double(now.components.attoseconds) / 1e18)
    }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.now += duration
            state.sleeps.append(duration)
        }
    }

    /// Moves the clock forward.
    public func advance(by duration: Duration) {
        state.withLock { $0.now += duration }
    }

    /// Every sleep so far, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }
}
