import HTTPTypes
import Hummingbird
import NIOCore
import Pricing
import Providers
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The admission and plan stages, and what a request must pass before it is sent: its session's
/// name, rate limits, its worst case.
extension ProxyPipeline {
    enum Admitted {
        case admitted(AdmittedRequest)
        /// An idempotent retry, answered with the first request's response.
        case replay(Response)
    }

    /// Admission: the key, Tollgate's headers, the body in the client's format, its idempotency key.
    func admit(_ request: Request, format: any WireFormat, record: inout RequestRecord) async throws -> Admitted {
        let caller = try await authenticate(request)
        record.keyID = caller.key.id
        record.organizationID = caller.organization.id
        record.team = caller.key.team
        let session = try Self.session(of: request)
        record.sessionID = session
        (record.endUser, record.tags) = try Self.attribution(of: request)
        var body = try await RequestBodyReader.json(request, limit: configuration.maxRequestBodyBytes)
        let modelName = try format.validate(body)
        // A turn that continues a kept response carries the whole conversation from here on: it
        // is counted, reserved, sent and billed as such.
        if let previous = format.previousResponseID(of: body) {
            guard let stored = try await responses.find(id: previous, organization: caller.organization.id) else {
                throw GatewayError(status: 404, type: "invalid_request_error", code: "previous_response_not_found",
                                   message: "Previous response with id '\(previous)' not found.", param: "previous_response_id")
            }
            body = format.continuing(body, history: stored.input + stored.output)
        }
        record.modelRequested = modelName
        var slot: IdempotencySlot?
        if let key = try IdempotencyStore.key(of: request.headers[.idempotencyKey]) {
            switch try await idempotency.claim(organization: caller.organization.id, key: key, path: request.uri.path, body: body,
                                               requestID: record.id) {
            case .run(let claimed):
                slot = claimed
            case .replay(let status, let stored, let text):
                // The first request's answer: not sent upstream, not charged, not recorded again.
                var replayed = HTTPFields()
                for (name, value) in stored { if let field = HTTPField.Name(name) { replayed[field] = value } }
                replayed[.tollgateIdempotentReplay] = "true"
                return .replay(Response(status: .init(code: status), headers: replayed, body: .init(byteBuffer: ByteBuffer(string: text))))
            }
        }
        let chat = try? format.chatRequest(from: body, strict: false)
        return .admitted(AdmittedRequest(format: format, caller: caller, body: body, modelName: modelName, session: session,
                                         headers: request.headers, slot: slot, chat: chat))
    }

    /// Plan: the route for an admitted request, and its prompt counted by each candidate's
    /// tokenizer — or, long enough and within every candidate's window by its size, bounded by
    /// that and counted beside the call (``PromptCount``).
    func plan(_ admitted: AdmittedRequest) async throws -> (RoutePlan, PromptCount) {
        var count = PromptCount.counted([:])
        let candidates = admitted.chat == nil ? [] : planner.candidates(for: admitted.modelName)
        if let chat = admitted.chat {
            if let bounds = await bounds(of: admitted, chat: chat, candidates: candidates) {
                let counter = counter
                count = .bounded(bounds, counting: Task { await Self.count(chat, for: candidates, with: counter) })
            } else {
                count = .counted(await Self.count(chat, for: candidates, with: counter))
            }
        } else if let inputs = admitted.format.embeddingInputs(of: admitted.body) {
            var counted: [String: Int] = [:]
            for model in planner.candidates(for: admitted.modelName) {
                counted[model.name] = await counter.input(of: inputs, model: model)
            }
            count = .counted(counted)
        }
        var requirements = Self.requirements(of: admitted.caller)
        requirements.capabilities = admitted.neededCapabilities
        requirements.promptTokens = count.admitted
        requirements.maxOutputTokens = admitted.maxOutputTokens
        requirements.streamed = admitted.streamed
        if let chat = admitted.chat, planner.route(named: admitted.modelName)?.policy == .auto {
            requirements.features = PromptFeatures(chat)
        }
        return (try plan(admitted.modelName, requirements), count)
    }

