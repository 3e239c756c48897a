import Logging
import NIOCore
import Providers
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The attempt stage: calls the plan's candidates in order until one answers.
///
/// A retryable failure (connect error, timeout, 429, 5xx, a malformed answer, a stream that fails
/// before its first byte) is tried again on the same candidate after a backoff (its `retry-after`
/// when it sent one), then on the next candidate; a failure that judges the request itself (400)
/// ends the request. Nothing has reached the client before an answer is returned from here: a
/// whole answer is read to its end, a stream to its first bytes.
struct AttemptStage: Sendable {
    let upstream: UpstreamClient
    let health: RouteHealth
    let retry: RetryPolicy
    let tracing: RequestTracing
    let logger: Logger

    /// What answered: the candidate, the call made to it and what came back.
    struct Answer: Sendable {
        let model: ModelDefinition
        let call: UpstreamCall
        let response: UpstreamResponse
        /// A whole answer, read and parsed.
        let body: JSONValue?
        /// A stream, with its first bytes already read.
        let stream: UpstreamStream?
    }

    /// The calls made so far, and the reservation held for the candidate being tried.
    struct Progress: Sendable {
        var attempts: [AttemptRecord] = []
        var metered: MeteredRequest?
        /// The candidates moved past after a failure, and why (for `x-tollgate-route`).
        var fallbacks: [String] = []
        /// The answers a cascade checked and moved past, and why (for `x-tollgate-route`).
        var escalations: [String] = []
    }

    /// - Parameter reserve: holds the request's worst case for a candidate, releasing what was held
    ///   for the previous one; called before a candidate's first call.
    func run(_ plan: RoutePlan, admitted: AdmittedRequest, progress: inout Progress,
             reserve: (ModelDefinition, MeteredRequest?) async throws -> MeteredRequest) async throws -> Answer {
        var random = SystemRandomNumberGenerator()
        var lastFailure: (any Error)?
        for model in plan.candidates {
            guard progress.attempts.count < retry.maxAttempts else { break }
            guard health.acquire(model, force: plan.lastResort) else {
                progress.fallbacks.append("\(model.name) (circuit open)")
                continue
            }
            let call: UpstreamCall
            do {
                call = try UpstreamCall(client: admitted.format, body: admitted.body, model: model, clientHeaders: admitted.headers)
            } catch {
                // This candidate cannot be spoken to in the client's terms; another may be.
                health.release(model)
                progress.fallbacks.append("\(model.name) (cannot translate)")
                lastFailure = error
                continue
            }
            do {
                progress.metered = try await reserve(model, progress.metered)
            } catch {
                health.release(model)
                throw error
            }
            var failures = 0
            while true {
                let started = health.clock.now()
                do {
                    let answer = try await attempt(call, model: model)
                    progress.attempts.append(AttemptRecord(model: model.name, provider: model.provider.name, status: answer.response.status,
                                                           latencyMilliseconds: (health.clock.now() - started).wholeMilliseconds))
                    return answer
                } catch let failure as UpstreamError {
                    if Task.isCancelled {
                        // The client went away: not the provider's failure.
                        health.release(model)
                        throw CancellationError()
                    }
                    progress.attempts.append(AttemptRecord(model: model.name, provider: model.provider.name, status: failure.status,
                                                           latencyMilliseconds: (health.clock.now() - started).wholeMilliseconds,
                                                           error: failure.description))
                    health.record(model, failed: failure.isRetryable)
                    guard failure.isRetryable else { throw failure }
                    lastFailure = failure
                    failures += 1
                    logger.info("upstream attempt failed", metadata: ["model": "\(model.name)", "error": "\(failure)"])
                    guard progress.attempts.count < retry.maxAttempts,
                          let delay = retry.delay(afterFailure: failures, retryAfter: RetryPolicy.retryAfter(failure.retryAfter), using: &random)
                    else { break }
                    try await health.clock.sleep(for: delay)
                    guard health.acquire(model) else { break }
                }
            }
            progress.fallbacks.append("\(model.name) (\(Self.summary(lastFailure)))")
        }
        // Nothing was tried: every candidate's breaker is probing already.
        throw lastFailure ?? GatewayError(status: 503, type: "service_unavailable", code: "no_healthy_candidate",
                                          message: "Every candidate is being probed after failing; retry shortly.", retryAfter: "1")
    }

    /// One call: the response head, then the whole body (or a stream's first bytes).
    private func attempt(_ call: UpstreamCall, model: ModelDefinition) async throws -> Answer {
        try await tracing.attempt(model, operation: RequestTracing.operation(path: call.path), headers: call.headers) { headers in
            let response = try await upstream.post(call.path, json: Data(call.body.encodedBytes()), to: model.provider, headers: headers)
            guard response.isSuccess else { throw await response.error() }
            if call.streamed {
                let stream = try await response.openStream()
                return Answer(model: model, call: call, response: response, body: nil, stream: stream)
            }
            let buffer = try await response.collect()
            guard let body = try? JSONValue(parsing: buffer.readableBytesView), body.objectValue != nil else {
                throw UpstreamError(.malformed, provider: response.provider, detail: "the response body is not a JSON object")
            }
            return Answer(model: model, call: call, response: response, body: body, stream: nil)
        }
    }

    private static func summary(_ failure: (any Error)?) -> String {
        guard let failure = failure as? UpstreamError else { return "failed" }
        switch failure.kind {
        case .status(let status): return "\(status)"
        case .unreachable: return "unreachable"
        case .timeout: return "timeout"
        case .malformed: return "malformed"
        case .truncated: return "cut"
        }
    }
}
