import Hummingbird
import NIOCore
import Providers
import TollgateCore

extension Gateway {
    /// `GET /v1/models`: the models and routes the key may use, in Anthropic's list format when
    /// the request carries `anthropic-version` (Claude Code's model picker), OpenAI's otherwise.
    func models(_ request: Request) async -> Response {
        let format = Self.listFormat(of: request)
        do {
            let listed = try await listedModels(request)
            let query = request.uri.queryParameters
            return Self.json(format.modelList(listed, query: { query[Substring($0)].map(String.init) }))
        } catch {
            return format.response(for: ProxyPipeline.gatewayError(for: error))
        }
    }

    /// `GET /v1/models/{id}`: one model or route the key may use, or 404 in the request's format.
    func model(_ request: Request, id: String) async -> Response {
        let format = Self.listFormat(of: request)
        do {
            guard let model = try await listedModels(request).first(where: { $0.id == id }) else { throw GatewayError.modelNotFound(id) }
            return Self.json(format.modelObject(model))
        } catch {
            return format.response(for: ProxyPipeline.gatewayError(for: error))
        }
    }

    private func listedModels(_ request: Request) async throws -> [ListedModel] {
        let key = try await ProxyPipeline.authenticate(request, accounts: accounts).key
        return configuration.models.filter { key.allows(model: $0.name) }.map { ListedModel(id: $0.name, ownedBy: $0.provider.name) }
            + configuration.routes.filter { key.allows(model: $0.name) }.map { ListedModel(id: $0.name, ownedBy: "tollgate") }
    }

    private static func listFormat(of request: Request) -> any WireFormat {
        request.headers[.anthropicVersion] != nil ? WireFormats.anthropicMessages : WireFormats.openAIChat
    }

    private static func json(_ body: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.encodedBytes())))
    }
}
