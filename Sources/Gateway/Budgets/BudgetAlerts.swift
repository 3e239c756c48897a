import AsyncHTTPClient
import Crypto
import Ledger
import Logging
import NIOCore
import Providers
import ServiceLifecycle
import SQLKit
import Storage
import Synchronization
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Budget alerts: when a period's settled spending passes one of a budget's thresholds, one
/// webhook is posted to the budget's URL, signed, and retried until it is taken.
///
/// "Once per period" holds across replicas and restarts: an alert is a row of `budget_alerts`
/// keyed by budget, period and threshold, and only the process whose insert made the row sends
/// it. Undelivered rows are sent again at start-up, so a crash between firing and delivering
/// loses nothing.
///
/// A budget with a webhook also fires `budget.anomaly` when its organization, team or key spends
/// more than five times its usual hour in the current hour (a runaway agent): once per budget and
/// hour, checked at most once a minute per budget as settlements come in.
///
/// The request body is JSON (`type: budget.threshold` or `budget.anomaly`, also in
/// `x-tollgate-event`); `x-tollgate-signature: t=UNIX,v1=HEX` is HMAC-SHA256 over `"UNIX.BODY"` with
/// `metering.alert_secret` (absent without a secret).
public final class BudgetAlerts: Service, Sendable {
    /// One fired alert, as stored and sent.
    struct Alert: Sendable, Hashable {
        var key: String
        var budget: Budget
        var session: String?
        /// The budget's period; for an anomaly, the hour it happened in.
        var periodStart: Int64
        /// The percentage passed, or `anomaly` (-1).
        var threshold: Int
        /// What the period has spent; for an anomaly, what the hour has.
        var spent: Int64
        var firedAt: Int64
        /// For an anomaly: the usual hour's spend (the median of the week's earlier hours that spent).
        var baseline: Int64? = nil

        var isAnomaly: Bool { threshold == Self.anomaly }
        var event: String { isAnomaly ? "budget.anomaly" : "budget.threshold" }

        /// The threshold an anomaly alert is stored under.
        static let anomaly = -1
    }

    private enum Work: Sendable {
        case check([Reservation.BudgetLeg])
        case deliver(Alert)
    }

    let database: Database
    let ledger: SQLLedgerStore
    let httpClient: HTTPClient
    let secret: String?
    /// Delivery attempts before an alert is given up (its row keeps the last error).
    let maxAttempts: Int
    /// The first retry's delay; each next one doubles, up to a minute.
    let retryDelay: Duration
    /// What alerts are dated and signed by, and what retries wait on.
    let clock: any TimeSource
    let logger: Logger
    private let fired = Mutex<Set<String>>([])
    /// When each budget was last checked for an anomaly.
    private let anomalyChecked = Mutex<[String: Int64]>([:])
    private let work: AsyncStream<Work>
    private let workContinuation: AsyncStream<Work>.Continuation

    init(database: Database, ledger: SQLLedgerStore, httpClient: HTTPClient, secret: String?, maxAttempts: Int = 8,
         retryDelay: Duration = .seconds(1), clock: any TimeSource = SystemTimeSource(), logger: Logger) {
        self.database = database
        self.clock = clock
        self.ledger = ledger
        self.httpClient = httpClient
        self.secret = secret
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.logger = logger
        (work, workContinuation) = AsyncStream.makeStream()
    }

