import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import Testing
import TollgateCore
import TollgateTesting

@Suite struct KeyRotationTests {
    func rotate(_ harness: GatewayHarness, _ id: String, body: String) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: harness.baseURL + "/admin/keys/\(id)/rotate")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer admin-token")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await harness.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    @Test(arguments: TestBackend.allCases)
    func aRotatedKeysOldSecretWorksUntilItsGraceEndsAndTheNewOneFromNow(_ backend: TestBackend) async throws {
        let clock = ManualTimeSource()
        try await GatewayHarness.with(backend: backend, clock: clock, adjust: { $0.adminToken = "admin-token" }) { harness in
            let old = harness.key
            let id = try #require(try await harness.gateway.accounts.keys(of: harness.organization).first?.id)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: old).status == 200)

            let rotated = try await rotate(harness, id, body: #"{"grace_seconds": 60}"#)
            #expect(rotated.status == 201)
            let new = try #require(rotated.json?["key"]?.stringValue)
            #expect(new.hasPrefix("tg-") && new != old)
            #expect(rotated.json?["id"]?.stringValue == id)
            #expect(rotated.json?["hint"]?.stringValue == "\(new.prefix(7))…\(new.suffix(4))")
            #expect(rotated.json?["previous_valid_until"]?.stringValue == clock.date().addingTimeInterval(60).formatted(.iso8601))

            // Both work during the grace period, as the same key.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: old).status == 200)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: new).status == 200)
            let records = try await harness.records()
            #expect(records.count == 3 && records.allSatisfy { $0.keyID == id })

            // After it, only the new one.
            clock.advance(by: .seconds(61))
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: old).status == 401)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: new).status == 200)

            // No grace: the secret it replaces stops at once.
            let again = try await rotate(harness, id, body: #"{"grace_seconds": 0}"#)
            let newest = try #require(again.json?["key"]?.stringValue)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: new).status == 401)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: newest).status == 200)

            // Revoking the key stops every secret it has, the one in grace too.
            let third = try await rotate(harness, id, body: "")
            let latest = try #require(third.json?["key"]?.stringValue)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: newest).status == 200)
            #expect(try await harness.gateway.accounts.revokeKey(id: id))
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: newest).status == 401)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: latest).status == 401)

            #expect(try await rotate(harness, id, body: "").status == 404)
            #expect(try await rotate(harness, "key_nope", body: "").status == 404)
            #expect(try await rotate(harness, id, body: #"{"grace_seconds": -5}"#).status == 400)
        }
    }
}
