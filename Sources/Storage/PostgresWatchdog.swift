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
/// - A call still waiting for its connection is cancelled: its work never starts. So is one whose
///   caller is cancelled while it waits.
/// - A call whose work has started is never cancelled (a transaction cut short could go back to the
///   pool still open); past its deadline the caller stops waiting for it. If it commits after all,
///   its outcome was unknown to the caller: request settlements and records retried after it are
///   idempotent by id, most other writes are not (see docs/operations.md).
final class PostgresWatchdog: Sendable {
    /// 30 s, as long as the common connection pools wait by default (HikariCP, SQLAlchemy);
    /// `TOLLGATE_DATABASE_TIMEOUT_SECONDS` sets both.
    static let leaseTimeout: Duration = configuredTimeout ?? .seconds(30)
    static let workTimeout: Duration = configuredTimeout ?? .seconds(30)

    private static var configuredTimeout: Duration? {
        guard let text = getenv("TOLLGATE_DATABASE_TIMEOUT_SECONDS"), let seconds = Double(String(cString: text)),
              seconds > 0, seconds <= 86_400 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    private let calls = Mutex<[ObjectIdentifier: any WatchedCall]>([:])
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    /// Starts the sweeper; `stop` ends it.
    func start() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                guard let self else { return }
                self.sweep(now: .now)
            }
        }
        sweeper.withLock { $0 = task }
    }

    /// Ends the sweeper and fails every call still outstanding: nobody would expire them later.
    func stop() {
        sweeper.withLock { $0?.cancel() }
        let outstanding = calls.withLock { Array($0.values) }
        for call in outstanding { call.expire(at: .now + .seconds(365 * 86_400)) }
    }

    /// Runs `work` on a connection of `client`'s pool within the deadlines (`workTimeout: nil`: the
    /// work takes as long as it takes — migrations).
    func run<R: Sendable>(on client: PostgresClient, leaseTimeout: Duration = leaseTimeout, workTimeout: Duration? = workTimeout,
                          _ work: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let call = Call<R>(leaseTimeout: leaseTimeout, workTimeout: workTimeout)
        let id = ObjectIdentifier(call)
        defer { _ = calls.withLock { $0.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
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
        } onCancel: {
            call.callerCancelled()
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
        case working(until: ContinuousClock.Instant?)
        /// Given up before its work began: its task, if still waiting for a connection, is cancelled.
        case abandonedWaiting
        case done
    }
    private struct State {
        var stage: Stage
        var continuation: CheckedContinuation<R, any Error>?
        var task: Task<Void, Never>?
    }
    private let state: Mutex<State>
    private let leaseTimeout: Duration
    private let workTimeout: Duration?

    init(leaseTimeout: Duration, workTimeout: Duration?) {
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

    /// The task running the call; cancelled at once if the call was given up before its work began.
    func attach(_ task: Task<Void, Never>) {
        let abandoned = state.withLock { state -> Bool in
            state.task = task
            if case .abandonedWaiting = state.stage { return true }
            return false
        }
        if abandoned { task.cancel() }
    }

    /// The connection is leased: the work may start, unless the call was given up already.
    func beginWork() -> Bool {
        state.withLock { state in
            guard case .waiting = state.stage else { return false }
            state.stage = .working(until: workTimeout.map { .now + $0 })
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
            case .waiting(let until): return now >= until
            case .working(let until?): return now >= until
            default: return false
            }
        }
    }

    /// Gives up waiting if the call is past its deadline at `now`.
    func expire(at now: ContinuousClock.Instant) {
        giveUp { stage in
            switch stage {
            case .waiting(let until) where now >= until: return Self.timedOut(leaseTimeout, waiting: "a connection")
            case .working(let until?) where now >= until: return Self.timedOut(workTimeout ?? .zero, waiting: "a statement")
            default: return nil
            }
        }
    }

    /// The caller was cancelled: a call still waiting for its connection is given up (its work never
    /// starts); one already working runs on, and the caller waits for it as before.
    func callerCancelled() {
        giveUp { stage in
            if case .waiting = stage { return CancellationError() }
            return nil
        }
    }

    private func giveUp(_ reason: (Stage) -> (any Error)?) {
        let (continuation, error, cancel) = state.withLock { state -> (CheckedContinuation<R, any Error>?, (any Error)?, Task<Void, Never>?) in
            guard let error = reason(state.stage) else { return (nil, nil, nil) }
            let wasWaiting: Bool
            if case .waiting = state.stage { wasWaiting = true } else { wasWaiting = false }
            state.stage = wasWaiting ? .abandonedWaiting : .done
            defer { state.continuation = nil }
            return (state.continuation, error, wasWaiting ? state.task : nil)
        }
        cancel?.cancel()
        if let continuation, let error { continuation.resume(throwing: error) }
    }
}
