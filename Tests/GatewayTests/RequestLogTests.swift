import Foundation
@testable import Gateway
import Logging
import Synchronization
import Testing
import TollgateCore
import TollgateTesting

/// The request log: one structured line per request at info level, never a secret.
@Suite struct RequestLogTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    @Test func eachRequestIsOneJSONLineWithItsFiguresAndNoKeyOrAuthorization() async throws {
        let captured = Lines()
        var logger = Logger(label: "tollgate") { label in
            var handler = JSONLogHandler(label: label, write: { captured.append($0) })
            handler.logLevel = .info
            return handler
        }
        logger.logLevel = .info
        try await GatewayHarness.with(logger: logger) { harness async throws in
            #expect(try await harness.post(json: GatewayHarness.chat("cheap", "Log me", maxTokens: 5),
                                           headers: [("x-tollgate-session", "agent-9")]).status == 200)
            #expect(try await harness.post("/v1/messages", json: GatewayHarness.message("claude", "And me", maxTokens: 5),
                                           headers: [("x-api-key", harness.key)]).status == 200)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: "tg-not-a-real-key").status == 401)
            let records = try await harness.records()
            let lines = captured.all.filter { $0.contains(#""message":"request""#) }
            #expect(lines.count == 3)
            let objects = lines.compactMap { try? JSONValue(parsing: Array($0.utf8)) }
            #expect(objects.count == 3 && objects.allSatisfy { $0["level"] == "info" && $0["time"]?.stringValue?.hasSuffix("Z") == true })
            for record in records {
                let line = try #require(objects.first { $0["request"]?.stringValue == record.id })
                #expect(line["status"]?.stringValue == String(record.status))
                #expect(line["org"]?.stringValue == record.organizationID)
                #expect(line["key"]?.stringValue == record.keyID)
                #expect(line["model"]?.stringValue == record.modelUsed)
                #expect(line["cost"]?.stringValue == record.cost?.description)
                #expect(line["output_tokens"]?.stringValue == String(record.usage.totalOutput))
            }
            #expect(objects.contains { $0["session"] == "agent-9" })
            // Neither the client's key, nor the one refused, nor the provider's, nor a header.
            for line in captured.all {
                #expect(!line.contains(harness.key) && !line.contains("tg-not-a-real-key") && !line.contains("sk-upstream"))
                #expect(!line.lowercased().contains("bearer") && !line.lowercased().contains("authorization"))
            }
        }
    }
}
