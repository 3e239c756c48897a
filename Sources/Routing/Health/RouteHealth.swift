import Synchronization
import TollgateCore

/// What the gateway has seen of each provider and model, shared by every request: circuit
/// breakers per provider and per model, and moving averages of latency and time to first token
/// per model. Fed by every upstream attempt; read by the planner and the attempt stage.
public final class RouteHealth: Sendable {
    public let clock: any TimeSource
    public let breakers: CircuitBreaker.Configuration
    /// The weight of the newest sample in the moving averages.
    public let smoothing: Double

    private struct State {
        var breakers: [BreakerKey: CircuitBreaker] = [:]
        var latency: [String: Averages] = [:]
    }

    /// Whose breaker: a provider's or a model's.
    private enum BreakerKey: Hashable {
        case provider(String)
        case model(String)

        init?(_ text: String) {
            if text.hasPrefix("provider:") { self = .provider(String(text.dropFirst("provider:".count))) }
            else if text.hasPrefix("model:") { self = .model(String(text.dropFirst("model:".count))) }
            else { return nil }
        }
    }

    /// Exponentially weighted moving averages, in milliseconds.
    public struct Averages: Sendable, Hashable {
        public var latency: Double?
        public var timeToFirstToken: Double?
    }

    private let state = Mutex(State())

    public init(clock: any TimeSource = SystemTimeSource(), breakers: CircuitBreaker.Configuration = .init(), smoothing: Double = 0.2) {
        self.clock = clock
        self.breakers = breakers
        self.smoothing = smoothing
    }

    private static func keys(_ model: ModelDefinition) -> [BreakerKey] { [.provider(model.provider.name), .model(model.name)] }

    /// When the model's provider or the model itself opened its breaker (the earlier of the two),
    /// or `nil` when neither is open.
    public func openSince(_ model: ModelDefinition) -> Duration? {
        let now = clock.now()
        return state.withLock { state in
            Self.keys(model).compactMap { key -> Duration? in
                guard let breaker = state.breakers[key] else { return nil }
                if case .open(let since) = breaker.state(at: now) { return since }
                // Half-open with every probe under way: skipped as an open one is.
                if case .halfOpen(let inFlight) = breaker.state, inFlight >= breaker.configuration.halfOpenProbes { return now }
                return nil
            }.min()
        }
    }

    /// The breakers' permission for one call to `model` now (both the provider's and the model's
    /// must give it); `force` lets it through whatever they say.
    public func acquire(_ model: ModelDefinition, force: Bool = false) -> Bool {
        let now = clock.now()
        return state.withLock { state in
            let keys = Self.keys(model)
            for (index, key) in keys.enumerated() {
                if force {
                    state.breakers[key, default: CircuitBreaker(configuration: breakers)].force(at: now)
                } else if !state.breakers[key, default: CircuitBreaker(configuration: breakers)].acquire(at: now) {
                    // Give back the probes already taken.
                    for taken in keys[..<index] { state.breakers[taken]?.release() }
                    return false
                }
            }
            return true
        }
    }

    /// Gives back a permission `acquire` granted for a call that was not made.
    public func release(_ model: ModelDefinition) {
        state.withLock { state in
            for key in Self.keys(model) { state.breakers[key]?.release() }
        }
    }

    /// Records an attempt's end: a failure the provider caused counts against both breakers; its
    /// latency and time to first token feed the model's averages when it answered.
    public func record(_ model: ModelDefinition, failed: Bool, latency: Duration? = nil, timeToFirstToken: Duration? = nil) {
        let now = clock.now()
        state.withLock { state in
            for key in Self.keys(model) {
                state.breakers[key, default: CircuitBreaker(configuration: breakers)].record(failed: failed, at: now)
            }
            guard !failed else { return }
            var averages = state.latency.removeValue(forKey: model.name) ?? Averages()
            if let latency { averages.latency = Self.blend(averages.latency, latency, smoothing) }
            if let timeToFirstToken { averages.timeToFirstToken = Self.blend(averages.timeToFirstToken, timeToFirstToken, smoothing) }
            state.latency[model.name] = averages
        }
    }

    private static func blend(_ average: Double?, _ sample: Duration, _ weight: Double) -> Double {
        let milliseconds = Double(sample.components.seconds) * 1000 + Double(sample.components.attoseconds) / 1e15
        guard let average else { return milliseconds }
        return average + weight * (milliseconds - average)
    }

    /// The model's moving averages so far.
    public func averages(_ model: String) -> Averages {
        state.withLock { $0.latency[model] ?? Averages() }
    }

    /// The state of the breaker of `provider:NAME` or `model:NAME` now.
    public func breakerState(_ key: String) -> CircuitBreaker.State {
        let now = clock.now()
        return state.withLock { state in
            BreakerKey(key).flatMap { state.breakers[$0]?.state(at: now) } ?? .closed
        }
    }
}
