import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOHTTP1
import Providers
import Testing
import TollgateCore
import TollgateTesting

@Suite struct AdminAPITests {
    static let token = "admin-secret-token"

    func call(_ harness: GatewayHarness, _ method: HTTPMethod, _ path: String, json: JSONValue? = nil,
              token: String? = AdminAPITests.token) async throws -> GatewayHarness.Reply {
        var request = HTTPClientRequest(url: harness.baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let json { request.body = .bytes(ByteBuffer(bytes: json.encodedBytes())) }
        let response = try await harness.client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return GatewayHarness.Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    @Test(arguments: TestBackend.allCases)
    func organizationsKeysCreditAndRecordsAreManagedOverHTTP(_ backend: TestBackend) async throws {
        try await GatewayHarness.with(backend: backend, adjust: { $0.adminToken = Self.token }) { harness in
            let created = try await call(harness, .POST, "/admin/orgs", json: ["name": "globex", "currency": "USD"])
            #expect(created.status == 201)
            #expect(created.json?["currency"] == "USD")
            #expect(try await call(harness, .POST, "/admin/orgs", json: ["name": "globex"]).status == 409)
            let credit = try await call(harness, .POST, "/admin/orgs/globex/credits", json: ["amount": "12.5"])
            #expect(credit.json?["amount"] == "12.500000000")
            #expect(credit.json?["currency"] == "USD")
            #expect(try await call(harness, .POST, "/admin/orgs/globex/credits", json: ["amount": "ten"]).status == 400)

            let key = try await call(harness, .POST, "/admin/orgs/globex/keys", json: ["name": "bot", "team": "search", "models": ["cheap"]])
            #expect(key.status == 201)
            let secret = try #require(key.json?["key"]?.stringValue)
            let id = try #require(key.json?["id"]?.stringValue)
            #expect(secret.hasPrefix("tg-"))
            let listed = try await call(harness, .GET, "/admin/orgs/globex/keys")
            #expect(!listed.body.contains(secret))
            #expect(listed.json?[0]?["allowed_models"] == ["cheap"])

            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: secret).status == 200)
            // Records are written off the hot path: wait for the writer before reading them back.
            await harness.gateway.recordWriter.flush()
            let records = try await call(harness, .GET, "/admin/requests?org=globex")
            #expect(records.json?.arrayValue?.count == 1)
            let recordID = try #require(records.json?[0]?["id"]?.stringValue)
            #expect(try await call(harness, .GET, "/admin/requests/\(recordID)").json?["model_used"] == "cheap")

            #expect(try await call(harness, .DELETE, "/admin/keys/\(id)").status == 200)
            #expect(try await call(harness, .DELETE, "/admin/keys/\(id)").status == 404)
            #expect(try await harness.post(json: GatewayHarness.chat("cheap"), key: secret).status == 401)
        }
    }