    /// Called with the budget legs of settlements that just committed; never waits.
    func settled(_ legs: [Reservation.BudgetLeg]) {
        let watched = legs.filter { $0.budget.webhookURL != nil }
        if !watched.isEmpty { workContinuation.yield(.check(watched)) }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            do {
                for alert in try await undelivered() { group.addTask { await self.deliver(alert) } }
            } catch {
                logger.error("cannot read undelivered budget alerts", metadata: ["error": "\(error)"])
            }
            await withGracefulShutdownHandler {
                for await item in work {
                    switch item {
                    case .check(let legs):
                        do {
                            for alert in try await check(legs) { group.addTask { await self.deliver(alert) } }
                        } catch {
                            logger.error("cannot check budget alerts", metadata: ["error": "\(error)"])
                        }
                    case .deliver(let alert):
                        group.addTask { await self.deliver(alert) }
                    }
                }
            } onGracefulShutdown: {
                self.workContinuation.finish()
            }
            // Deliveries still retrying stop with the process; their rows are sent at next start.
            group.cancelAll()
        }
    }

    /// Fires the thresholds the legs' budgets have newly passed; returns the alerts this process made.
    private func check(_ legs: [Reservation.BudgetLeg]) async throws -> [Alert] {
        var seen = Set<String>()
        // A failure to judge the hour must not cost the threshold alerts.
        var alerts: [Alert] = []
        do {
            alerts = try await anomalies(legs)
        } catch {
            logger.error("cannot check for runaway spending", metadata: ["error": "\(error)"])
        }
        for leg in legs where seen.insert(leg.leg.accountID).inserted && !leg.budget.thresholds.isEmpty {
            let key = leg.budget.id + (leg.session.map { "/" + $0 } ?? "")
            let pending = leg.budget.thresholds.filter { threshold in
                !fired.withLock { $0.contains("\(key)|\(leg.periodStart)|\(threshold)") }
            }
            if pending.isEmpty { continue }
            let accounts = try await ledger.accounts(ids: [leg.leg.accountID, leg.overrunAccountID])
            let spent = accounts.reduce(Int64(0)) { $0 + $1.debitsPosted }
            let amount = max(1, leg.budget.amount.nanos)
            for threshold in pending where Int128(spent) * 100 >= Int128(amount) * Int128(threshold) {
                let alert = Alert(key: key, budget: leg.budget, session: leg.session, periodStart: leg.periodStart,
                                  threshold: threshold, spent: spent, firedAt: Timestamp.milliseconds(clock.date()))
                let inserted = try await database.write { sql in try await sql.raw("""
                    INSERT INTO budget_alerts (budget_id, period_start, threshold, spent_nanos, fired_at, attempts)
                    VALUES (\(bind: key), \(bind: leg.periodStart), \(bind: threshold), \(bind: spent), \(bind: alert.firedAt), 0)
                    ON CONFLICT (budget_id, period_start, threshold) DO NOTHING RETURNING threshold
                    """).all() }
                // Remembered only once the row exists (made here or by another replica).
                fired.withLock { _ = $0.insert("\(key)|\(leg.periodStart)|\(threshold)") }
                if !inserted.isEmpty { alerts.append(alert) }
            }
        }
        return alerts
    }

    /// Fires an anomaly alert for each budget whose organization, team or key spends more than five
    /// times its usual hour now, once per budget and hour; returns the alerts this process made.
    private func anomalies(_ legs: [Reservation.BudgetLeg]) async throws -> [Alert] {
        let now = Timestamp.milliseconds(clock.date())
        let hour = now / 3_600_000 * 3_600_000
        var due: [Budget] = []
        for leg in legs where leg.session == nil && leg.budget.scope != .session && !due.contains(where: { $0.id == leg.budget.id }) {
            let budget = leg.budget
            let checked = anomalyChecked.withLock { checked -> Bool in
                if let last = checked[budget.id], now - last < 60_000 { return false }
                checked[budget.id] = now
                return true
            }
            if checked, !fired.withLock({ $0.contains("\(budget.id)|\(hour)|\(Alert.anomaly)") }) { due.append(budget) }
        }
        var alerts: [Alert] = []
        var rates: [String: BurnRate] = [:]
        for budget in due {
            let burn: BurnRate
            if let known = rates[budget.organizationID] { burn = known } else {
                burn = try await BurnRate.of(organizationID: budget.organizationID, at: clock.date(), database: database)
                rates[budget.organizationID] = burn
            }
            let line = burn.lines.first { line in
                switch budget.scope {
                case .organization: line.scope == .organization
                case .team: line.scope == .team && line.subject == budget.subject
                case .key: line.scope == .key && line.subject == budget.subject
                case .session: false
                }
            }
            guard let line, line.anomaly else { continue }
            let alert = Alert(key: budget.id, budget: budget, session: nil, periodStart: hour, threshold: Alert.anomaly,
                              spent: line.lastHour, firedAt: now, baseline: line.hourlyMedian)
            let inserted = try await database.write { sql in try await sql.raw("""
                INSERT INTO budget_alerts (budget_id, period_start, threshold, spent_nanos, baseline_nanos, fired_at, attempts)
                VALUES (\(bind: alert.key), \(bind: hour), \(bind: Alert.anomaly), \(bind: alert.spent), \(bind: alert.baseline),
                        \(bind: now), 0)
                ON CONFLICT (budget_id, period_start, threshold) DO NOTHING RETURNING threshold
                """).all() }
            fired.withLock { _ = $0.insert("\(budget.id)|\(hour)|\(Alert.anomaly)") }
            if !inserted.isEmpty { alerts.append(alert) }
        }
        return alerts
    }

    /// Alerts fired and not delivered, with attempts left, of budgets that still exist.
    private func undelivered() async throws -> [Alert] {
        let rows = try await database.sql.raw("""
            SELECT budget_id, period_start, threshold, spent_nanos, baseline_nanos, fired_at FROM budget_alerts
            WHERE delivered_at IS NULL AND attempts < \(bind: maxAttempts) ORDER BY fired_at
            """).all()
        var alerts: [Alert] = []
        let budgets = BudgetStore(database: database, clock: clock)
        for row in rows {
            let key = try row.decode(column: "budget_id", as: String.self)
            let parts = key.split(separator: "/", maxSplits: 1)
            guard let budget = try await budgets.budget(id: String(parts[0])) else { continue }
            alerts.append(Alert(key: key, budget: budget, session: parts.count == 2 ? String(parts[1]) : nil,
                                periodStart: try row.decode(column: "period_start", as: Int64.self),
                                threshold: try row.decode(column: "threshold", as: Int.self),
                                spent: try row.decode(column: "spent_nanos", as: Int64.self),
                                firedAt: try row.decode(column: "fired_at", as: Int64.self),
                                baseline: try row.decode(column: "baseline_nanos", as: Int64?.self)))
        }
        return alerts
    }

    /// Posts the alert until its receiver answers 2xx, backing off between attempts.
    private func deliver(_ alert: Alert) async {
        guard let url = alert.budget.webhookURL else { return }
        let body = Self.payload(alert)
        var delay = retryDelay
        for attempt in 1...maxAttempts {
            if Task.isCancelled { return }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "x-tollgate-event", value: alert.event)
            if let signature = signature(body) { request.headers.add(name: "x-tollgate-signature", value: signature) }
            request.body = .bytes(ByteBuffer(bytes: body))
            var failure: String?
            do {
                let response = try await httpClient.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) { failure = nil } else { failure = "status \(response.status.code)" }
            } catch {
                failure = "\(error)"
            }
            let delivered = failure == nil
            try? await database.write { [alert, failure] sql in try await sql.raw("""
                UPDATE budget_alerts SET attempts = \(bind: attempt), last_error = \(bind: failure),
                    delivered_at = \(bind: delivered ? Timestamp.milliseconds(clock.date()) : nil)
                WHERE budget_id = \(bind: alert.key) AND period_start = \(bind: alert.periodStart) AND threshold = \(bind: alert.threshold)
                """).run() }
            if delivered { return }
            logger.warning("budget alert not delivered", metadata: ["budget": "\(alert.key)", "attempt": "\(attempt)", "error": "\(failure ?? "")"])
            // A delivery still retrying at shutdown stops; its row is sent at the next start.
            try? await cancelWhenGracefulShutdown { [delay] in try await self.clock.sleep(for: delay) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            delay = min(delay * 2, .seconds(60))
        }
    }

    static func payload(_ alert: Alert) -> [UInt8] {
        let budget = alert.budget
        let money = { (nanos: Int64) -> JSONValue in .string(Money(nanos: nanos, currency: budget.amount.currency).decimalString) }
        var value: JSONValue = [
            "type": .string(alert.event),
            "budget_id": .string(budget.id), "org_id": .string(budget.organizationID),
            "scope": .string(budget.scope.rawValue), "subject": .string(budget.subject),
            "period": .string(budget.period.rawValue), "hard": .bool(budget.hard), "amount": money(budget.amount.nanos),
            "currency": .string(budget.amount.currency.code), "fired_at": .int(alert.firedAt),
        ]
        if alert.isAnomaly {
            let baseline = alert.baseline ?? 0
            value["hour_start"] = .int(alert.periodStart)
            value["last_hour"] = money(alert.spent)
            value["hourly_median"] = money(baseline)
            value["ratio"] = baseline > 0 ? .double((Double(alert.spent) / Double(baseline) * 100).rounded() / 100) : .null
        } else {
            value["session"] = alert.session.map { .string($0) } ?? .null
            value["period_start"] = .int(alert.periodStart)
            value["threshold_percent"] = .int(Int64(alert.threshold))
            value["spent"] = money(alert.spent)
        }
        return value.encodedBytes()
    }

    /// `t=UNIX,v1=HEX`: HMAC-SHA256 of "UNIX.BODY" with the secret; `nil` without a secret.
    func signature(_ body: [UInt8], at time: Int64? = nil) -> String? {
        guard let secret else { return nil }
        let time = time ?? Int64(clock.date().timeIntervalSince1970)
        let message = Array("\(time).".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(time),v1=" + mac.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
