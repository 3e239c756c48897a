import Synchronization
import TollgateCore

/// Keeps the requests of one agent session — or of one long shared prompt prefix — on the model
/// that last answered them, so the provider's own prefix cache hits (DeepSeek, Qwen, Kimi and
/// OpenAI cache automatically, per provider and key; a request sent elsewhere pays full price
/// for the whole context again).
///
/// A plan's candidates keep their order except that the remembered model, when it is still a
/// candidate (allowed, capable, its breaker closed), goes first; when it fails the route falls
/// back as usual and the model that answers becomes the remembered one. An entry idle longer
/// than `idle` is forgotten: providers' caches do not outlive a few minutes either.
public final class PromptAffinity: Sendable {
    public let idle: Duration
    public let capacity: Int
    private let clock: any TimeSource
    private let entries: Mutex<[String: (model: String, used: Duration)]> = Mutex([:])

    public init(idle: Duration, capacity: Int = 100_000, clock: any TimeSource) {
        self.idle = idle
        self.capacity = capacity
        self.clock = clock
    }

    public var isEnabled: Bool { idle > .zero }

    /// The model `key` last went to, while it is fresh.
    public func model(for key: String) -> String? {
        let now = clock.now()
        return entries.withLock { entries in
            guard let entry = entries[key], now - entry.used < idle else { return nil }
            return entry.model
        }
    }

    /// Remembers that `model` answered `key`.
    public func remember(_ key: String, model: String) {
        guard isEnabled else { return }
        let now = clock.now()
        entries.withLock { entries in
            entries[key] = (model, now)
            guard entries.count > capacity else { return }
            entries = entries.filter { now - $0.value.used < idle }
            if entries.count > capacity {
                // Still full of live entries: the older half goes.
                let median = entries.values.map(\.used).sorted()[entries.count / 2]
                entries = entries.filter { $0.value.used >= median }
            }
        }
    }

    /// `plan` with the remembered model first, when it is a candidate; says so in the reason.
    public func apply(_ plan: RoutePlan, key: String, subject: String) -> RoutePlan {
        guard isEnabled, let remembered = model(for: key), let index = plan.candidates.firstIndex(where: { $0.name == remembered })
        else { return plan }
        var plan = plan
        plan.affinity = "\(subject) stays on \(remembered)"
        if index > 0 { plan.candidates.insert(plan.candidates.remove(at: index), at: 0) }
        return plan
    }
}
