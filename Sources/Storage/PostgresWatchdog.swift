#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PostgresNIO
import Synchronization

/// Bounds how long a caller waits on PostgreSQL: for a pooled connection (`leaseTimeout`), and for
/// the work done on it (`workTimeout`).
///
/// The pool waits for a connection for as long as it takes, and while the server is down it never
/// gets one: every request would hang instead of being told to retry. And a statement sent on a
/// connection the server drops at that moment can wait forever (PostgresNIO 1.33 never fails it),
/// holding a flush — and with it a graceful shutdown — hostage. So each call runs in a task of its
/// own that the caller can walk away from, and one sweeper, four times a second, fails the calls
/// past their deadline with `unavailable`:
///
/// - A call still waiting for its connection is cancelled: its work never starts.
/// - A call whose work has started is never cancelled (a transaction cut short could go back to the
///   pool still open); the caller stops waiting for it. If it commits after all, nothing is lost or
///   doubled: every ledger transfer and request record is idempotent by id, so the retry is a no-op.
final class PostgresWatchdog: Sendable {
    /// 30 s, as long as the common connection pools wait by default (HikariCP, SQLAlchemy);
    /// `TOLLGATE_DATABASE_TIMEOUT_SECONDS` sets both.
    static let leaseTimeout: Duration = configuredTimeout ?? .seconds(30)
    static let workTimeout: Duration = configuredTimeout ?? .seconds(30)

    private static var configuredTimeout: Duration? {
        guard let text = getenv("TOLLGATE_DATABASE_TIMEOUT_SECONDS"), let seconds = Double(String(cString: text)), seconds > 0 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    private let calls = Mutex<[ObjectIdentifier: any WatchedCall]>([:])
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    /// Starts the sweeper; `stop` ends it.
    func start() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                self?.sweep(now: .now)
            }
        }
        sweeper.withLock { $0 = task }
    }

    func stop() {
        sweeper.withLock { $0?.cancel() }
    }

    /// Runs `work` on a connection of `client`'s pool within the deadlines.
    func run<R: Sendable>(on client: PostgresClient, leaseTimeout: Duration = leaseTimeout, workTimeout: Duration = workTimeout,
                          _ work: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let call = Call<R>(leaseTimeout: leaseTimeout, workTimeout: workTimeout)
        let id = ObjectIdentifier(call)
        defer { _ = calls.withLock { $0.removeValue(forKey: id) } }
        return try await withCheckedThrowingContinuation { continuation in
            call.install(continuation)
            calls.withLock { $0[id] = call }
            call.attach(Task {
                do {
                    let result = try await client.withConnection { connection in
                        guard call.beginWork() else { throw Call<R>.timedOut(leaseTimeout, waiting: "a connection") }
                        return try await work(connection)
                    }
                    call.finish(.success(result))
                } catch {
                    call.finish(.failure(error))
                }
            })
        }
    }

    private func sweep(now: ContinuousClock.Instant) {
        let overdue = calls.withLock { calls in calls.values.filter { $0.isOverdue(at: now) } }
        for call in overdue { call.expire(at: now) }
    }
}

private protocol WatchedCall: AnyObject, Sendable {
    func isOverdue(at now: ContinuousClock.Instant) -> Bool
    func expire(at now: ContinuousClock.Instant)
}

/// One call: its continuation (resumed once, by its task or by the sweeper) and where it stands.
private final class Call<R: Sendable>: WatchedCall, @unchecked Sendable {
    private enum Stage {
        case waiting(until: ContinuousClock.Instant)
        case working(until: ContinuousClock.Instant)
        case done
    }
    private struct State {
        var stage: Stage
        var continuation: CheckedContinuation<R, any Error>?
        var task: Task<Void, Never>?
    }
    private let state: Mutex<State>
    private let leaseTimeout: Duration
    private let workTimeout: Duration

    init(leaseTimeout: Duration, workTimeout: Duration) {
        state = Mutex(State(stage: .waiting(until: .now + leaseTimeout)))
        self.leaseTimeout = leaseTimeout
        self.workTimeout = workTimeout
    }

    static func timedOut(_ timeout: Duration, waiting what: String) -> StorageError {
        StorageError(.unavailable, detail: "the database did not answer within \(timeout) (waiting for \(what))")
    }

    func install(_ continuation: CheckedContinuation<R, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// The task running the call. If the sweeper expired the call before it was stored (and its
    /// work has not begun), it is cancelled now.
    func attach(_ task: Task<Void, Never>) {
        let expired = state.withLock { state -> Bool in
            state.task = task
            if case .done = state.stage { return true }
            return false
        }
        if expired { task.cancel() }
    }

    /// The connection is leased: the work may start, unless the lease deadline already passed.
    func beginWork() -> Bool {
        state.withLock { state in
            guard case .waiting = state.stage else { return false }
            state.stage = .working(until: .now + workTimeout)
            return true
        }
    }

    func finish(_ result: Result<R, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<R, any Error>? in
            state.stage = .done
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }

    func isOverdue(at now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            switch state.stage {
            case .waiting(let until), .working(let until): return now >= until
            case .done: return false
            }
        }
    }

    func expire(at now: ContinuousClock.Instant) {
        let (continuation, error, cancel) = state.withLock { state -> (CheckedContinuation<R, any Error>?, StorageError?, Task<Void, Never>?) in
            switch state.stage {
            case .waiting(let until) where now >= until:
                state.stage = .done
                defer { state.continuation = nil }
                return (state.continuation, Self.timedOut(leaseTimeout, waiting: "a connection"), state.task)
            case .working(let until) where now >= until:
                state.stage = .done
                defer { state.continuation = nil }
                return (state.continuation, Self.timedOut(workTimeout, waiting: "a statement"), nil)
            default:
                return (nil, nil, nil)
            }
        }
        cancel?.cancel()
        if let continuation, let error { continuation.resume(throwing: error) }
    }
}
