import HTTPTypes
import Hummingbird
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import Pricing
import Providers
import Storage
import Tokenizers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The request path for every proxied request, whatever format the client and the provider
/// speak: authenticate, check, forward (translating when the formats differ), relay the answer,
/// price it, record it. One path, so billing cannot differ between formats.
struct ProxyPipeline: Sendable {
    let configuration: GatewayConfiguration
    let accounts: AccountStore
    /// `nil` when metering is off.
    let meter: Meter?
    let limiter: RateLimiter
    let upstream: UpstreamClient
    let counter: TokenCounter
    let records: RequestRecordWriter
    let idempotency: IdempotencyStore
    let logger: Logger

    func handle(_ request: Request, format: ClientFormat) async -> Response {
        let started = ContinuousClock.now
        let startDate = Date()
        var record = RequestRecord(id: "req_" + TimeOrderedID().description, status: 0, createdAt: startDate)
        var headers: HTTPFields = [.tollgateRequestID: record.id]
        var metering: MeteredRequest?
        var slot: IdempotencySlot?
        do {
            let caller = try await authenticate(request)
            let organization = caller.organization
            record.keyID = caller.key.id
            record.organizationID = organization.id
            record.team = caller.key.team
            let session = try Self.session(of: request)
            record.sessionID = session
            (record.endUser, record.tags) = try Self.attribution(of: request)
            let body = try await RequestBodyReader.json(request, limit: configuration.maxRequestBodyBytes)
            let modelName = try format.validate(body)
            record.modelRequested = modelName
            if let key = try IdempotencyStore.key(of: request.headers[.idempotencyKey]) {
                switch try await idempotency.claim(organization: organization.id, key: key, path: request.uri.path, body: body,
                                                   requestID: record.id) {
                case .run(let claimed):
                    slot = claimed
                case .replay(let status, let stored, let text):
                    // The first request's answer: not sent upstream, not charged, not recorded again.
                    var replayed = HTTPFields()
                    for (name, value) in stored { if let field = HTTPField.Name(name) { replayed[field] = value } }
                    replayed[.tollgateIdempotentReplay] = "true"
                    return Response(status: .init(code: status), headers: replayed, body: .init(byteBuffer: ByteBuffer(string: text)))
                }
            }
            let resolution = try ModelResolver(configuration: configuration)
                .resolve(modelName, allowed: caller.key.allows(model:), currency: organization.currency)
            let model = resolution.model
            record.modelUsed = model.name
            record.provider = model.provider.name
            headers[.tollgateModel] = model.name
            headers[.tollgateProvider] = model.provider.name
            headers[.tollgateRoute] = resolution.reason

            // Admission: rate limits on the input, then the worst case reserved on the ledger.
            let worst = try await worstCase(of: body, format: format, model: model, organization: organization, at: startDate)
            let limits = rateLimits(caller, session: session)
            do {
                try limiter.admit(limits, tokens: worst.inputTokens)
            } catch {
                throw Self.refusal(error, session: session)
            }
            let reservation: Reservation?
            do {
                reservation = try await meter?.reserve(requestID: record.id, key: caller.key, organization: organization, session: session,
                                                       model: model, estimate: worst.estimate, at: startDate)
            } catch {
                limiter.adjust(limits, tokens: -worst.inputTokens)
                throw error
            }
            let metered = MeteredRequest(configuration: configuration, organization: organization, model: model, startDate: startDate,
                                         reservation: reservation, limiter: limiter, limits: limits, admittedTokens: worst.inputTokens,
                                         countedInput: worst.countedInput,
                                         records: records, logger: logger)
            metering = metered

            let call = try UpstreamCall(client: format, body: body, model: model, clientHeaders: request.headers)
            record.streamed = call.streamed
            let response = try await upstream.post(call.path, json: Data(call.body.encodedBytes()), to: model.provider,
                                                   headers: call.headers)
            guard response.isSuccess else { throw await response.error() }
            if call.streamed {
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                let counter = counter
                let relay = StreamRelay(model: model, client: format, clientWantsUsage: call.clientWantsUsage, metering: metered,
                                        idempotency: slot, headers: headers, logger: logger,
                                        countUsage: { output in await counter.usage(of: body, format: format, output: output, model: model) })
                let pending = PendingRecord(record, metering: metered, started: started)
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    guard let record = pending.take() else { return }
                    await relay.relay(response, to: &writer, record: record, started: started)
                })
            }
            record.timeToFirstTokenMilliseconds = started.millisecondsUntilNow
            let buffer = try await response.collect()
            guard let answer = try? JSONValue(parsing: buffer.readableBytesView), answer.objectValue != nil else {
                throw UpstreamError(.malformed, provider: response.provider, detail: "the response body is not a JSON object")
            }
            var usage: BillableUsage?
            do {
                usage = try UsageReading.billable(call.usage(of: answer))
            } catch {
                logger.warning("unreadable usage from the provider", metadata: ["request": "\(record.id)", "error": "\(error)"])
            }
            record.usageSource = usage == nil ? .none : .provider
            if usage == nil, let counted = await counter.usage(of: body, format: format, output: call.outputText(of: answer), model: model) {
                usage = BillableUsage(tokens: counted)
                record.usageSource = .counted
            }
            var reply = call.clientBody(for: answer, usage: usage?.tokens)
            if let usage { record.usage = usage.tokens }
            if let usage, let charged = metered.charged(usage) {
                reply["usage"]?["cost"] = .double(charged.approximateUnits)
                reply["usage"]?["cost_currency"] = .string(charged.currency.code)
                headers[.tollgateCost] = charged.description
                if reservation?.paysInTokens == true { headers[.tollgatePackageTokens] = String(usage.tokens.total) }
            }
            headers[.contentType] = "application/json"
            record.status = 200
            record.latencyMilliseconds = started.millisecondsUntilNow
            metered.finish(record, usage: usage)
            let bytes = reply.encodedBytes()
            await slot?.complete(status: 200, headers: headers.map { ($0.name.canonicalName, $0.value) },
                                 body: String(decoding: bytes, as: UTF8.self))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch {
            let failure = Self.gatewayError(for: error)
            record.status = failure.status
            // The record keeps the provider's and the database's own words, which the client may not see.
            record.error = error is GatewayError ? failure.message : "\(error)"
            record.latencyMilliseconds = started.millisecondsUntilNow
            slot?.release()
            if let metering { metering.finish(record, usage: nil) } else { records.submit(record) }
            if failure.status >= 500 {
                logger.warning("request failed", metadata: ["request": "\(record.id)", "error": "\(record.error ?? "")"])
            }
            return format.response(for: failure, headers: headers)
        }
    }

    /// `POST /v1/messages/count_tokens`: an Anthropic provider counts for itself (exactly); other
    /// models are counted with their tokenizer.
    func countTokens(_ request: Request) async -> Response {
        let format = ClientFormat.anthropic
        do {
            let caller = try await authenticate(request)
            var body = try await RequestBodyReader.json(request, limit: configuration.maxRequestBodyBytes)
            guard let modelName = body["model"]?.stringValue, !modelName.isEmpty else {
                throw GatewayError.badRequest("'model' is required and must be a string.", param: "model")
            }
            guard body["messages"]?.arrayValue != nil else { throw GatewayError.badRequest("'messages' must be an array.", param: "messages") }
            let model = try ModelResolver(configuration: configuration)
                .resolve(modelName, allowed: caller.key.allows(model:), currency: caller.organization.currency).model
            let tokens: Int
            if model.provider.kind == .anthropic {
                body["model"] = .string(model.upstream)
                let call = try UpstreamCall(client: format, body: body, model: model, clientHeaders: request.headers)
                let response = try await upstream.post("/messages/count_tokens", json: Data(body.encodedBytes()), to: model.provider,
                                                       headers: call.headers)
                guard response.isSuccess else { throw await response.error() }
                let answer = try JSONValue(parsing: try await response.collect().readableBytesView)
                guard let count = answer["input_tokens"]?.intValue else {
                    throw UpstreamError(.malformed, provider: model.provider.name, detail: "no input_tokens in the count")
                }
                tokens = count
            } else {
                let chat = try AnthropicMessagesFormat.request(from: body, strict: false)
                guard let count = try await counter.input(of: chat, model: model) else {
                    throw GatewayError(status: 400, type: "invalid_request_error", code: "no_tokenizer",
                                       message: "No tokenizer is known for '\(model.name)': set its tokenizer in the configuration.")
                }
                tokens = count
            }
            let reply: JSONValue = ["input_tokens": .int(Int64(tokens))]
            return Response(status: .ok, headers: [.contentType: "application/json", .tollgateModel: model.name],
                            body: .init(byteBuffer: ByteBuffer(bytes: reply.encodedBytes())))
        } catch {
            return format.response(for: Self.gatewayError(for: error))
        }
    }

    private func authenticate(_ request: Request) async throws -> Caller {
        guard let secret = Self.bearerToken(request) else {
            throw GatewayError.unauthorized("Missing API key. Send 'Authorization: Bearer tg-…' or 'x-api-key: tg-…'.")
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

    static func gatewayError(for error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError: error
        case let error as UpstreamError: .upstream(error)
        case let error as TokenizerError:
            GatewayError(status: 400, type: "invalid_request_error", code: "cannot_count", message: "The request cannot be counted: \(error)")
        case let error as PricingError:
            GatewayError(status: 503, type: "service_unavailable", code: "model_unpriced", message: "The model cannot be priced: \(error)")
        case let error as TranslationError:
            .badRequest("\(error.description). The request cannot be translated for this model's provider.", param: error.parameter)
        case _ where StorageError.isDatabaseError(error) || error is TransferError || error is AccountError:
            // The database's words (SQL, account ids) stay in the log and the record.
            GatewayError(status: 503, type: "service_unavailable", code: "storage_unavailable",
                         message: "The gateway's database cannot be reached or refused the request; retry.", retryAfter: "1")
        default: GatewayError(status: 500, type: "server_error", message: "Internal error; the request record has the detail.")
        }
    }
}

extension ContinuousClock.Instant {
    var millisecondsUntilNow: Int64 {
        let elapsed = ContinuousClock.now - self
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
