import Foundation
@testable import Gateway
import Providers
import Testing
import TollgateCore
import TollgateTesting

/// `GET /metrics` after known traffic: every figure equals the sums of the request records.
@Suite struct MetricsTests {
    /// The samples of a Prometheus text exposition: `name{labels}` → value.
    static func samples(_ text: String) -> [(name: String, labels: [String: String], value: Double)] {
        text.split(separator: "\n").compactMap { line -> (String, [String: String], Double)? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return (String(series), [:], value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            return (String(series[..<brace]), labels, value)
        }
    }

    static func sum(_ samples: [(name: String, labels: [String: String], value: Double)], _ name: String,
                    where match: ([String: String]) -> Bool = { _ in true }) -> Double {
        samples.filter { $0.name == name && match($0.labels) }.reduce(0) { $0 + $1.value }
    }

    @Test func metricsEqualTheRequestRecordsAfterKnownTraffic() async throws {
        try await GatewayHarness.with(adjust: { $0.metricsToken = "scrape-me" }) { harness in
            for index in 0..<3 { #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Count \(index)", maxTokens: 12)).status == 200) }
            let streamed = try await harness.post(json: GatewayHarness.chat("premium", stream: true, maxTokens: 9, includeUsage: true))
            #expect(streamed.status == 200)
            harness.fake.enqueue(.fail(status: 500))
            #expect(try await harness.post(json: GatewayHarness.chat("auto", "Fall back", maxTokens: 7)).status == 200)
            var bad = GatewayHarness.chat("cheap")
            bad["max_tokens"] = -1
            #expect(try await harness.post(json: bad).status == 400)
            #expect(try await harness.post("/v1/messages", json: GatewayHarness.message("claude", maxTokens: 5)).status == 200)

            #expect(try await harness.get("/metrics").status == 401)
            let scrape = try await harness.get("/metrics", token: "scrape-me")
            #expect(scrape.status == 200 && scrape.headers["content-type"].first?.hasPrefix("text/plain") == true)
            let samples = Self.samples(scrape.body)
            let records = try await harness.records()
            #expect(records.count == 7)

            #expect(Self.sum(samples, "tollgate_requests_total") == Double(records.count))
            #expect(Self.sum(samples, "tollgate_requests_total", where: { $0["status"] == "400" }) == 1)
            #expect(Self.sum(samples, "tollgate_requests_total", where: { $0["route"] == "auto" }) == 1)
            #expect(Self.sum(samples, "tollgate_requests_total", where: { $0["model"] == "cheap" && $0["status"] == "200" })
                == Double(records.filter { $0.modelUsed == "cheap" && $0.status == 200 }.count))
            for (kind, path) in [("input", \TokenUsage.input), ("cached_input", \.cachedInput), ("output", \.output)] {
                #expect(Self.sum(samples, "tollgate_tokens_total", where: { $0["kind"] == kind })
                    == Double(records.reduce(0) { $0 + $1.usage[keyPath: path] }), "\(kind)")
            }
            let charged = records.compactMap(\.cost).reduce(Int64(0)) { $0 + $1.nanos }
            #expect(charged > 0)
            #expect(Self.sum(samples, "tollgate_cost_nano_total", where: { $0["currency"] == "USD" }) == Double(charged))
            let failedCalls = records.flatMap(\.attempts).filter { $0.status != 200 }.count
            #expect(failedCalls == 1)
            #expect(Self.sum(samples, "tollgate_upstream_errors_total", where: { $0["status"] == "500" }) == Double(failedCalls))
            #expect(Self.sum(samples, "tollgate_request_duration_seconds_count")
                == Double(records.filter { $0.modelUsed != nil }.count))
            #expect(Self.sum(samples, "tollgate_time_to_first_token_seconds_count")
                == Double(records.filter { $0.timeToFirstTokenMilliseconds != nil }.count))
            let breakers = samples.filter { $0.name == "tollgate_circuit_breaker_state" }
            #expect(Set(breakers.compactMap { $0.labels["name"] }) == ["cheap", "premium", "claude", "fake", "fake-anthropic"])
            // Never a key, a secret or a session in a label.
            #expect(!scrape.body.contains(harness.key) && !scrape.body.contains("key_"))
        }
    }
}

extension MetricsTests {
    @Test func metricsShowTheCacheOpenReservationsAndWhatIsLeftOfEachBudget() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = "admin-secret" }) { harness async throws in
            let made = try await harness.post("/admin/orgs/acme/budgets", json: ["scope": "organization", "amount": "2", "period": "month"],
                                              key: "admin-secret")
            let budgetID = try #require(made.json?["id"]?.stringValue)
            var body = GatewayHarness.chat("cheap", "Cache and count", maxTokens: 6)
            body["temperature"] = 0
            for _ in 0..<2 { #expect(try await harness.post(json: body, headers: [("cache-control", "max-age=60")]).status == 200) }
            #expect(try await harness.post(json: GatewayHarness.chat("premium", "Plain", maxTokens: 6)).status == 200)
            let records = try await harness.records()
            let spent = records.reduce(Int64(0)) { $0 + ($1.cost?.nanos ?? 0) }
            let samples = Self.samples(try await harness.get("/metrics").body)
            #expect(Self.sum(samples, "tollgate_cache_requests_total") { $0["result"] == "hit" } == 1)
            #expect(Self.sum(samples, "tollgate_cache_requests_total") { $0["result"] == "miss" } == 1)
            #expect(Self.sum(samples, "tollgate_cache_requests_total") { $0["result"] == "bypass" } == 1)
            #expect(Self.sum(samples, "tollgate_open_reservations") == 0)
            let remaining = Self.sum(samples, "tollgate_budget_remaining_nano") { $0["budget"] == budgetID && $0["scope"] == "organization" }
            #expect(remaining == Double(2 * Money.nanosPerUnit - spent))
            // No key, secret, user or session in any label.
            #expect(!samples.contains { $0.labels.values.contains { $0.hasPrefix("tg-") || $0.hasPrefix("key_") } })
        }
    }
}
