import Hummingbird
import NIOCore
import NIOFoundationCompat
import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/admin/…`: organizations, keys, credit and request records as JSON, behind the admin token.
struct AdminAPI: Sendable {
    let gateway: Gateway

    func register(on router: Router<BasicRequestContext>) {
        let admin = router.group("admin")
        admin.get("orgs") { request, _ in
            try await guarded(request) { try await JSONValue.encodable(gateway.accounts.organizations()) }
        }
        admin.post("orgs") { request, _ in
            try await guarded(request, status: .created) {
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 20))
                let name = try body.requiredString("name")
                let code = try body.string("currency") ?? "USD"
                guard let currency = Currency(knownCode: code) else { throw GatewayError.badRequest("unknown currency '\(code)'", param: "currency") }
                let markup = try body.decimal("markup_percent")
                guard let markupBasisPoints = markup.map(AdminInput.basisPoints) ?? 0 else {
                    throw GatewayError.badRequest("'markup_percent' must be a percentage such as \"20\" or \"12.5\"", param: "markup_percent")
                }
                let list = try body.string("price_list")
                if let list, gateway.configuration.priceLists[list] == nil {
                    throw GatewayError.badRequest("no price list '\(list)' is configured", param: "price_list")
                }
                return try JSONValue.encodable(try await gateway.accounts.createOrganization(
                    name: name, currency: currency, markupBasisPoints: markupBasisPoints, priceList: list,
                    allowedRegions: try AdminInput.regions(body.json["regions"])))
            }
        }
        admin.get("orgs/:org/balance") { request, context in
            try await guarded(request) {
                let organization = try await organization(context)
                return try JSONValue.encodable(try await gateway.accounts.balance(of: organization))
            }
        }
        admin.post("orgs/:org/credits") { request, context in
            try await guarded(request, status: .created) {
                let organization = try await organization(context)
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 20))
                let text = try? body.decimal("amount")
                guard let text, let amount = try? Money(decimal: text, currency: organization.currency) else {
                    throw GatewayError.badRequest("'amount' must be a decimal such as \"100\" or \"12.50\"", param: "amount")
                }
                let kindText = try body.string("kind") ?? "granted"
                guard let kind = AccountStore.CreditKind(rawValue: kindText) else {
                    throw GatewayError.badRequest("'kind' must be granted or paid", param: "kind")
                }
                let expiry = try body.instant("expires_at")
                let holder = try AdminInput.holder(team: try body.string("team"), key: try body.string("key"))
                try await gateway.accounts.addCredit(amount, to: organization, holder: holder, kind: kind, expiresAt: expiry,
                                                     note: try body.string("note"))
                return try JSONValue.encodable(try await gateway.accounts.balance(of: organization, holder: holder))
            }
        }
        admin.get("orgs/:org/keys") { request, context in
            try await guarded(request) { try JSONValue.encodable(try await gateway.accounts.keys(of: try await organization(context))) }
        }
        admin.post("orgs/:org/keys") { request, context in
            try await guarded(request, status: .created) {
                let organization = try await organization(context)
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 20))
                let models = try body.strings("models")
                // A budget given with the key is checked before the key exists.
                let period = try body.string("period")
                let limit = try body.decimal("budget").map { amount in
                    try AdminInput.budget(organization: organization, scope: "key", subject: "pending", amount: amount,
                                          period: period ?? "month", hard: true, thresholds: nil, webhookURL: nil,
                                          createdAt: gateway.clock.date())
                }
                if limit == nil, let period {
                    throw GatewayError.badRequest("'period' is the period of the key's 'budget'; give a budget with it (not '\(period)' alone)",
                                                  param: "period")
                }
                let (key, secret) = try await gateway.accounts.createKey(
                    for: organization, name: try body.string("name"), team: try body.string("team"), allowedModels: models,
                    requestsPerMinute: try body.integer("rpm", in: AdminInput.rateRange),
                    tokensPerMinute: try body.integer("tpm", in: AdminInput.rateRange),
                    allowedRegions: try AdminInput.regions(body.json["regions"]), cacheTTLSeconds: try AdminInput.cacheTTL(body.json["cache_ttl_seconds"]),
                    maxConcurrent: try body.integer("max_concurrent", in: 1...1_000_000))
                var value = try JSONValue.encodable(key)
                value["key"] = .string(secret)
                if var limit {
                    limit.subject = key.id
                    try await gateway.budgets.create(limit)
                    value["budget"] = try JSONValue.encodable(limit)
                }
                return value
            }
        }
        admin.delete("keys/:id") { request, context in
            try await guarded(request) {
                let id = Dashboard.pathParameter(context.parameters.get("id"))
                guard try await gateway.accounts.revokeKey(id: id) else { throw GatewayError.notFound("no live key with id '\(id)'") }
                return ["id": .string(id), "revoked": true]
            }
        }
        admin.post("keys/:id/rotate") { request, context in
            try await guarded(request, status: .created) {
                let id = Dashboard.pathParameter(context.parameters.get("id"))
                let bytes = try await RequestBodyReader.bytes(request, limit: 1 << 20)
                guard let body = bytes.readableBytes == 0 ? JSONValue.object([:]) : try? JSONValue(parsing: bytes.readableBytesView) else {
                    throw GatewayError.badRequest("The request body is not valid JSON.")
                }
                let grace = body["grace_seconds"].map { $0.intValue } ?? 86_400
                guard let grace, (0...(30 * 86_400)).contains(grace) else {
                    throw GatewayError.badRequest("'grace_seconds' must be a whole number of seconds from 0 to 2592000 (30 days)",
                                                  param: "grace_seconds")
                }
                guard let rotated = try await gateway.accounts.rotateKey(id: id, grace: .seconds(grace)) else {
                    throw GatewayError.notFound("no live key with id '\(id)'")
                }
                var value = try JSONValue.encodable(rotated.key)
                value["key"] = .string(rotated.secret)
                value["previous_valid_until"] = .string(rotated.previousValidUntil.formatted(.iso8601))
                return value
            }
        }
        registerMetering(on: admin)
        registerReports(on: admin)
        registerExport(on: admin)
        registerAnalytics(on: admin)
        registerRunway(on: admin)
        registerProviders(on: admin)
        admin.get("requests") { request, _ in
            try await guarded(request) {
                let query = request.uri.queryParameters
                let limit = min(max(query["limit"].flatMap { Int(String($0)) } ?? 100, 1), 1_000)
                var organizationID: String?
                if let name = query["org"] {
                    guard let found = try await gateway.accounts.organization(named: String(name)) else {
                        throw GatewayError.notFound("no organization '\(name)'")
                    }
                    organizationID = found.id
                }
                return try JSONValue.encodable(try await gateway.requestRecords.recent(organizationID: organizationID, limit: min(limit, 1000)))
            }
        }
        admin.get("requests/:id") { request, context in
            try await guarded(request) {
                let id = Dashboard.pathParameter(context.parameters.get("id"))
                guard let record = try await gateway.requestRecords.record(id: id) else { throw GatewayError.notFound("no request '\(id)'") }
                return try JSONValue.encodable(record)
            }
        }
    }

    func organization(_ context: BasicRequestContext) async throws -> Organization {
        let name = Dashboard.pathParameter(context.parameters.get("org"))
        guard let organization = try await gateway.accounts.organization(named: name) else {
            throw GatewayError.notFound("no organization '\(name)'")
        }
        return organization
    }

    /// Runs an admin action after checking the admin token, rendering its result or its error.
    func guarded(_ request: Request, status: HTTPResponse.Status = .ok,
                         _ action: () async throws -> JSONValue) async throws -> Response {
        guard let expected = gateway.configuration.adminToken, !expected.isEmpty else {
            return WireFormats.openAIChat.response(for: GatewayError(status: 404, type: "invalid_request_error", code: "admin_disabled",
                                message: "The admin API is off: set admin_token in the config or TOLLGATE_ADMIN_TOKEN."))
        }
        guard let token = ProxyPipeline.bearerToken(request), constantTimeEqual(token, expected) else {
            return WireFormats.openAIChat.response(for: GatewayError(status: 401, type: "authentication_error", code: "invalid_admin_token",
                                message: "The admin API needs 'Authorization: Bearer <admin token>'."))
        }
        do {
            let value = try await action()
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(data: value.encoded())))
        } catch let error as AccountStoreError {
            let status = error.code == .notFound ? 404 : error.code == .conflict ? 409 : 400
            return WireFormats.openAIChat.response(for: GatewayError(status: status, type: "invalid_request_error", message: error.description))
        } catch {
            return WireFormats.openAIChat.response(for: ProxyPipeline.gatewayError(for: error))
        }
    }
}

/// Compares secrets in time that does not depend on where they differ.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}

extension JSONValue {
    /// Any `Encodable` as a JSON value, through its JSON encoding.
    static func encodable(_ value: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONValue(parsing: encoder.encode(value))
    }
}
