import Hummingbird
import Logging
import NIOCore
import Providers
import TollgateCore

/// Relays a provider's event stream to the client event by event, as it arrives.
///
/// Every event is written before the next is read, so a slow client slows the read from the
/// provider (backpressure) instead of filling memory. The usage event Tollgate asked for is
/// priced (`usage.cost`, `usage.cost_currency`) and passed on only if the client asked for it
/// too. A client that goes away ends the relay, which abandons — and so cancels — the upstream
/// request; the record is written either way.
struct StreamRelay: Sendable {
    let model: ModelDefinition
    let clientWantsUsage: Bool
    let records: RequestRecordWriter
    let logger: Logger

    private enum Outcome {
        case completed
        case clientGone(any Error)
        case upstreamFailed(UpstreamError)
    }

    func relay(_ response: UpstreamResponse, to writer: inout any ResponseBodyWriter,
               record initial: RequestRecord, started: ContinuousClock.Instant) async {
        var record = initial
        record.status = 200
        var parser = ServerSentEventParser()
        var sawDone = false
        var outcome = Outcome.completed
        do {
            upstream: for try await chunk in response.body {
                for event in parser.feed(chunk.readableBytesView) {
                    if event.data == "[DONE]" {
                        sawDone = true
                        guard try await send(ServerSentEvent(data: "[DONE]"), to: &writer, outcome: &outcome) else { break upstream }
                        continue
                    }
                    guard var value = try? JSONValue(parsing: event.data.utf8) else {
                        throw UpstreamError(.malformed, provider: response.provider, detail: "an event is not JSON: \(event.data.prefix(200))")
                    }
                    if let error = value["error"], !error.isNull {
                        throw UpstreamError(.status(502), provider: response.provider, detail: String(decoding: error.encoded(), as: UTF8.self))
                    }
                    var modified = false
                    if let usageValue = value["usage"] {
                        if let usage = OpenAIUsage.tokenUsage(from: usageValue) {
                            let cost = model.price.cost(of: usage)
                            record.usage = usage
                            record.cost = cost
                            record.usageSource = .provider
                            if clientWantsUsage {
                                value["usage"]?["cost"] = .double(cost.approximateUnits)
                                value["usage"]?["cost_currency"] = .string(cost.currency.code)
                                modified = true
                            }
                        }
                        if !clientWantsUsage {
                            // The usage-only chunk exists because Tollgate asked for it: drop it.
                            if value["choices"]?.arrayValue?.isEmpty ?? true { continue }
                            value = value.removing("usage")
                            modified = true
                        }
                    }
                    if record.timeToFirstTokenMilliseconds == nil, value.hasContentDelta {
                        record.timeToFirstTokenMilliseconds = started.millisecondsUntilNow
                    }
                    let out = modified ? ServerSentEvent(event: event.event, data: String(decoding: value.encoded(), as: UTF8.self)) : event
                    guard try await send(out, to: &writer, outcome: &outcome) else { break upstream }
                }
            }
            if case .completed = outcome, !sawDone {
                throw UpstreamError(.truncated, provider: response.provider, detail: "the stream ended without [DONE]")
            }
        } catch {
            let failure = UpstreamError.from(error, provider: response.provider)
            outcome = .upstreamFailed(failure)
            // The client has a 200 and a partial answer; an error event tells it the answer is cut.
            let body = GatewayError.upstream(failure).openAIBody
            _ = try? await send(ServerSentEvent(data: String(decoding: body.encoded(), as: UTF8.self)), to: &writer, outcome: &outcome)
        }
        switch outcome {
        case .completed:
            break
        case .clientGone(let error):
            record.error = "client disconnected: \(error)"
            record.status = 499
        case .upstreamFailed(let failure):
            record.error = failure.description
        }
        record.latencyMilliseconds = started.millisecondsUntilNow
        // Recorded before the stream ends, so a client that has read the whole answer can find
        // its record.
        records.submit(record)
        if case .clientGone = outcome { return }
        try? await writer.finish(nil)
    }

    /// Writes an event; returns false when the client is gone.
    private func send(_ event: ServerSentEvent, to writer: inout any ResponseBodyWriter, outcome: inout Outcome) async throws -> Bool {
        do {
            try await writer.write(ByteBuffer(string: event.encoded()))
            return true
        } catch {
            if case .completed = outcome { outcome = .clientGone(error) }
            return false
        }
    }
}

extension JSONValue {
    func removing(_ key: String) -> JSONValue {
        guard case .object(var object) = self else { return self }
        object.removeValue(forKey: key)
        return .object(object)
    }

    /// Whether a chunk carries generated content (text, a tool call or reasoning).
    var hasContentDelta: Bool {
        guard let choices = self["choices"]?.arrayValue else { return false }
        return choices.contains { choice in
            guard let delta = choice["delta"] else { return false }
            if let text = delta["content"]?.stringValue, !text.isEmpty { return true }
            if let text = delta["reasoning_content"]?.stringValue, !text.isEmpty { return true }
            return !(delta["tool_calls"]?.arrayValue?.isEmpty ?? true)
        }
    }
}