    /// Each candidate's bound of a long prompt (``PromptCount``), when every candidate has one that
    /// fits its context window with the output the request allows; `nil`: count it first.
    private func bounds(of admitted: AdmittedRequest, chat: ChatRequest, candidates: [ModelDefinition]) async -> [String: Int]? {
        let hasImages = chat.messages.contains { $0.content.contains { if case .image = $0 { true } else { false } } }
        guard !hasImages, !candidates.isEmpty else { return nil }
        let bytes = admitted.body.encodedBytes().count
        guard bytes >= PromptCount.boundedFromBytes else { return nil }
        var bounds: [String: Int] = [:]
        for model in candidates {
            var tools = 0
            if let chatCounter = await counter.counter(for: model) {
                guard PromptCount.boundsByBytes(chatCounter.encoding.name),
                      let counted = chat.tools.isEmpty ? 0 : try? chatCounter.count([], tools: chat.tools) else { return nil }
                tools = counted
            }
            guard let bound = PromptCount.bound(bytes: bytes, toolTokens: tools),
                  PromptCount.fits(bound, maxOutputTokens: admitted.maxOutputTokens, window: model.contextWindow) else { return nil }
            bounds[model.name] = bound
        }
        return bounds
    }

    /// The prompt's input tokens by each candidate's tokenizer (each tokenizer counts once).
    private static func count(_ chat: ChatRequest, for candidates: [ModelDefinition], with counter: TokenCounter) async -> [String: Int] {
        var counted: [String: Int] = [:]
        var byTokenizer: [String: Int] = [:]
        for model in candidates {
            let tokenizer = model.tokenizer ?? "model:" + model.upstream
            if let count = byTokenizer[tokenizer] {
                counted[model.name] = count
            } else if let count = try? await counter.input(of: chat, model: model) {
                byTokenizer[tokenizer] = count
                counted[model.name] = count
            }
        }
        return counted
    }

    /// A plan for `name` with only the key's, its organization's and the price's constraints.
    func plan(_ name: String, caller: Caller) throws -> RoutePlan {
        try plan(name, Self.requirements(of: caller))
    }

    /// What the caller allows: the key's models, the key's and its organization's regions, its currency.
    private static func requirements(of caller: Caller) -> RouteRequirements {
        RouteRequirements(allows: { [key = caller.key] in key.allows(model: $0) },
                          allowedRegions: RouteRequirements.regions(caller.key.allowedRegions, caller.organization.allowedRegions),
                          currency: caller.organization.currency)
    }

    private func plan(_ name: String, _ requirements: RouteRequirements) throws -> RoutePlan {
        var random = SystemRandomNumberGenerator()
        let date = clock.date()
        let plan = try planner.plan(name, for: requirements, quote: { configuration.quote(of: $0, at: date) }, using: &random)
        guard !plan.candidates.isEmpty else {
            throw GatewayError(status: 503, type: "service_unavailable", code: "no_healthy_candidate",
                               message: "No candidate for '\(name)' can be tried: \(plan.reason).", retryAfter: "1")
        }
        return plan
    }