    @Test func teamsFundsPackagesBudgetsAndSessionsAreManagedOverHTTP() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = Self.token }) { harness in
            let created = try await call(harness, .POST, "/admin/orgs", json: ["name": "initech", "markup_percent": "12.5"])
            #expect(created.json?["markup_bp"] == 1_250)
            #expect(try await call(harness, .POST, "/admin/orgs", json: ["name": "x", "price_list": "nope"]).status == 400)
            let team = try await call(harness, .POST, "/admin/orgs/initech/teams", json: ["name": "search", "rpm": 2])
            #expect(team.status == 201)
            #expect(try await call(harness, .GET, "/admin/orgs/initech/teams").json?[0]?["rpm"] == 2)
            let key = try await call(harness, .POST, "/admin/orgs/initech/keys", json: ["team": "search", "budget": "7", "period": "week"])
            let secret = try #require(key.json?["key"]?.stringValue)
            #expect(key.json?["budget"]?["scope"] == "key")
            #expect(key.json?["budget"]?["subject"] == key.json?["id"])
            #expect(try await call(harness, .POST, "/admin/orgs/initech/keys", json: ["budget": "7", "period": "year"]).status == 400)

            let credit = try await call(harness, .POST, "/admin/orgs/initech/credits",
                                        json: ["amount": "3", "team": "search", "kind": "paid", "expires_at": "2099-01-01"])
            #expect(credit.json?["amount"] == "3.000000000")
            #expect(try await call(harness, .POST, "/admin/orgs/initech/credits", json: ["amount": "1", "kind": "gift"]).status == 400)
            let funds = try await call(harness, .GET, "/admin/orgs/initech/funds?team=search")
            #expect(funds.json?[0]?["available"] == 3_000_000_000)
            #expect(funds.json?[0]?["expires_at"] != nil && funds.json?[0]?["expires_at"] != .null)

            let package = try await call(harness, .POST, "/admin/orgs/initech/packages", json: ["model": "cheap", "tokens": "1M", "price": "0.5"])
            #expect(package.status == 201)
            #expect(package.json?["tokens"] == 1_000_000)
            #expect(try await call(harness, .POST, "/admin/orgs/initech/packages", json: ["model": "cheap", "tokens": "-4"]).status == 400)

            let budget = try await call(harness, .POST, "/admin/orgs/initech/budgets",
                                        json: ["scope": "team", "subject": "search", "amount": "2", "period": "day", "thresholds": [50, 100]])
            #expect(budget.status == 201)
            let budgetID = try #require(budget.json?["id"]?.stringValue)
            #expect(try await call(harness, .POST, "/admin/orgs/initech/budgets", json: ["amount": "2", "period": "fortnight"]).status == 400)

            let session = [("x-tollgate-session", "crawl-9")]
            #expect(try await harness.post(json: GatewayHarness.chat("premium", maxTokens: 20), key: secret, headers: session).status == 200)
            #expect(try await harness.post(json: GatewayHarness.chat("premium", maxTokens: 20), key: secret, headers: session).status == 200)
            let limited = try await harness.post(json: GatewayHarness.chat("premium", maxTokens: 20), key: secret, headers: session)
            #expect(limited.status == 429)
            #expect(limited.json?["error"]?["message"]?.stringValue?.contains("team 'search'") == true)
            await harness.gateway.recordWriter.flush()
            let totals = try await call(harness, .GET, "/admin/orgs/initech/sessions/crawl-9")
            #expect(totals.json?["requests"] == 3)
            #expect(totals.json?["records"]?.arrayValue?.count == 3)
            let budgets = try await call(harness, .GET, "/admin/orgs/initech/budgets")
            #expect(budgets.json?.arrayValue?.count == 2)
            let spent = try #require(budgets.json?.arrayValue?.first { $0["scope"] == "team" }?["spent"]?["nanos"]?.intValue)
            #expect(spent > 0 && spent == totals.json?["cost_nanos"]?.intValue)
            let statement = try await call(harness, .GET, "/admin/orgs/initech/statement?from=2000-01-01&to=2999-01-01&team=search")
            let fund = try #require(statement.json?["accounts"]?.arrayValue?.first { $0["account_id"]?.stringValue?.contains(":paid:") == true })
            #expect(fund["opening"] == 0)
            #expect(fund["closing"]?.intValue == 3_000_000_000 - (totals.json?["cost_nanos"]?.intValue ?? 0))
            #expect(try await call(harness, .GET, "/admin/orgs/initech/statement?from=2999-01-01&to=2000-01-01").status == 400)
            let records = try await harness.gateway.requestRecords.recent(limit: 1000)
            let owed = records.compactMap(\.providerCost?.nanos).reduce(0, +)
            let invoice = Money(nanos: owed, currency: .usd).decimalString
            let settled = try await call(harness, .GET, "/admin/providers/fake/settlement?from=2000-01-01&to=2999-01-01&invoice=USD:\(invoice)")
            #expect(settled.json?["reconciles"] == true)
            #expect(settled.json?["accounts"]?[0]?["accrued"]?.intValue == Int(owed))
            let disputed = try await call(harness, .GET, "/admin/providers/fake/settlement?from=2000-01-01&to=2999-01-01&invoice=USD:999")
            #expect(disputed.json?["reconciles"] == false)
            #expect(try await call(harness, .DELETE, "/admin/budgets/\(budgetID)").status == 200)
            #expect(try await call(harness, .GET, "/admin/orgs/initech/budgets").json?.arrayValue?.count == 1)
        }
    }

    @Test func theAdminAPIWantsTheAdminTokenAndIsOffWithoutOne() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = Self.token }) { harness in
            let anonymous = try await call(harness, .GET, "/admin/orgs", token: nil)
            let clientKey = try await call(harness, .GET, "/admin/orgs", token: harness.key)
            let admin = try await call(harness, .GET, "/admin/orgs")
            #expect(anonymous.status == 401)
            #expect(clientKey.status == 401)
            #expect(admin.status == 200)
        }
        try await GatewayHarness.with { harness in
            let off = try await call(harness, .GET, "/admin/orgs", token: "anything")
            #expect(off.status == 404)
            #expect(off.json?["error"]?["code"] == "admin_disabled")
        }
    }

    /// A field of the wrong type used to be read as absent: `"models": "cheap"` made a key for
    /// every model, `"hard": "false"` a hard budget, `"price": "abc"` a 500.
    @Test func fieldsOfTheWrongTypeAreRefusedWithTheirNameInsteadOfReadAsAbsent() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = Self.token }) { harness in
            #expect(try await call(harness, .POST, "/admin/orgs", json: ["name": "globex"]).status == 201)
            let refused: [(String, JSONValue, String)] = [
                ("/admin/orgs", ["name": "initech", "currency": 5], "currency"),
                ("/admin/orgs", ["name": 3], "name"),
                ("/admin/orgs/globex/keys", ["models": "cheap"], "models"),
                ("/admin/orgs/globex/keys", ["budget": ["amount": 5]], "budget"),
                ("/admin/orgs/globex/keys", ["rpm": "10"], "rpm"),
                ("/admin/orgs/globex/keys", ["tpm": -3], "tpm"),
                ("/admin/orgs/globex/keys", ["team": 7], "team"),
                ("/admin/orgs/globex/keys", ["period": "day"], "period"),
                ("/admin/orgs/globex/teams", ["name": "research", "tpm": ["a": 1]], "tpm"),
                ("/admin/orgs/globex/teams", ["name": "research", "rpm": 0], "rpm"),
                ("/admin/orgs/globex/credits", ["amount": "5", "expires_at": 5], "expires_at"),
                ("/admin/orgs/globex/credits", ["amount": "5", "team": 1], "team"),
                ("/admin/orgs/globex/credits", ["amount": "5", "kind": 5], "kind"),
                ("/admin/orgs/globex/budgets", ["amount": "5", "hard": "false"], "hard"),
                ("/admin/orgs/globex/budgets", ["amount": "5", "thresholds": "50"], "thresholds"),
                ("/admin/orgs/globex/budgets", ["amount": "5", "thresholds": [50, 0]], "thresholds"),
                ("/admin/orgs/globex/budgets", ["amount": "5", "webhook_url": ["x": 1]], "webhook_url"),
                ("/admin/orgs/globex/packages", ["model": "cheap", "tokens": 5, "price": "abc"], "price"),
                ("/admin/orgs/globex/packages", ["model": "cheap", "tokens": 5, "price": 3, "expires_at": ["x": 1]], "expires_at"),
                ("/admin/orgs/globex/packages", ["model": "cheap", "tokens": -5], "tokens"),
            ]
            for (path, body, field) in refused {
                let reply = try await call(harness, .POST, path, json: body)
                #expect(reply.status == 400, "\(path) \(body.jsonText) → \(reply.status) \(reply.body)")
                #expect(reply.json?["error"]?["param"]?.stringValue == field, "\(path) \(body.jsonText) → \(reply.body)")
            }
            // Numbers where a decimal is meant are read as the decimal they are.
            let package = try await call(harness, .POST, "/admin/orgs/globex/packages", json: ["model": "cheap", "tokens": 5, "price": 3])
            #expect(package.status == 201)
            #expect(package.json?["price"]?["nanos"] == 3_000_000_000)
            let budget = try await call(harness, .POST, "/admin/orgs/globex/budgets", json: ["amount": 5, "hard": false])
            #expect(budget.status == 201)
            #expect(budget.json?["hard"] == false)
            // No key was made by any refused request.
            #expect(try await call(harness, .GET, "/admin/orgs/globex/keys").json?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aNegativeLimitOnTheRequestLogIsClampedNotUnlimited() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = Self.token }) { harness async throws in
            for index in 0..<3 { #expect(try await harness.post(json: GatewayHarness.chat("cheap", "hello \(index)")).status == 200) }
            await harness.gateway.recordWriter.flush()
            #expect(try await call(harness, .GET, "/admin/requests?limit=-1").json?.arrayValue?.count == 1)
            #expect(try await call(harness, .GET, "/admin/requests?limit=2").json?.arrayValue?.count == 2)
        }
    }

    @Test func pathParametersArePercentDecodedAndAModelNameMayHoldASlash() async throws {
        try await GatewayHarness.with { harness async throws in
            #expect(try await harness.get("/v1/models/ch%65ap", token: harness.key).json?["id"] == "cheap")
            let missing = try await harness.get("/v1/models/meta-llama/llama-3", token: harness.key)
            #expect(missing.status == 404)
            #expect(missing.json?["error"]?["message"]?.stringValue?.contains("'meta-llama/llama-3'") == true)
        }
    }

    @Test func aWrongMethodOnAKnownPathIs405WithAllowAndHeadAnswersWhereGetDoes() async throws {
        try await GatewayHarness.with(adjust: { $0.adminToken = Self.token }) { harness async throws in
            let wrong = try await call(harness, .DELETE, "/v1/chat/completions", token: harness.key)
            #expect(wrong.status == 405)
            #expect(wrong.headers["allow"].first == "POST")
            #expect(wrong.json?["error"]?["code"] == "method_not_allowed")
            let admin = try await call(harness, .PUT, "/admin/orgs/acme/keys")
            #expect(admin.status == 405)
            #expect(admin.headers["allow"].first == "GET, HEAD, POST")
            #expect(try await call(harness, .GET, "/v1/nothing-here").status == 404)
            let head = try await call(harness, .HEAD, "/health", token: nil)
            let get = try await call(harness, .GET, "/health", token: nil)
            #expect(head.status == 200)
            #expect(head.headers["content-length"].first == String(get.body.utf8.count))
            #expect(try await call(harness, .HEAD, "/v1/chat/completions", token: harness.key).status == 405)
        }
    }

    @Test func theOpenAPIDocumentIsServedAndNamesEveryRoute() async throws {
        try await GatewayHarness.with { harness async throws in
            let document = try await harness.get("/openapi.json")
            #expect(document.status == 200)
            let paths = try #require(document.json?["paths"]?.objectValue)
            for path in ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings", "/v1/models/{id}", "/health", "/ready",
                         "/metrics", "/openapi.json", "/admin/orgs/{org}/keys", "/admin/keys/{id}/rotate", "/dashboard/login"] {
                #expect(paths[path] != nil, "\(path) is not in the document")
            }
        }
    }
}
