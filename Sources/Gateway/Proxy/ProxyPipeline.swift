import HTTPTypes
import Hummingbird
import Ledger
import Logging
import NIOCore
import NIOFoundationCompat
import Pricing
import Providers
import Routing
import Storage
import Tokenizers
import TollgateCore
import Tracing

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
    /// Reservation and settlement on the ledger, or off.
    let metering: Metering
    let limiter: RateLimiter
    /// Each key's requests in flight, against its `max_concurrent`.
    let inFlight: InFlightLimiter
    let upstream: UpstreamClient
    let counter: TokenCounter
    let records: RequestRecordWriter
    let idempotency: IdempotencyStore
    let planner: RoutePlanner
    let attempts: AttemptStage
    let cascade: CascadeStage
    let cache: CacheStage
    let affinity: PromptAffinity
    let sinks: OutcomeSinks
    /// Kept answers, for formats with conversation state.
    let responses: ResponseStore
    let clock: any TimeSource
    let logger: Logger

    /// The request path: admission → plan → reserve → attempt (down the plan) → relay → outcome.
    func handle(_ request: Request, format: any WireFormat) async -> Response {
        let id = "req_" + TimeOrderedID().description
        // Traced: the request's span is the parent of its upstream attempts' while it runs.
        guard let trace = sinks.tracing.start(requestID: id, request: request.headers, path: request.uri.path) else {
            return await handle(request, format: format, id: id)
        }
        return await InstrumentationContext.withValue(trace) { await handle(request, format: format, id: id) }
    }

    private func handle(_ request: Request, format: any WireFormat, id: String) async -> Response {
        let started = clock.now()
        let startDate = clock.date()
        var outcome = RequestOutcome(record: RequestRecord(id: id, status: 0, createdAt: startDate))
        var headers: HTTPFields = [.tollgateRequestID: outcome.record.id, .tollgateCache: "bypass"]
        var slot: IdempotencySlot?
        var progress = AttemptStage.Progress()
        var plan: RoutePlan?
        // The key's place among its requests in flight: given back when this returns, unless a
        // stream takes it along.
        var inFlightSlot: InFlightSlot?
        defer { inFlightSlot?.release() }
        do {
            // Admission: key, headers, body, the client's format, idempotency.
            let admitted: AdmittedRequest
            switch try await admit(request, format: format, record: &outcome.record) {
            case .replay(let response):
                sinks.tracing.abandon(requestID: id)
                return response
            case .admitted(let request): admitted = request
            }
            slot = admitted.slot
            if let limit = admitted.caller.key.maxConcurrent {
                guard let place = inFlight.acquire(key: admitted.caller.key.id, limit: limit) else {
                    throw GatewayError.rateLimited("The key has \(limit) requests in flight, its limit (max_concurrent); retry when one is done.",
                                                   code: "concurrency_limit_exceeded", retryAfter: 1)
                }
                inFlightSlot = place
            }
            let profile = admitted.chat.map { PromptProfile(admitted.body, format: admitted.format, chat: $0) }
            if let profile {
                outcome.record.promptHash = profile.digest
                outcome.record.prefixHash = profile.prefixDigest
                outcome.record.promptSize = profile.size
            }
            // Plan: the candidates that can serve it, in the route's order, and why; a session's
            // requests kept on the model its prompt is cached at.
            var (planned, prompt) = try await self.plan(admitted)
            let affinityKey = affinityKey(admitted, profile: profile, plan: planned)
            if let affinityKey { planned = affinity.apply(planned, key: affinityKey.key, subject: affinityKey.subject) }
            plan = planned
            // The response cache: answered from it when a live entry matches.
            let lookup = try profile.flatMap { try cache.decide(admitted, profile: $0, plan: planned, route: planned.route.flatMap(planner.route(named:))) }
            outcome.record.cache = lookup == nil ? "bypass" : "miss"
            headers[.tollgateCache] = outcome.record.cache
            if let lookup, let entry = await cache.find(lookup) {
                return try await answerFromCache(entry, admitted: admitted, plan: planned, outcome: &outcome, headers: &headers,
                                                 started: started, startDate: startDate)
            }
            // Reserve and attempt, down the plan: the reservation follows the candidate tried.
            let limits = rateLimits(admitted.caller, session: admitted.session)
            var admittedTokens: Int64?
            var requestID = outcome.record.id
            let reserve = { (model: ModelDefinition, previous: MeteredRequest?) async throws -> MeteredRequest in
                var worst = try await worstCase(of: admitted, model: model, prompt: prompt, at: startDate)
                if admittedTokens == nil {
                    do {
                        try limiter.admit(limits, tokens: worst.inputTokens)
                    } catch let refusal as RateLimiter.Refusal {
                        // Refused on the prompt's bound: decided on its count instead.
                        guard prompt.isBounded else { throw Self.refusal(refusal, session: admitted.session) }
                        prompt = await prompt.exactly()
                        worst = try await worstCase(of: admitted, model: model, prompt: prompt, at: startDate)
                        do {
                            try limiter.admit(limits, tokens: worst.inputTokens)
                        } catch let refusal as RateLimiter.Refusal {
                            throw Self.refusal(refusal, session: admitted.session)
                        }
                    }
                    admittedTokens = worst.inputTokens
                }
                if let held = previous?.reservation { records.release(held) }
                let onLedger = { (estimate: Meter.Estimate, bounded: Bool) async throws -> Reservation? in
                    try await metering.meter?.reserve(requestID: requestID, key: admitted.caller.key, organization: admitted.caller.organization,
                                                      session: admitted.session, model: model, estimate: estimate, firstPayerOnly: bounded,
                                                      at: startDate)
                }
                let reservation: Reservation?
                do {
                    do {
                        reservation = try await onLedger(worst.estimate, prompt.isBounded)
                    } catch let refusal as GatewayError where refusal.status == 402 && prompt.isBounded {
                        // The bound asks more than is left, or than its first payer holds: reserved
                        // on the prompt's count instead (which also picks the payer).
                        prompt = await prompt.exactly()
                        let exact = try await worstCase(of: admitted, model: model, prompt: prompt, at: startDate)
                        if let admitted = admittedTokens, previous == nil {
                            limiter.adjust(limits, tokens: exact.inputTokens - worst.inputTokens)
                            admittedTokens = admitted + exact.inputTokens - worst.inputTokens
                        }
                        worst = exact
                        reservation = try await onLedger(worst.estimate, false)
                    }
                } catch {
                    if previous == nil { limiter.adjust(limits, tokens: -(admittedTokens ?? 0)) }
                    throw error
                }
                return MeteredRequest(configuration: configuration, organization: admitted.caller.organization, model: model,
                                      startDate: startDate, reservation: reservation, limiter: limiter, limits: limits,
                                      admittedTokens: admittedTokens ?? 0, countedInput: worst.countedInput, records: records, logger: logger)
            }
            var answer = try await attempts.run(planned, admitted: admitted, progress: &progress, reserve: reserve)
            await exactCount(&prompt, into: &progress, answeredBy: answer.model.name)
            if planned.policy == RouteDefinition.Policy.cascade.rawValue {
                // Checked before anything reaches the client; a failing answer is billed on its own
                // record and the next dearer candidate asked.
                while true {
                    let checked = try await cascade.check(answer, admitted: admitted)
                    answer = checked.answer
                    guard let failure = checked.failure,
                          let index = planned.candidates.firstIndex(where: { $0.name == answer.model.name }),
                          index + 1 < planned.candidates.count else { break }
                    var escalated = outcome.record
                    escalated.id = requestID
                    escalated.route = planned.reason + "; cascade: \(answer.model.name) \(failure), escalated"
                    escalated.attempts = progress.attempts
                    // The next call is a request of its own to the ledger and the rate limits; the
                    // client's span follows it, not the escalated answer's record.
                    let next = "req_" + TimeOrderedID().description
                    sinks.tracing.rekey(from: requestID, to: next)
                    await cascade.settleEscalated(checked, record: escalated, metered: progress.metered, started: started)
                    progress.escalations.append("\(answer.model.name) (\(failure); billed as \(requestID))")
                    requestID = next
                    outcome.record.id = requestID
                    headers[.tollgateRequestID] = requestID
                    progress.metered = nil
                    admittedTokens = nil
                    var rest = planned
                    rest.candidates = Array(planned.candidates[(index + 1)...])
                    answer = try await attempts.run(rest, admitted: admitted, progress: &progress, reserve: reserve)
                    await exactCount(&prompt, into: &progress, answeredBy: answer.model.name)
                }
            }
            guard let metered = progress.metered else { throw GatewayError(status: 500, type: "server_error", message: "No reservation.") }
            let model = answer.model
            if let affinityKey { affinity.remember(affinityKey.key, model: model.name) }
            outcome.metered = metered
            outcome.answered = model
            Self.describe(planned, progress, model: model, into: &outcome.record, headers: &headers)
            if !answer.call.dropped.isEmpty { headers[.tollgateDropped] = answer.call.dropped.joined(separator: ", ") }
            outcome.record.streamed = answer.call.streamed

            // Relay: the answer in the client's format, whole or as a stream; then the outcome.
            if let stream = answer.stream {
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                let counter = counter
                let input = metered.countedInput
                var fill: (@Sendable (ChatResponse, TokenUsage) async -> Void)?
                if let lookup {
                    let cache = cache
                    fill = { response, usage in await cache.fill(lookup, response: response, usage: usage, model: model) }
                }
                let relay = StreamRelay(model: model, call: answer.call, metering: metered,
                                        sinks: sinks, idempotency: slot, headers: headers, keep: keeper(for: admitted, record: outcome.record),
                                        fill: fill, logger: logger,
                                        countUsage: { output in await counter.usage(input: input, output: output, model: model) })
                let pending = PendingRecord(outcome, sinks: sinks, started: started, clock: clock)
                // The stream holds the key's place until it ends (or, never started, until it is dropped).
                let streamSlot = inFlightSlot
                inFlightSlot = nil
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    defer { streamSlot?.release() }
                    guard let record = pending.take() else { return }
                    await relay.relay(stream, to: &writer, record: record, started: started, clock: clock)
                })
            }
            return try await relayWhole(answer, admitted: admitted, metered: metered, outcome: &outcome, headers: &headers,
                                        started: started, keep: keeper(for: admitted, record: outcome.record), fill: lookup)
        } catch {
            let failure = Self.gatewayError(for: error)
            outcome.record.status = failure.status
            // The record keeps the provider's and the database's own words, which the client may not see.
            outcome.record.error = error is GatewayError ? failure.message : "\(error)"
            outcome.record.latencyMilliseconds = (clock.now() - started).wholeMilliseconds
            outcome.metered = progress.metered
            if let plan { Self.describe(plan, progress, model: nil, into: &outcome.record, headers: &headers) }
            slot?.release()
            sinks.deliver(outcome)
            if failure.status >= 500 {
                logger.warning("request failed", metadata: ["request": "\(outcome.record.id)", "error": "\(outcome.record.error ?? "")"])
            }
            return format.response(for: failure, headers: headers)
        }
    }

    /// Says in the record and the headers why the request went where it went.
    private static func describe(_ plan: RoutePlan, _ progress: AttemptStage.Progress, model: ModelDefinition?,
                                 into record: inout RequestRecord, headers: inout HTTPFields) {
        var reason = plan.reason
        if plan.lastResort { reason += "; every breaker open, trying the one opened longest ago" }
        if !progress.fallbacks.isEmpty { reason += "; fell back past " + progress.fallbacks.joined(separator: ", ") }
        if !progress.escalations.isEmpty { reason += "; escalated past " + progress.escalations.joined(separator: ", ") }
        record.route = reason
        record.attempts = progress.attempts
        let tried = model ?? progress.attempts.last.flatMap { attempt in plan.candidates.first { $0.name == attempt.model } }
        if let tried {
            record.modelUsed = tried.name
            record.provider = tried.provider.name
            headers[.tollgateModel] = tried.name
            headers[.tollgateProvider] = tried.provider.name
        }
        headers[.tollgateRoute] = reason
        headers[.tollgateAttempts] = String(progress.attempts.count)
    }

    /// What keeps the answer for later turns, when the client's format keeps answers and this
    /// request asks for it; a failure to keep is logged, never the request's failure.
    private func keeper(for admitted: AdmittedRequest, record: RequestRecord) -> (@Sendable (JSONValue) async -> Void)? {
        guard admitted.format.keepsAnswer(admitted.body) else { return nil }
        let (responses, logger) = (responses, logger)
        let input = admitted.format.inputItems(of: admitted.body)
        let (organization, key, requestID) = (admitted.caller.organization.id, admitted.caller.key.id, record.id)
        return { answer in
            guard let id = answer["id"]?.stringValue else { return }
            do {
                try await responses.save(id: id, organization: organization, key: key, input: input, response: answer)
            } catch {
                logger.warning("could not keep the response", metadata: ["request": "\(requestID)", "error": "\(error)"])
            }
        }
    }

    /// A prompt counted beside the call: its exact count for the model that answered, in hand
    /// before the answer is relayed (it bills an answer without usage, a stream cut before its
    /// end), and the rate limits moved from the bound to it. Waits only when counting takes longer
    /// than the provider took to answer.
    private func exactCount(_ prompt: inout PromptCount, into progress: inout AttemptStage.Progress, answeredBy model: String) async {
        guard prompt.isBounded else { return }
        let bound = prompt.admitted[model]
        prompt = await prompt.exactly()
        let exact = prompt.admitted[model]
        guard var metered = progress.metered else { return }
        if let exact, let bound, exact > bound {
            logger.warning("a prompt's count is above the bound it was reserved on", metadata: ["model": "\(model)", "count": "\(exact)", "bound": "\(bound)"])
        }
        metered.countedInput = exact
        if let exact, let bound, metered.admittedTokens == Int64(bound) {
            metered.limiter.adjust(metered.limits, tokens: Int64(exact - bound))
            metered.admittedTokens = Int64(exact)
        }
        progress.metered = metered
    }

    /// Relays a whole answer: its usage read (or counted), priced, and written in the client's format.
    private func relayWhole(_ answer: AttemptStage.Answer, admitted: AdmittedRequest, metered: MeteredRequest,
                            outcome: inout RequestOutcome, headers: inout HTTPFields, started: Duration,
                            keep: (@Sendable (JSONValue) async -> Void)?, fill: CacheStage.Lookup?) async throws -> Response {
        guard let body = answer.body else { throw GatewayError(status: 500, type: "server_error", message: "No answer body.") }
        let model = answer.model
        outcome.record.timeToFirstTokenMilliseconds = (clock.now() - started).wholeMilliseconds
        // Read once: its finish reason, its text when usage must be counted, the cache's copy, a translation.
        let response = answer.call.provider.response(from: body)
        var usage: BillableUsage?
        do {
            usage = try UsageReading.billable(answer.call.usage(of: body))
        } catch {
            logger.warning("unreadable usage from the provider", metadata: ["request": "\(outcome.record.id)", "error": "\(error)"])
        }
        outcome.record.usageSource = usage == nil ? .none : .provider
        if usage == nil,
           let counted = await counter.usage(input: metered.countedInput, output: UpstreamCall.outputText(of: response), model: model) {
            usage = BillableUsage(tokens: counted)
            outcome.record.usageSource = .counted
        }
        outcome.record.finishReason = response.finishReason?.rawValue
        if let fill, let usage { await cache.fill(fill, response: response, usage: usage.tokens, model: model) }
        var reply = answer.call.clientBody(for: body, response: response, usage: usage?.tokens, context: AnswerContext(
            created: Int64(clock.date().timeIntervalSince1970), request: answer.call.clientRequest, requestID: outcome.record.id))
        if let usage { outcome.record.usage = usage.tokens }
        if let usage, let charged = metered.charged(usage) {
            reply["usage"]?["cost"] = .double(charged.approximateUnits)
            reply["usage"]?["cost_currency"] = .string(charged.currency.code)
            headers[.tollgateCost] = charged.description
            if metered.reservation?.paysInTokens == true { headers[.tollgatePackageTokens] = String(usage.tokens.total) }
        }
        headers[.contentType] = "application/json"
        outcome.record.status = 200
        outcome.record.latencyMilliseconds = (clock.now() - started).wholeMilliseconds
        outcome.usage = usage
        sinks.deliver(outcome)
        // Kept before the client has it, so a retrieval right after finds it.
        await keep?(reply)
        let bytes = reply.encodedBytes()
        await admitted.slot?.complete(status: 200, headers: headers.map { ($0.name.canonicalName, $0.value) },
                                      body: String(decoding: bytes, as: UTF8.self))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `POST /v1/messages/count_tokens`: a provider of the client's format that has a count
    /// endpoint counts for itself (exactly); other models are counted with their tokenizer.
    func countTokens(_ request: Request) async -> Response {
        let format = WireFormats.anthropicMessages
        do {
            let caller = try await authenticate(request)
            var body = try await RequestBodyReader.json(request, limit: configuration.maxRequestBodyBytes)
            guard let modelName = body["model"]?.stringValue, !modelName.isEmpty else {
                throw GatewayError.badRequest("'model' is required and must be a string.", param: "model")
            }
            guard body["messages"]?.arrayValue != nil else { throw GatewayError.badRequest("'messages' must be an array.", param: "messages") }
            let model = try plan(modelName, caller: caller).candidates[0]
            let provider = WireFormats.of(model.provider.kind)
            var counted: Int?
            if provider.kind == format.kind, let countPath = provider.countTokensPath {
                body["model"] = .string(model.upstream)
                let headers = provider.upstreamHeaders { name in HTTPField.Name(name).flatMap { request.headers[$0] } }
                let response = try await upstream.post(countPath, json: Data(body.encodedBytes()), to: model.provider, headers: headers)
                // Many Anthropic-style endpoints (DeepSeek's, Kimi's…) have no count_tokens:
                // Tollgate counts itself and says so.
                if [404, 405, 501].contains(response.status) {
                    _ = try? await response.collect()
                } else {
                    guard response.isSuccess else { throw await response.error() }
                    let answer = try JSONValue(parsing: try await response.collect().readableBytesView)
                    guard let count = answer["input_tokens"]?.intValue else {
                        throw UpstreamError(.malformed, provider: model.provider.name, detail: "no input_tokens in the count")
                    }
                    counted = count
                }
            }
            let source = counted == nil ? "tollgate" : "provider"
            if counted == nil {
                let chat = try format.chatRequest(from: body, strict: false)
                guard let count = try await counter.input(of: chat, model: model) else {
                    throw GatewayError(status: 400, type: "invalid_request_error", code: "no_tokenizer",
                                       message: "No tokenizer is known for '\(model.name)': set its tokenizer in the configuration.")
                }
                counted = count
            }
            let reply: JSONValue = ["input_tokens": .int(Int64(counted ?? 0))]
            return Response(status: .ok, headers: [.contentType: "application/json", .tollgateModel: model.name, .tollgateCountSource: source],
                            body: .init(byteBuffer: ByteBuffer(bytes: reply.encodedBytes())))
        } catch {
            return format.response(for: Self.gatewayError(for: error))
        }
    }

    func authenticate(_ request: Request) async throws -> Caller {
        try await Self.authenticate(request, accounts: accounts)
    }

    /// The caller a request's key belongs to; 401 for a missing, unknown or revoked key.
    static func authenticate(_ request: Request, accounts: AccountStore) async throws -> Caller {
        guard let secret = bearerToken(request) else {
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
        case let error as RoutingError: .routing(error)
        case let error as RequestError: .badRequest(error.message, param: error.param)
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
