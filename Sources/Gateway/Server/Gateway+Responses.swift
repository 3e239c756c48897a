import Hummingbird
import NIOCore
import Providers
import TollgateCore

/// `GET` and `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`: the responses an
/// organization kept, in OpenAI's format. Another organization's id is not found.
extension Gateway {
    func registerResponses(on router: Router<BasicRequestContext>, proxy: ProxyPipeline) {
        router.get("/v1/responses/:id") { request, context in
            await self.stored(request, id: Dashboard.pathParameter(context.parameters.get("id")), proxy: proxy) { stored in stored.response }
        }
        router.delete("/v1/responses/:id") { request, context in
            let id = Dashboard.pathParameter(context.parameters.get("id"))
            return await Self.answering {
                let caller = try await proxy.authenticate(request)
                guard try await self.responses.delete(id: id, organization: caller.organization.id) else { throw Self.notFound(id) }
                return ["id": .string(id), "object": "response.deleted", "deleted": true]
            }
        }
        router.get("/v1/responses/:id/input_items") { request, context in
            await self.stored(request, id: Dashboard.pathParameter(context.parameters.get("id")), proxy: proxy) { stored in
                Self.page(stored.input.enumerated().map { index, item in
                    var item = item
                    if item["id"] == nil { item["id"] = .string("item_\(stored.id.dropFirst(5))_\(index)") }
                    if item["type"] == nil { item["type"] = "message" }
                    return item
                }, query: request.uri.queryParameters)
            }
        }
    }

    private func stored(_ request: Request, id: String, proxy: ProxyPipeline,
                        _ body: @escaping @Sendable (ResponseStore.Stored) -> JSONValue) async -> Response {
        await Self.answering {
            let caller = try await proxy.authenticate(request)
            guard let stored = try await self.responses.find(id: id, organization: caller.organization.id) else { throw Self.notFound(id) }
            return body(stored)
        }
    }

    /// OpenAI's list page: `order` (`desc` by default), `limit` (1–100, default 20), `after`.
    private static func page(_ items: [JSONValue], query: Parameters) -> JSONValue {
        var items = items
        if query["order"] != "asc" { items.reverse() }
        if let after = query["after"], let index = items.firstIndex(where: { $0["id"]?.stringValue == String(after) }) {
            items = Array(items[(index + 1)...])
        }
        let limit = query["limit"].flatMap { Int($0) }.map { min(max($0, 1), 100) } ?? 20
        let page = Array(items.prefix(limit))
        return ["object": "list", "data": .array(page), "first_id": page.first?["id"] ?? nil, "last_id": page.last?["id"] ?? nil,
                "has_more": .bool(items.count > limit)]
    }

    private static func notFound(_ id: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", code: "not_found", message: "No response found with id '\(id)'.")
    }

    private static func answering(_ body: @Sendable () async throws -> JSONValue) async -> Response {
        do {
            let value = try await body()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: value.encodedBytes())))
        } catch {
            return WireFormats.openAIResponses.response(for: ProxyPipeline.gatewayError(for: error))
        }
    }
}
