import HTTPTypes
import Providers
import Routing
import Synchronization
import TollgateCore
import Tracing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Traces of proxied requests, following OpenTelemetry's GenAI semantic conventions: a server span
/// for each request — continuing the client's trace when it sends `traceparent` — and a client span
/// for each upstream attempt, whose context goes upstream in the attempt's headers.
///
/// Off (no tracer) costs one branch per request. On, the request's span is opened when it arrives,
/// found again by the request's id when its outcome is delivered (after the last byte of a
/// stream), given the outcome's attributes and ended. Keys, prompts and answers are never put in
/// a span.
public final class RequestTracing: Sendable {
    let tracer: (any Tracer)?
    private let open = Mutex<[String: OpenSpan]>([:])

    private struct OpenSpan: Sendable {
        let span: any Span
        let operation: String
        let opened: ContinuousClock.Instant
    }

    /// Spans whose request never delivered an outcome (a replayed idempotent request, a client gone
    /// before its stream began) are ended after this long.
    static let abandonAfter: Duration = .seconds(3600)

    public init(tracer: (any Tracer)?) {
        self.tracer = tracer
    }

    /// The operation a client format names, as the conventions spell it.
    static func operation(path: String) -> String {
        path.hasSuffix("/embeddings") ? "embeddings" : "chat"
    }

    /// Opens the request's span, continuing the trace the client's headers carry.
    func start(requestID: String, request headers: HTTPFields, path: String) -> InstrumentationContext? {
        guard let tracer else { return nil }
        var context = InstrumentationContext.topLevel
        tracer.extract(headers, into: &context, using: HeaderExtractor())
        let operation = Self.operation(path: path)
        let span = tracer.startSpan(operation, context: context, ofKind: .server)
        span.attributes["gen_ai.operation.name"] = operation
        span.attributes["tollgate.request.id"] = requestID
        span.attributes["http.request.method"] = "POST"
        span.attributes["url.path"] = path
        let now = ContinuousClock.now
        open.withLock { open in
            open[requestID] = OpenSpan(span: span, operation: operation, opened: now)
            if open.count % 1024 == 0 {
                for (id, entry) in open where now - entry.opened > Self.abandonAfter {
                    entry.span.attributes["error.type"] = "abandoned"
                    entry.span.end()
                    open[id] = nil
                }
            }
        }
        return span.context
    }

    /// Moves the span to the request's new id (a cascade bills an escalated answer under the old
    /// one and carries on under a new one), so only the request's last outcome ends it.
    func rekey(from old: String, to new: String) {
        guard tracer != nil else { return }
        open.withLock { open in if let entry = open.removeValue(forKey: old) { open[new] = entry } }
    }

    /// Ends the span of a request that delivers no outcome.
    func abandon(requestID: String) {
        guard tracer != nil, let entry = open.withLock({ $0.removeValue(forKey: requestID) }) else { return }
        entry.span.end()
    }

    /// Gives the request's span the outcome's attributes and ends it.
    func finish(_ record: RequestRecord) {
        guard tracer != nil, let entry = open.withLock({ $0.removeValue(forKey: record.id) }) else { return }
        let span = entry.span
        span.attributes["tollgate.request.id"] = record.id
        if let model = record.modelRequested {
            span.operationName = "\(entry.operation) \(model)"
            span.attributes["gen_ai.request.model"] = model
        }
        if let model = record.modelUsed { span.attributes["gen_ai.response.model"] = model }
        if let provider = record.provider { span.attributes["gen_ai.provider.name"] = provider }
        if let session = record.sessionID { span.attributes["gen_ai.conversation.id"] = session }
        if let reason = record.finishReason { span.attributes["gen_ai.response.finish_reasons"] = [reason] }
        if record.status < 400 || record.usage.total > 0 {
            span.attributes["gen_ai.usage.input_tokens"] = record.usage.totalInput
            span.attributes["gen_ai.usage.output_tokens"] = record.usage.totalOutput
            span.attributes["tollgate.usage.cached_input_tokens"] = record.usage.cachedInput
            span.attributes["tollgate.usage.cache_write_tokens"] = record.usage.cacheWrite
            span.attributes["tollgate.usage.reasoning_tokens"] = record.usage.reasoning
        }
        if let cost = record.cost {
            span.attributes["tollgate.cost"] = cost.decimalString
            span.attributes["tollgate.cost.currency"] = cost.currency.code
        }
        if let organization = record.organizationID { span.attributes["tollgate.organization.id"] = organization }
        if let route = record.route { span.attributes["tollgate.route"] = route }
        if let cache = record.cache { span.attributes["tollgate.cache"] = cache }
        span.attributes["tollgate.attempts"] = record.attempts.count
        span.attributes["tollgate.streamed"] = record.streamed
        span.attributes["http.response.status_code"] = record.status
        if let ttft = record.timeToFirstTokenMilliseconds { span.attributes["tollgate.time_to_first_token_ms"] = Int(ttft) }
        if record.status >= 400 {
            span.attributes["error.type"] = String(record.status)
            span.setStatus(SpanStatus(code: .error, message: record.error))
        }
        span.end()
    }

    /// Runs one upstream attempt in a client span under the request's, with the span's context in
    /// the headers `call` receives.
    func attempt<Answer>(_ model: ModelDefinition, operation: String, headers: [(String, String)],
                         _ call: ([(String, String)]) async throws -> Answer) async throws -> Answer {
        guard let tracer, let parent = InstrumentationContext.current else { return try await call(headers) }
        let span = tracer.startSpan("\(operation) \(model.upstream)", context: parent, ofKind: .client)
        span.attributes["gen_ai.operation.name"] = operation
        span.attributes["gen_ai.provider.name"] = model.provider.name
        span.attributes["gen_ai.request.model"] = model.upstream
        span.attributes["tollgate.model"] = model.name
        if let url = URL(string: model.provider.baseURL), let host = url.host {
            span.attributes["server.address"] = host
            if let port = url.port { span.attributes["server.port"] = port }
        }
        var carrier: [(String, String)] = []
        tracer.inject(span.context, into: &carrier, using: HeaderInjector())
        defer { span.end() }
        do {
            return try await call(headers + carrier)
        } catch let failure as UpstreamError {
            if let status = failure.status { span.attributes["http.response.status_code"] = status }
            span.attributes["error.type"] = failure.status.map(String.init) ?? "\(failure.kind)"
            span.setStatus(SpanStatus(code: .error, message: failure.description))
            throw failure
        } catch {
            span.attributes["error.type"] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}

/// Reads trace context (`traceparent`, `tracestate`, baggage) from request headers.
struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}

/// Writes trace context into an upstream call's headers.
struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) {
        carrier.append((key, value))
    }
}
