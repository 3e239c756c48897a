import Hummingbird
import TollgateCore

/// `/admin/providers`: the configured providers and where each one's API key comes from; keys set
/// and removed at run time, kept sealed in the database (never returned, only a hint).
extension AdminAPI {
    func registerProviders(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("providers") { request, _ in
            try await guarded(request) { try JSONValue.encodable(try await gateway.providerSecrets.entries()) }
        }
        admin.put("providers/:provider/api_key") { request, context in
            try await guarded(request) {
                let name = Dashboard.pathParameter(context.parameters.get("provider"))
                let body = try AdminBody(try await RequestBodyReader.json(request, limit: 1 << 16))
                let key = try body.requiredString("api_key")
                // Sent as a header value: printable ASCII only, so it cannot split a header.
                guard (1...4_096).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                    throw GatewayError.badRequest("'api_key' must be 1 to 4096 printable ASCII characters without spaces", param: "api_key")
                }
                return try JSONValue.encodable(try await gateway.providerSecrets.set(key, for: name))
            }
        }
        admin.delete("providers/:provider/api_key") { request, context in
            try await guarded(request) {
                let name = Dashboard.pathParameter(context.parameters.get("provider"))
                guard let entry = try await gateway.providerSecrets.remove(name) else {
                    throw GatewayError.notFound("provider '\(name)' has no key set through the admin API")
                }
                return try JSONValue.encodable(entry)
            }
        }
    }
}
