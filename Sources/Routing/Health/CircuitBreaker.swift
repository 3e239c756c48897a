/// One provider's or one model's circuit breaker: closed while calls mostly succeed; open — its
/// candidates skipped — once the share of failures over a sliding window passes a ratio (after a
/// minimum number of calls); half-open after a cooldown, letting a few probe calls through, which
/// close it again on success or reopen it on failure.
///
/// A value driven by the times it is given, so tests step it through every transition.
public struct CircuitBreaker: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        /// How far back calls count.
        public var window: Duration
        /// Fewer calls than this in the window never open the breaker.
        public var minimumRequests: Int
        /// The share of failed calls in the window that opens it.
        public var failureRatio: Double
        /// How long it stays open before probes are let through.
        public var cooldown: Duration
        /// How many probe calls a half-open breaker lets through at once.
        public var halfOpenProbes: Int

        public init(window: Duration = .seconds(30), minimumRequests: Int = 10, failureRatio: Double = 0.5,
                    cooldown: Duration = .seconds(15), halfOpenProbes: Int = 1) {
            self.window = window
            self.minimumRequests = minimumRequests
            self.failureRatio = failureRatio
            self.cooldown = cooldown
            self.halfOpenProbes = halfOpenProbes
        }
    }

    public enum State: Sendable, Hashable {
        case closed
        /// Open since the given time; skipped until the cooldown has passed.
        case open(since: Duration)
        /// Letting probes through; `inFlight` of them are under way.
        case halfOpen(inFlight: Int)
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed
    /// The window's calls, oldest first: when each ended and whether it failed.
    private var calls: [Call] = []

    private struct Call: Sendable, Hashable {
        let at: Duration
        let failed: Bool
    }

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The state at `now`: an open breaker whose cooldown has passed is half-open.
    public func state(at now: Duration) -> State {
        if case .open(let since) = state, now - since >= configuration.cooldown { return .halfOpen(inFlight: 0) }
        return state
    }

    /// Moves an open breaker whose cooldown has passed to half-open.
    private mutating func advance(to now: Duration) -> State {
        state = state(at: now)
        return state
    }

    /// Whether a call may go through now; a half-open breaker counts it as a probe.
    public mutating func acquire(at now: Duration) -> Bool {
        switch advance(to: now) {
        case .closed:
            return true
        case .open:
            return false
        case .halfOpen(let inFlight):
            guard inFlight < configuration.halfOpenProbes else { return false }
            state = .halfOpen(inFlight: inFlight + 1)
            return true
        }
    }

    /// Lets one call through whatever the state: the last resort when every candidate's breaker is
    /// open. Its result is recorded as any other.
    public mutating func force(at now: Duration) {
        if case .halfOpen(let inFlight) = advance(to: now) { state = .halfOpen(inFlight: inFlight + 1) }
    }

    /// Gives back a probe that was acquired but not used.
    public mutating func release() {
        if case .halfOpen(let inFlight) = state { state = .halfOpen(inFlight: max(0, inFlight - 1)) }
    }

    /// Records how a call ended.
    public mutating func record(failed: Bool, at now: Duration) {
        switch advance(to: now) {
        case .halfOpen:
            if failed {
                state = .open(since: now)
            } else {
                state = .closed
            }
            calls.removeAll()
        case .open:
            // A forced call: success closes the breaker, failure keeps it open (from now).
            if failed { state = .open(since: now) } else { state = .closed; calls.removeAll() }
        case .closed:
            calls.append(Call(at: now, failed: failed))
            let start = now - configuration.window
            if let keep = calls.firstIndex(where: { $0.at > start }) { calls.removeFirst(keep) } else { calls.removeAll() }
            let failures = calls.count(where: \.failed)
            if calls.count >= configuration.minimumRequests, Double(failures) >= configuration.failureRatio * Double(calls.count) {
                state = .open(since: now)
                calls.removeAll()
            }
        }
    }
}
