import Hummingbird
import NIOCore
import Providers
import SQLKit
import Storage

extension Gateway {
    /// `GET /metrics`: the Prometheus text format; behind `metrics_token` when one is configured.
    func metricsResponse(_ request: Request) async -> Response {
        if let token = configuration.metricsToken, ProxyPipeline.bearerToken(request) != token {
            return WireFormats.openAIChat.response(for: .unauthorized("GET /metrics needs the metrics token."))
        }
        // Read from the database at each scrape; a database that does not answer leaves them out.
        var open: Int?
        var remaining: [(budget: Budget, remaining: Int64)] = []
        do {
            let now = Timestamp.milliseconds(clock.date())
            open = try await database.sql.raw("""
                SELECT COUNT(*) AS n FROM ledger_transfers p WHERE p.timeout_at > \(bind: now) AND p.phase = 'pending'
                  AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)
                """).first()?.decode(column: "n", as: Int.self)
            for budget in try await budgets.all() where budget.scope != .session {
                let spent = try await budgetSpent(budget, at: clock.date())
                remaining.append((budget, budget.amount.nanos - spent.nanos))
            }
        } catch {
            logger.warning("metrics: the database did not answer", metadata: ["error": "\(error)"])
        }
        var counts: (@Sendable () -> (carved: Int, missed: Int))?
        if let escrow = metering.meter?.escrow { counts = { escrow.counts } }
        let body = metrics.exposition(models: configuration.models, health: health, openReservations: open, budgets: remaining,
                                        escrow: counts)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
