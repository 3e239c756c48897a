import Hummingbird
import NIOCore
import SQLKit
import Storage
import TollgateCore

extension Gateway {
    /// `GET /ready`: 200 when the configuration is loaded and the database takes a write within
    /// two seconds; 503 with the database's answer otherwise. (`GET /health` is liveness only.)
    func readiness() async -> Response {
        let (ready, body) = await readinessCheck()
        return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body.encodedBytes())))
    }

    /// Whether the gateway is ready, and the JSON that says so.
    func readinessCheck() async -> (ready: Bool, body: JSONValue) {
        let (database, now) = (database, Timestamp.milliseconds(clock.date()))
        var problem: String?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await database.write { sql in try await sql.raw("""
                        INSERT INTO readiness (id, checked_at) VALUES (1, \(bind: now))
                        ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at
                        """).run() }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    throw ReadinessTimeout()
                }
                try await group.next()
                group.cancelAll()
            }
        } catch is ReadinessTimeout {
            problem = "no write within 2 seconds"
        } catch {
            problem = "\(error)"
        }
        let body: JSONValue = [
            "status": problem == nil ? "ready" : "unavailable",
            "checks": ["configuration": "loaded", "database": .string(problem ?? "ok")],
        ]
        return (problem == nil, body)
    }
}

private struct ReadinessTimeout: Error {}
