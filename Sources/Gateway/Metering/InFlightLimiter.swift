import Synchronization

/// Each key's requests in flight in this process, held against the key's `max_concurrent`: an
/// agent that fans out a hundred calls at once gets its limit's worth and 429s for the rest,
/// instead of crowding out every other key. (Per process, like the in-memory rate windows; with
/// replicas each one holds the limit on its own.)
final class InFlightLimiter: Sendable {
    private let counts = Mutex<[String: Int64]>([:])

    init() {}

    /// A place for one more request of `key`, or nil when it already has `limit` in flight.
    func acquire(key: String, limit: Int64) -> InFlightSlot? {
        let taken = counts.withLock { counts -> Bool in
            let current = counts[key, default: 0]
            guard current < limit else { return false }
            counts[key] = current + 1
            return true
        }
        return taken ? InFlightSlot(limiter: self, key: key) : nil
    }

    /// How many of `key`'s requests are in flight.
    func inFlight(key: String) -> Int64 { counts.withLock { $0[key, default: 0] } }

    fileprivate func release(key: String) {
        counts.withLock { counts in
            let left = counts[key, default: 1] - 1
            counts[key] = left > 0 ? left : nil
        }
    }
}

/// One request's place among its key's requests in flight: given back once — when the answer
/// (or the stream) is done, or at the latest when the request is dropped.
final class InFlightSlot: Sendable {
    private let limiter: InFlightLimiter
    private let key: String
    private let held = Atomic<Bool>(true)

    fileprivate init(limiter: InFlightLimiter, key: String) {
        self.limiter = limiter
        self.key = key
    }

    func release() {
        if held.exchange(false, ordering: .acquiringAndReleasing) { limiter.release(key: key) }
    }

    deinit { release() }
}
