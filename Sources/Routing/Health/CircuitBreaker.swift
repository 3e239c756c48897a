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
    /// The window's calls, counted in ten buckets of a tenth of the window each: recording and
    /// reading are constant time however many calls a busy provider takes.
    private var buckets = [Bucket](repeating: Bucket(), count: Self.bucketCount)

    private static let bucketCount = 10

    private struct Bucket: Sendable, Hashable {
        /// Which tenth of the window since the origin it counts; -1 when unused.
        var epoch: Int64 = -1
        var calls = 0
        var failures = 0
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
            clearWindow()
        case .open:
            // A forced call: success closes the breaker, failure keeps it open (from now).
            if failed { state = .open(since: now) } else { state = .closed; clearWindow() }
        case .closed:
            let epoch = self.epoch(of: now)
            let slot = Int(epoch % Int64(Self.bucketCount))
            if buckets[slot].epoch != epoch { buckets[slot] = Bucket(epoch: epoch) }
            buckets[slot].calls += 1
            if failed { buckets[slot].failures += 1 }
            var calls = 0
            var failures = 0
            for bucket in buckets where bucket.epoch > epoch - Int64(Self.bucketCount) {
                calls += bucket.calls
                failures += bucket.failures
            }
            if calls >= configuration.minimumRequests, Double(failures) >= configuration.failureRatio * Double(calls) {
                state = .open(since: now)
                clearWindow()
            }
        }
    }

    /// The tenth of the window that `now` falls in, counted from the clock's origin.
    private func epoch(of now: Duration) -> Int64 {
        let width = max(configuration.window / Self.bucketCount, .milliseconds(1))
        return Int64(now / width)
    }

    private mutating func clearWindow() {
        buckets = [Bucket](repeating: Bucket(), count: Self.bucketCount)
    }
}
