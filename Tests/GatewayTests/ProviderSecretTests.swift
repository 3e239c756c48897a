import AsyncHTTPClient
import Foundation
import Gateway
import Logging
import NIOCore
import NIOHTTP1
import Providers
import Testing
import TollgateCore
import TollgateTesting

@Suite struct ProviderSecretTests {
    static let masterKeyText = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  // bytes 0…31

    func send(_ harness: GatewayHarness, _ method: HTTPMethod, _ path: String, body: String? = nil) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: harness.baseURL + path)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer admin-token")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await harness.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// The configured key of provider `fake` is stale: only a key set through the admin API works.
    static func staleConfiguredKey(_ configuration: inout GatewayConfiguration, masterKey: Bool = true) {
        configuration.adminToken = "admin-token"
        if masterKey { configuration.masterKey = try? MasterKey(text: masterKeyText) }
        for index in configuration.providers.indices where configuration.providers[index].name == "fake" {
            configuration.providers[index].apiKey = "sk-stale"
        }
        for index in configuration.models.indices where configuration.models[index].provider.name == "fake" {
            configuration.models[index].provider.apiKey = "sk-stale"
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aProviderKeySetThroughTheAdminAPIIsUsedAtOnceKeptSealedAndNeverShown(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, adjust: { Self.staleConfiguredKey(&$0) }) { harness in
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status != 200)
            let before = try await send(harness, .GET, "/admin/providers")
            #expect(before.status == 200)
            let listed = try #require(before.json?.arrayValue)
            #expect(listed.map { $0["name"]?.stringValue } == ["fake", "fake-anthropic"])
            #expect(listed.allSatisfy { $0["key_source"]?.stringValue == "config" })

            let set = try await send(harness, .PUT, "/admin/providers/fake/api_key", body: #"{"api_key": "sk-upstream"}"#)
            #expect(set.status == 200)
            #expect(set.json?["key_source"]?.stringValue == "managed")
            // Eleven characters: too short for even a four-character hint.
            #expect(set.json?["key_hint"] == nil)
            let long = try await send(harness, .PUT, "/admin/providers/fake-anthropic/api_key", body: #"{"api_key": "sk-ant-0123456789wxyz"}"#)
            #expect(long.json?["key_hint"]?.stringValue == "…wxyz")
            #expect(!long.body.contains("0123456789"))
            #expect(try await send(harness, .DELETE, "/admin/providers/fake-anthropic/api_key").status == 200)
            #expect(!set.body.contains("sk-upstream"))

            // Used from the next request on, in place of the configured key.
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status == 200)
            #expect(harness.fake.observations.authorizations.last == "Bearer sk-upstream")
            let after = try await send(harness, .GET, "/admin/providers")
            #expect(!after.body.contains("sk-upstream"))
            #expect(after.json?.arrayValue?.first?["key_source"]?.stringValue == "managed")

            // Stored sealed: the database holds no trace of the key.
            let stored = try await harness.gateway.database.sql.raw("SELECT sealed, key_hint FROM provider_secrets").all()
            #expect(stored.count == 1)
            #expect(try stored[0].decode(column: "key_hint", as: String.self) == "")
            let sealed = try stored[0].decode(column: "sealed", as: String.self)
            #expect(!sealed.contains("sk-upstream") && !(Data(base64Encoded: sealed).map { String(decoding: $0, as: UTF8.self).contains("sk-upstream") } ?? true))
            if case .sqlite(let path) = harness.gateway.database.url {
                let files = ["", "-wal"].compactMap { try? Data(contentsOf: URL(fileURLWithPath: path + $0)) }
                #expect(!files.isEmpty && files.allSatisfy { $0.range(of: Data("sk-upstream".utf8)) == nil })
            }

            // Removed, the configured key is back.
            let removed = try await send(harness, .DELETE, "/admin/providers/fake/api_key")
            #expect(removed.status == 200 && removed.json?["key_source"]?.stringValue == "config")
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status != 200)
            #expect(harness.fake.observations.authorizations.last == "Bearer sk-stale")
            #expect(try await send(harness, .DELETE, "/admin/providers/fake/api_key").status == 404)
        }
    }

    @Test func anotherReplicaWithTheSameMasterKeyReadsTheKeyAndOneWithAnotherCannot() async throws {
        try await GatewayHarness.with(adjust: { Self.staleConfiguredKey(&$0) }) { harness in
            #expect(try await send(harness, .PUT, "/admin/providers/fake/api_key", body: #"{"api_key": "sk-upstream"}"#).status == 200)
            let providers = harness.gateway.configuration.providers
            func replica(_ masterKey: MasterKey?) async throws -> ProviderKeyring {
                let keyring = ProviderKeyring()
                let store = ProviderSecretStore(database: harness.gateway.database, masterKey: masterKey, keyring: keyring,
                                                providers: providers, clock: SystemTimeSource(), logger: Logger(label: "test"))
                try await store.reload()
                return keyring
            }
            #expect(try await replica(MasterKey(text: Self.masterKeyText)).apiKey(for: "fake") == "sk-upstream")
            let other = try MasterKey(text: String(repeating: "ab", count: 32))
            #expect(try await replica(other).apiKey(for: "fake") == nil)
            #expect(try await replica(nil).apiKey(for: "fake") == nil)
            // A sealed key cannot be moved to another provider's row.
            try await harness.gateway.database.sql.raw("UPDATE provider_secrets SET provider = 'fake-anthropic'").run()
            #expect(try await replica(MasterKey(text: Self.masterKeyText)).apiKey(for: "fake-anthropic") == nil)
        }
    }

    @Test func aKeySetOnOneReplicaReachesAnotherAtItsNextReload() async throws {
        try await GatewayHarness.with(adjust: { Self.staleConfiguredKey(&$0); $0.providerKeyReload = .milliseconds(100) }) { harness in
            #expect(try await harness.post(json: GatewayHarness.chat("cheap")).status != 200)
            // Another replica (a store of its own on the same database) sets the key…
            let elsewhere = ProviderSecretStore(database: harness.gateway.database, masterKey: try MasterKey(text: Self.masterKeyText),
                                                keyring: ProviderKeyring(), providers: harness.gateway.configuration.providers,
                                                clock: SystemTimeSource(), logger: Logger(label: "test"))
            _ = try await elsewhere.set("sk-upstream", for: "fake")
            // …and this one uses it after its next reload.
            var status = 0
            for _ in 0..<50 where status != 200 {
                try await Task.sleep(for: .milliseconds(100))
                status = try await harness.post(json: GatewayHarness.chat("cheap")).status
            }
            #expect(status == 200)
            #expect(harness.fake.observations.authorizations.last == "Bearer sk-upstream")
        }
    }

    @Test func badProviderKeyRequestsAreRefusedWithTheReason() async throws {
        try await GatewayHarness.with(adjust: { Self.staleConfiguredKey(&$0) }) { harness in
            let unknown = try await send(harness, .PUT, "/admin/providers/nobody/api_key", body: #"{"api_key": "sk-x"}"#)
            #expect(unknown.status == 404)
            for body in [#"{}"#, #"{"api_key": 5}"#, #"{"api_key": ""}"#, #"{"api_key": "sk-a\r\nx-evil: 1"}"#, #"{"api_key": "sk a"}"#] {
                let refused = try await send(harness, .PUT, "/admin/providers/fake/api_key", body: body)
                #expect(refused.status == 400, "\(body)")
                #expect(refused.json?["error"]?["param"]?.stringValue == "api_key", "\(body)")
            }
            #expect(try await harness.gateway.providerSecrets.entries().first?.keySource == "config")
        }
        // Without a master key nothing can be sealed, so nothing is stored.
        try await GatewayHarness.with(adjust: { Self.staleConfiguredKey(&$0, masterKey: false) }) { harness in
            let refused = try await send(harness, .PUT, "/admin/providers/fake/api_key", body: #"{"api_key": "sk-upstream"}"#)
            #expect(refused.status == 409)
            #expect(refused.json?["error"]?["code"]?.stringValue == "master_key_missing")
            #expect(try await harness.gateway.database.sql.raw("SELECT provider FROM provider_secrets").all().isEmpty)
        }
    }

    @Test func masterKeysAreReadFromBase64OrHexAndAnythingElseIsRefusedWithoutEchoingIt() throws {
        let base64 = try MasterKey(text: Self.masterKeyText)
        let hex = try MasterKey(text: (0..<32).map { String(format: "%02x", $0) }.joined())
        #expect(base64.id == hex.id)
        #expect(base64.id.count == 16)
        for bad in ["", "short", String(repeating: "A", count: 44), "zz" + String(repeating: "0", count: 62)] {
            #expect(throws: MasterKeyError.self) { try MasterKey(text: bad) }
            do { _ = try MasterKey(text: bad) } catch { #expect(bad.isEmpty || !error.description.contains(bad)) }
        }
    }
}
