import Foundation
@testable import Gateway
import Testing
import TollgateCore
import TollgateTesting

/// The usage export through the admin API: one line per settled request, in CSV, JSON lines and
/// CloudEvents, each carrying its request id.
@Suite struct UsageExportTests {
    @Test func theUsageExportHasOneLinePerSettledRequestInEachFormat() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = "admin-secret" }) { harness async throws in
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "One, two", maxTokens: 5)).status == 200)
            #expect(try await harness.post(json: GatewayHarness.chat("premium", "Three", maxTokens: 5)).status == 200)
            harness.fake.enqueue(.fail(status: 500))
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Fails")).status == 502)
            let records = try await harness.records()
            let settled = records.filter { $0.status == 200 }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            #expect(settled.count == 2)
            let day = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])
            let tomorrow = ISO8601DateFormatter.string(from: Date().addingTimeInterval(86_400), timeZone: .gmt, formatOptions: [.withFullDate])
            let period = "from=\(day)&to=\(tomorrow)"

            let csv = try await harness.get("/admin/export/usage?\(period)", token: "admin-secret")
            #expect(csv.status == 200)
            #expect(csv.headers.first(name: "content-type")?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("id,time,org_id,team,key_id") == true)
            #expect(lines.dropFirst().map { String($0.split(separator: ",").first ?? "") } == settled.map(\.id))
            let costColumn = UsageExport.columns.firstIndex(of: "cost")!
            #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[costColumn] }
                .map(String.init) == settled.map { $0.cost!.decimalString })

            let jsonl = try await harness.get("/admin/export/usage?\(period)&format=jsonl&org=acme", token: "admin-secret")
            let objects = jsonl.body.split(separator: "\n").compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            #expect(objects.map { $0["id"]?.stringValue ?? "" } == settled.map(\.id))
            #expect(objects.map { $0["output_tokens"]?.intValue ?? -1 } == settled.map(\.usage.output))
            #expect(objects.first?["model_used"] == "cheap" && objects.first?["currency"] == "USD")

            let events = try await harness.get("/admin/export/usage?\(period)&format=cloudevents", token: "admin-secret")
            let parsed = events.body.split(separator: "\n").compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            #expect(parsed.count == 2)
            #expect(parsed.allSatisfy { $0["specversion"] == "1.0" && $0["type"] == "tollgate.request" && $0["source"] == "tollgate" })
            #expect(parsed.map { $0["id"]?.stringValue ?? "" } == settled.map(\.id))
            #expect(parsed.allSatisfy { $0["subject"]?.stringValue == harness.organization.id })
            #expect(parsed.map { $0["data"]?["cost"]?.stringValue ?? "" } == settled.map { $0.cost!.decimalString })
            #expect(parsed.first?["time"]?.stringValue?.hasSuffix("Z") == true)

            #expect(try await harness.get("/admin/export/usage?\(period)&org=nobody", token: "admin-secret").status == 404)
            #expect(try await harness.get("/admin/export/usage?\(period)&format=xml", token: "admin-secret").status == 400)
            #expect(try await harness.get("/admin/export/usage?from=\(tomorrow)&to=\(day)", token: "admin-secret").status == 400)
            #expect(try await harness.get("/admin/export/usage?\(period)").status == 401)
            // Another organization's export is empty.
            let other = try await harness.gateway.accounts.createOrganization(name: "globex", currency: .usd)
            let empty = try await harness.get("/admin/export/usage?\(period)&org=\(other.name)&format=jsonl", token: "admin-secret")
            #expect(empty.status == 200 && empty.body.isEmpty)
        }
    }

    @Test func aFieldWithACommaOrAQuoteIsQuotedInCSV() {
        var record = RequestRecord(id: "req_1", organizationID: "org_1", modelRequested: "cheap", modelUsed: "cheap", status: 200,
                                   cost: Money(nanos: 1_500, currency: .usd), createdAt: Date(timeIntervalSince1970: 1_796_000_000))
        record.tags = ["a", "b"]
        record.endUser = #"say "hi""#
        let line = UsageExport.lines([record], format: .csv)
        #expect(line.contains(#","a,b","#))
        #expect(line.contains(#","say ""hi""","#))
        #expect(line.contains(",2026-11-30T00:53:20.000Z,"))
        // An unpriced record is not settled usage.
        record.cost = nil
        #expect(UsageExport.lines([record], format: .csv).isEmpty)
    }
}
