import Foundation
@_spi(Benchmarks) import Gateway
import Logging
import SQLKit
import Storage
import TollgateCore

/// How fast `/admin/analytics` answers over a month of generated traffic.
///
///     analytics-bench DATABASE_URL [RECORDS] [ROUNDS]      (defaults 10000000 and 5)
///
/// RECORDS requests spread evenly over 30 days, across 3 organizations × 4 teams × 5 keys (60
/// keys) and 8 models on 4 providers, are added to the hourly totals through the same code the
/// record writer uses (50,000 at a time, one transaction each; the records themselves are not
/// written). Then each query runs ROUNDS times through `Analytics` — the code behind the admin
/// endpoint — and the median and slowest are printed.
@main
struct AnalyticsBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: analytics-bench DATABASE_URL [RECORDS] [ROUNDS]\n".utf8))
            exit(2)
        }
        let url = try DatabaseURL(parsing: arguments[1])
        let count = arguments.count > 2 ? Int(arguments[2])! : 10_000_000
        let rounds = max(1, arguments.count > 3 ? Int(arguments[3])! : 5)
        var logger = Logger(label: "analytics-bench")
        logger.logLevel = .error
        let database = try await Database.open(url, migrations: GatewaySchema.migrations, logger: logger)
        let store = RequestRecordStore(database: database)

        let start = Date(timeIntervalSince1970: 1_795_996_800)  // 2026-12-01T00:00:00Z
        let month = 30 * 86_400.0
        let models = ["deepseek-chat", "qwen-plus", "kimi-k2", "glm-4.6", "gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "claude-haiku-4-5"]
        let filled = ContinuousClock.now
        var generator = SplitMix64(seed: 7)
        var made = 0
        while made < count {
            let chunk = min(50_000, count - made)
            var records: [RequestRecord] = []
            records.reserveCapacity(chunk)
            for index in made..<(made + chunk) {
                let random = generator.next()
                let organization = Int(random % 3)
                let team = Int((random >> 8) % 4)
                let key = Int((random >> 16) % 5)
                let model = Int((random >> 24) % 8)
                let input = 200 + Int((random >> 32) % 4_000)
                let output = 20 + Int((random >> 44) % 800)
                var record = RequestRecord(
                    id: "req_\(index)", keyID: "key_\(organization)_\(team)_\(key)", organizationID: "org_\(organization)",
                    modelRequested: model < 2 ? "auto" : models[model], modelUsed: models[model], provider: "provider-\(model / 2)",
                    status: random % 100 == 0 ? 502 : 200, usage: TokenUsage(input: input, output: output),
                    cost: Money(nanos: Int64(input * 280 + output * 420), currency: .usd),
                    createdAt: start.addingTimeInterval(month * Double(index) / Double(count)))
                record.team = "team_\(team)"
                record.providerCost = Money(nanos: Int64(input * 250 + output * 400), currency: .usd)
                records.append(record)
            }
            try await store.rollUp(records)
            made += chunk
        }
        let rows = try await database.sql.raw("SELECT COUNT(*) AS n FROM usage_hourly").first()?.decode(column: "n", as: Int.self) ?? 0
        print("\(count) requests over 30 days → \(rows) hourly rows, added up in \(seconds(ContinuousClock.now - filled)) s")

        let analytics = Analytics(database: database)
        let end = start.addingTimeInterval(month)
        let queries: [(String, [Analytics.Dimension], Analytics.Filter)] = [
            ("one organization by model", [.model], Analytics.Filter(organization: "org_0")),
            ("one organization by key", [.key], Analytics.Filter(organization: "org_0")),
            ("one organization by day and model", [.day, .model], Analytics.Filter(organization: "org_0")),
            ("every organization by day", [.organization, .day], Analytics.Filter()),
            ("one model by hour", [.hour], Analytics.Filter(model: "gpt-4o")),
        ]
        print("query (a month, with the previous month for growth)        rows   median ms   slowest ms")
        for (name, groupBy, filter) in queries {
            var times: [Duration] = []
            var answered = 0
            for _ in 0..<rounds {
                let began = ContinuousClock.now
                answered = try await analytics.rows(from: start, to: end, groupBy: groupBy, filter: filter).count
                times.append(ContinuousClock.now - began)
            }
            times.sort()
            print(name.padding(toLength: 58, withPad: " ", startingAt: 0), String(answered).leftPad(6),
                  milliseconds(times[times.count / 2]).leftPad(11), milliseconds(times.last!).leftPad(12))
        }
        try await database.close()
    }

    static func seconds(_ duration: Duration) -> String { String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) }
    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