    /// The agent session named by `x-tollgate-session`: 1–128 of letters, digits and `._:-`.
    static func session(of request: Request) throws -> String? {
        guard let value = request.headers[.tollgateSession] else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "._:-".utf8.contains(byte)
        }
        guard (1...128).contains(value.utf8.count), allowed else {
            throw GatewayError.badRequest("'x-tollgate-session' must be 1 to 128 letters, digits or '._:-'.")
        }
        return value
    }

    /// Who the request is for (`x-tollgate-user`, at most 256 bytes) and its tags
    /// (`x-tollgate-tags`, comma-separated, at most 16 of 64 bytes each), for the record.
    static func attribution(of request: Request) throws -> (user: String?, tags: [String]) {
        let user = request.headers[.tollgateUser]
        if let user, user.utf8.count > 256 { throw GatewayError.badRequest("'x-tollgate-user' is longer than 256 bytes.") }
        let tags = (request.headers[.tollgateTags] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard tags.count <= 16, tags.allSatisfy({ $0.utf8.count <= 64 }) else {
            throw GatewayError.badRequest("'x-tollgate-tags' takes at most 16 comma-separated tags of at most 64 bytes.")
        }
        return (user, tags)
    }

    /// The rate limits that apply: the key's, its team's, and the session runaway guard.
    func rateLimits(_ caller: Caller, session: String?) -> [RateLimiter.Limit] {
        var limits = [RateLimiter.Limit(subject: "key:\(caller.key.id)", requestsPerMinute: caller.key.requestsPerMinute,
                                        tokensPerMinute: caller.key.tokensPerMinute)]
        if let team = caller.team {
            limits.append(.init(subject: "team:\(team.organizationID)/\(team.name)", requestsPerMinute: team.requestsPerMinute,
                                tokensPerMinute: team.tokensPerMinute))
        }
        if let session {
            limits.append(.init(subject: "session:\(caller.organization.id)/\(session)",
                                requestsPerMinute: configuration.metering.sessionRequestsPerMinute,
                                tokensPerMinute: configuration.metering.sessionTokensPerMinute))
        }
        return limits
    }

    static func refusal(_ error: RateLimiter.Refusal, session: String?) -> GatewayError {
        if error.retryAfterSeconds == 0 {
            return GatewayError(status: 400, type: "invalid_request_error", code: "request_exceeds_rate_limit",
                                message: "This request's input alone is more than the \(error.limit) tokens per minute allowed "
                                    + "(\(error.subject.split(separator: ":").first ?? "limit")); it can never pass. Send less.")
        }
        if error.subject.hasPrefix("session:"), let session {
            return .rateLimited("Session '\(session)' looks like a runaway: it passed \(error.limit) \(error.dimension) per minute. "
                                    + "It is refused until it slows down; retry after \(error.retryAfterSeconds) s.",
                                code: "session_runaway", retryAfter: error.retryAfterSeconds)
        }
        let subject = error.subject.hasPrefix("team:") ? "team '\(error.subject.split(separator: "/").last ?? "")'"
                                                       : "key \(error.subject.dropFirst("key:".count))"
        return .rateLimited("Rate limit of \(subject): \(error.limit) \(error.dimension) per minute. Retry after \(error.retryAfterSeconds) s.",
                            code: "rate_limit_exceeded", retryAfter: error.retryAfterSeconds)
    }

    /// The request's input tokens by the model's tokenizer (by its size in bytes when the model has
    /// none: no token is shorter than a byte), and the worst case it could cost: that input at the
    /// dearest input rate (plain or cache write) plus all the output it allows — its
    /// `max_tokens` (times `n`), else the model's cap under `metering.max_reserved_output_tokens`.
    ///
    /// The input is reserved with a margin (10% and 16 tokens): providers bill tokens no client
    /// tokenizer sees (chat templates, hidden system prompts), and a request that settles above
    /// its reservation is the only way a hard budget can be passed at all.
    func worstCase(of admitted: AdmittedRequest, model: ModelDefinition, prompt: PromptCount,
                   at date: Date) async throws -> (inputTokens: Int64, countedInput: Int?, estimate: Meter.Estimate) {
        let body = admitted.body
        let format = admitted.format
        let organization = admitted.caller.organization
        let counted = prompt.isBounded ? nil : prompt.admitted[model.name]
        let bound = prompt.isBounded ? prompt.admitted[model.name] : nil
        let input = bound ?? counted.map { $0 + $0 / 10 + 16 } ?? body.encodedBytes().count
        let requested = admitted.maxOutputTokens
        let ceiling = configuration.metering.maxReservedOutputTokens
        let choices = format.choices(of: body)
        let output = (requested.map { max(0, $0) } ?? min(model.maxOutputTokens ?? ceiling, ceiling)) * choices
        let plain = try configuration.sellCost(of: BillableUsage(tokens: TokenUsage(input: input, output: output)), for: model, at: date,
                                               organization: organization)
        let written = try configuration.sellCost(of: BillableUsage(tokens: TokenUsage(cacheWrite: input, output: output)), for: model,
                                                 at: date, organization: organization)
        return (Int64(counted ?? input), counted, Meter.Estimate(tokens: Int64(input + output), sell: max(plain, written)))
    }
}
