import Logging
import ServiceLifecycle

/// The HTTP server with a drain deadline: when graceful shutdown begins it stops accepting and lets
/// the requests in flight finish for up to `deadline`, then cancels the rest — each still settles
/// or voids its reservation and is recorded on the way out — so the services after it (the record
/// writer's flush, the database) always get their turn.
struct DrainingServer<Server: Service>: Service {
    let server: Server
    let deadline: Duration
    let logger: Logger

    private struct DeadlinePassed: Error {}

    func run() async throws {
        let (server, deadline) = (server, deadline)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask {
                try await gracefulShutdown()
                try await Task.sleep(for: deadline)
                throw DeadlinePassed()
            }
            var failure: (any Error)?
            do {
                try await group.next()
            } catch is DeadlinePassed {
                logger.warning("the drain deadline passed: ending the requests still in flight", metadata: ["deadline": "\(deadline)"])
            } catch is CancellationError {
            } catch {
                failure = error
            }
            group.cancelAll()
            while !group.isEmpty { _ = try? await group.next() }
            if let failure { throw failure }
        }
    }
}
