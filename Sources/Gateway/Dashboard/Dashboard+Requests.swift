import Hummingbird
import TollgateCore

/// `/dashboard/requests`: the request log, newest first, with filters; one request whole.
extension Dashboard {
    func requestLog(_ request: Request) async throws -> Content {
        let query = request.uri.queryParameters
        let field = { (name: String) -> String? in query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let organizations = try await gateway.accounts.organizations()
        let organizationName = field("org")
        var organizationID: String?
        if let organizationName {
            guard let found = organizations.first(where: { $0.name == organizationName }) else {
                throw DashboardError(message: "No organization '\(organizationName)'.")
            }
            organizationID = found.id
        }
        let status = field("status")
        let failed: Bool? = status == "error" ? true : status == "ok" ? false : nil
        let limit = field("limit").flatMap(Int.init).map { min(max($0, 1), 1000) } ?? 100
        let records = try await gateway.requestRecords.recent(organizationID: organizationID, sessionID: field("session"), model: field("model"),
                                                              provider: field("provider"), failed: failed, limit: limit)
        let names = Dictionary(organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })

        let select = { (name: String, label: String, choices: [String], chosen: String?) -> HTML in
            let options = ([""] + choices).map { choice -> HTML in
                let text = choice.isEmpty ? "any" : choice
                return choice == (chosen ?? "") ? "<option value=\"\(choice)\" selected>\(text)</option>" : "<option value=\"\(choice)\">\(text)</option>"
            }
            return "<label for=\"\(name)\">\(label)</label><select id=\"\(name)\" name=\"\(name)\">\(options)</select>"
        }
        let providers = gateway.configuration.providers.map(\.name)
        let models = gateway.configuration.models.map(\.name) + gateway.configuration.routes.map(\.name)
        let form: HTML = """
            <form method="get" class="controls filters" aria-label="Filter requests">
            \(select("org", "Organization", organizations.map(\.name), organizationName))
            \(select("model", "Model", models, field("model")))
            \(select("provider", "Provider", providers, field("provider")))
            \(select("status", "Status", ["ok", "error"], status))
            <label for="session">Session</label><input id="session" name="session" type="text" value="\(field("session") ?? "")">
            \(select("limit", "Show", ["50", "100", "500", "1000"], String(limit)))
            <button type="submit">Filter</button>
            </form>
            """
        let rows = records.map { record -> HTML in
            let currency = record.cost?.currency.code ?? ""
            let model = record.modelUsed.map { used in record.modelRequested == used ? used : "\(record.modelRequested ?? "") → \(used)" }
                ?? record.modelRequested ?? "–"
            return """
                <tr class="\(record.status >= 400 ? "failed" : "answered")"><td><a href="/dashboard/requests/\(Self.pathComponent(record.id))">\(Self.time(record.createdAt))</a></td>\
                <td>\(names[record.organizationID ?? ""] ?? "–")</td><td>\(model)</td><td>\(record.provider ?? "–")</td>\
                <td>\(record.status)</td><td>\(Self.count(Int64(record.usage.totalInput)))</td><td>\(Self.count(Int64(record.usage.totalOutput)))</td>\
                <td>\(record.cost.map { Self.money($0.nanos, currency) } ?? "–")</td><td>\(record.latencyMilliseconds) ms</td>\
                <td>\(record.cache ?? "–")</td><td>\(record.sessionID ?? "–")</td></tr>
                """
        }
        return Content(title: "Requests", body: """
            \(form)
            <p class="muted">\(records.count) newest request\(records.count == 1 ? "" : "s") matching; times in UTC.</p>
            <div class="table"><table id="requests">
            <thead><tr><th scope="col">Time</th><th scope="col">Organization</th><th scope="col">Model</th><th scope="col">Provider</th>\
            <th scope="col">Status</th><th scope="col">Input</th><th scope="col">Output</th><th scope="col">Cost</th>\
            <th scope="col">Latency</th><th scope="col">Cache</th><th scope="col">Session</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table></div>
            """)
    }

    func requestDetail(id: String) async throws -> Content {
        guard let record = try await gateway.requestRecords.record(id: id) else { throw DashboardError(message: "No request '\(id)'.") }
        let organization = try await gateway.accounts.organizations().first { $0.id == record.organizationID }
        let currency = record.cost?.currency.code ?? ""
        let fields: [(String, String)] = [
            ("Id", record.id), ("Time (UTC)", Self.time(record.createdAt)), ("Organization", organization?.name ?? "–"),
            ("Key", record.keyID ?? "–"), ("Team", record.team ?? "–"), ("Session", record.sessionID ?? "–"),
            ("End user", record.endUser ?? "–"), ("Tags", record.tags.isEmpty ? "–" : record.tags.joined(separator: ", ")),
            ("Route", record.route ?? "–"), ("Model asked for", record.modelRequested ?? "–"), ("Model used", record.modelUsed ?? "–"),
            ("Provider", record.provider ?? "–"), ("Status", String(record.status)), ("Streamed", record.streamed ? "yes" : "no"),
            ("Input tokens", Self.count(Int64(record.usage.input))), ("Cached input tokens", Self.count(Int64(record.usage.cachedInput))),
            ("Cache-write tokens", Self.count(Int64(record.usage.cacheWrite))), ("Output tokens", Self.count(Int64(record.usage.output))),
            ("Reasoning tokens", Self.count(Int64(record.usage.reasoning))), ("Usage from", record.usageSource.rawValue),
            ("Cost", record.cost.map { Self.money($0.nanos, currency) } ?? "–"),
            ("Provider cost", record.providerCost.map { Self.money($0.nanos, $0.currency.code) } ?? "–"),
            ("Settlement", record.settlement ?? "–"), ("Latency", "\(record.latencyMilliseconds) ms"),
            ("Time to first token", record.timeToFirstTokenMilliseconds.map { "\($0) ms" } ?? "–"),
            ("Finish reason", record.finishReason ?? "–"), ("Response cache", record.cache ?? "–"), ("Error", record.error ?? "–"),
        ]
        let list = fields.map { name, value -> HTML in "<dt>\(name)</dt><dd>\(value)</dd>" }
        let attempts = record.attempts.enumerated().map { index, attempt -> HTML in
            "<tr><td>\(index + 1)</td><td>\(attempt.model)</td><td>\(attempt.provider)</td><td>\(attempt.status.map(String.init) ?? "–")</td><td>\(attempt.latencyMilliseconds) ms</td><td>\(attempt.error ?? "–")</td></tr>"
        }
        return Content(title: "Request \(record.id)", body: """
            <dl class="record">\(list)</dl>
            <h2>Upstream attempts</h2>
            \((attempts.isEmpty ? "<p class=\"muted\">None: answered without calling a provider.</p>" : """
            <div class="table"><table id="attempts"><thead><tr><th scope="col">#</th><th scope="col">Model</th><th scope="col">Provider</th>\
            <th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Error</th></tr></thead>
            <tbody>\(attempts)</tbody></table></div>
            """) as HTML)
            <p><a href="/dashboard/requests">Back to the request log</a></p>
            """)
    }
}
