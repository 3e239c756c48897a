import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /v1/chat/completions`: authenticate, check, forward to the provider, relay the answer
/// (streamed event by event, or whole), price it and record it.
struct ChatCompletionsProxy: Sendable {
    let configuration: GatewayConfiguration
    let accounts: AccountStore
    let creditGuard: CreditGuard
    let upstream: UpstreamClient
    let records: RequestRecordWriter
    let logger: Logger

    func handle(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        var record = RequestRecord(id: "req_" + TimeOrderedID().description, status: 0)
        var headers: HTTPFields = [.tollgateRequestID: record.id]
        do {
            let (key, organization) = try await authenticate(request)
            record.keyID = key.id
            record.organizationID = organization.id
            var body = try await RequestBodyReader.json(request, limit: configuration.maxRequestBodyBytes)
            guard let modelName = body["model"]?.stringValue, !modelName.isEmpty else {
                throw GatewayError.badRequest("'model' is required and must be a string.", param: "model")
            }
            record.modelRequested = modelName
            guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
                throw GatewayError.badRequest("'messages' must be a non-empty array.", param: "messages")
            }
            let resolution = try ModelResolver(configuration: configuration).resolve(modelName, allowed: key.allows(model:))
            let model = resolution.model
            record.modelUsed = model.name
            record.provider = model.provider.name
            headers[.tollgateModel] = model.name
            headers[.tollgateProvider] = model.provider.name
            headers[.tollgateRoute] = resolution.reason
            try await creditGuard.check(organization)

            let streamed = body["stream"]?.boolValue == true
            record.streamed = streamed
            let clientWantsUsage = body["stream_options"]?["include_usage"]?.boolValue == true
            body["model"] = .string(model.upstream)
            if streamed {
                // Usage is what the request is billed by: ask for it whether or not the client did.
                var options = body["stream_options"]?.objectValue ?? [:]
                options["include_usage"] = true
                body["stream_options"] = .object(options)
            }
            let response = try await upstream.post("/chat/completions", json: body.encoded(), to: model.provider)
            guard response.isSuccess else { throw await response.error() }
            record.timeToFirstTokenMilliseconds = streamed ? nil : started.millisecondsUntilNow
            if streamed {
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                let relay = StreamRelay(model: model, clientWantsUsage: clientWantsUsage, records: records, logger: logger)
                let streamRecord = record
                return Response(status: .ok, headers: headers,
                                body: ResponseBody { writer in
                                    await relay.relay(response, to: &writer, record: streamRecord, started: started)
                                })
            }
            var answer = try await collectJSON(response)
            let usage = OpenAIUsage.tokenUsage(from: answer["usage"])
            if let usage {
                let cost = model.price.cost(of: usage)
                record.usage = usage
                record.cost = cost
                record.usageSource = .provider
                answer["usage"]?["cost"] = .double(cost.approximateUnits)
                answer["usage"]?["cost_currency"] = .string(cost.currency.code)
                headers[.tollgateCost] = cost.description
            }
            headers[.contentType] = "application/json"
            record.status = 200
            finish(&record, started: started)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: answer.encoded())))
        } catch {
            let failure = Self.gatewayError(for: error)
            record.status = failure.status
            record.error = failure.message
            finish(&record, started: started)
            if failure.status >= 500 {
                logger.warning("request failed", metadata: ["request": "\(record.id)", "error": "\(failure)"])
            }
            return failure.response(headers: headers)
        }
    }

    private func authenticate(_ request: Request) async throws -> (key: VirtualKey, organization: Organization) {
        guard let secret = Self.bearerToken(request) else {
            throw GatewayError.unauthorized("Missing API key. Send 'Authorization: Bearer tg-…'.")
        }
        guard let found = try await accounts.authenticate(secret: secret) else {
            throw GatewayError.unauthorized("Incorrect or revoked API key provided.")
        }
        return found
    }

    static func bearerToken(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        return request.headers[.xAPIKey]
    }

    private func collectJSON(_ response: UpstreamResponse) async throws -> JSONValue {
        let buffer = try await response.collect()
        guard let value = try? JSONValue(parsing: buffer.readableBytesView), value.objectValue != nil else {
            throw UpstreamError(.malformed, provider: response.provider, detail: "the response body is not a JSON object")
        }
        return value
    }

    private func finish(_ record: inout RequestRecord, started: ContinuousClock.Instant) {
        record.latencyMilliseconds = started.millisecondsUntilNow
        records.submit(record)
    }

    static func gatewayError(for error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError: error
        case let error as UpstreamError: .upstream(error)
        default: GatewayError(status: 500, type: "server_error", message: "Internal error: \(error)")
        }
    }
}

extension ContinuousClock.Instant {
    var millisecondsUntilNow: Int64 {
        let elapsed = ContinuousClock.now - self
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
