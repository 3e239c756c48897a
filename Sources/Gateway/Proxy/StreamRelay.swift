import Hummingbird
import Logging
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

/// Relays a provider's event stream to the client event by event, as it arrives, translating
/// between formats when client and provider differ.
///
/// What one read from the provider brought is written (in one write) before the next read, so a
/// slow client slows the read from the provider (backpressure) instead of filling memory. Usage is tracked from the provider's
/// events whatever the formats; the final usage the client sees carries `cost` and
/// `cost_currency`. An OpenAI client that did not ask for usage does not get the usage chunk
/// Tollgate asked for. A client that goes away ends the relay, which abandons — and so cancels —
/// the upstream request; the record is written either way.
struct StreamRelay: Sendable {
    let model: ModelDefinition
    /// The formats of the client and the provider, and whether the client asked for usage.
    let call: UpstreamCall
    /// Prices the usage.
    let metering: MeteredRequest
    /// Where the outcome goes when the stream ends (settlement with the record, route health).
    let sinks: OutcomeSinks
    /// Where a stream sent with `idempotency-key` is kept whole for retries; `nil` without a key.
    let idempotency: IdempotencySlot?
    /// The response's headers, kept with the stream for a replay.
    let headers: HTTPFields
    /// Keeps the whole answer, for formats whose last event carries it and requests that ask.
    let keep: (@Sendable (JSONValue) async -> Void)?
    /// Keeps the whole answer in the response cache once it completes, when the request is cached.
    let fill: (@Sendable (ChatResponse, TokenUsage) async -> Void)?
    let logger: Logger
    /// Tollgate's own count, from the text sent, for a stream that ends without the provider's usage.
    let countUsage: @Sendable (String) async -> TokenUsage?

    private enum Outcome {
        case completed
        case clientGone(any Error)
        case upstreamFailed(UpstreamError)
    }

    func relay(_ stream: UpstreamStream, to writer: inout any ResponseBodyWriter,
               record initial: RequestRecord, started: Duration, clock: any TimeSource) async {
        var stream = stream
        var record = initial
        record.status = 200
        var decoder = call.provider.makeStreamDecoder()
        // Events are re-encoded only when the formats differ; otherwise relayed as they came.
        var encoder = call.translated
            ? call.client.makeStreamEncoder(includeUsage: call.clientWantsUsage, context: AnswerContext(
                created: Int64(clock.date().timeIntervalSince1970), request: call.clientRequest, requestID: record.id)) : nil
        var parser = ServerSentEventParser()
        var usage = UsageReading()
        var generated = ""
        var ended = false
        var outcome = Outcome.completed
        var kept: String? = idempotency == nil ? nil : ""
        var answerKept = false
        var whole = ChatResponseBuilder()
        // The client events for what one read from the provider brought, written together: one
        // write (and one flush) where the provider sent several events at once.
        var batch = ByteBuffer()
        do {
            var next: ByteBuffer? = stream.first
            upstream: while let chunk = next {
                let parsed = parser.feed(chunk.readableBytesView)
                if parser.overflowed {
                    throw UpstreamError(.malformed, provider: stream.provider,
                                        detail: "an event is larger than \(ServerSentEventParser.maximumEventBytes) bytes")
                }
                for event in parsed {
                    let value: JSONValue?
                    let events: [ChatStreamEvent]
                    if event.data == "[DONE]" {
                        value = nil
                        events = [.end]
                    } else {
                        guard let parsed = try? JSONValue(parsing: event.data.utf8) else {
                            throw UpstreamError(.malformed, provider: stream.provider, detail: "an event is not JSON: \(event.data.prefix(200))")
                        }
                        value = parsed
                        events = try decoder.decode(parsed, provider: stream.provider)
                    }
                    for step in events {
                        whole.add(step)
                        switch step {
                        case .usage(let report):
                            do {
                                try usage.add(report)
                            } catch {
                                logger.warning("unreadable usage from the provider", metadata: ["request": "\(record.id)", "error": "\(error)"])
                            }
                            if let billable = usage.billable {
                                record.usage = billable.tokens
                                record.usageSource = .provider
                            }
                        case .text(let text), .thinking(let text), .toolCallArguments(_, let text):
                            generated += text
                            if record.timeToFirstTokenMilliseconds == nil { record.timeToFirstTokenMilliseconds = (clock.now() - started).wholeMilliseconds }
                        case .toolCallStart(_, _, let name):
                            generated += name
                            if record.timeToFirstTokenMilliseconds == nil { record.timeToFirstTokenMilliseconds = (clock.now() - started).wholeMilliseconds }
                        case .end:
                            ended = true
                        default:
                            break
                        }
                    }
                    let out = output(for: event, value: value, events: events, encoder: &encoder, usage: usage.billable)
                    // Kept before the final event reaches the client, so a retrieval right after finds it.
                    if let keep, !answerKept, let answer = finalAnswer(of: value, relayed: out, encoder: encoder) {
                        answerKept = true
                        await keep(answer)
                    }
                    for item in out {
                        let text = item.encoded()
                        kept?.append(text)
                        batch.writeString(text)
                    }
                }
                guard await send(&batch, to: &writer, outcome: &outcome) else { break upstream }
                next = try await stream.next()
            }
            if case .completed = outcome, !ended {
                throw UpstreamError(.truncated, provider: stream.provider, detail: "the stream ended before its end event")
            }
        } catch {
            let failure = UpstreamError.from(error, provider: stream.provider)
            outcome = .upstreamFailed(failure)
            // The client has a 200 and a partial answer; an error event tells it the answer is cut.
            let body = call.client.errorBody(GatewayError.upstream(failure).wire)
            batch.writeString(call.client.streamError(body).encoded())
            _ = await send(&batch, to: &writer, outcome: &outcome)
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
        let completed = ended && { if case .completed = outcome { true } else { false } }()
        record.finishReason = whole.response.finishReason?.rawValue
        var billed = usage.billable
        if usage.billable == nil, let counted = await countUsage(generated) {
            // What was sent is billed, by Tollgate's count, when the provider never said.
            billed = BillableUsage(tokens: counted)
            record.usage = counted
            record.usageSource = .counted
        } else if !completed, var billable = usage.billable, let counted = await countUsage(generated),
                  counted.output > billable.tokens.totalOutput {
            // A stream that ended early has only the provider's early report (Anthropic's
            // message_start: the input, and 1 output token). Input stays the provider's; output is
            // what was sent, by Tollgate's count.
            billable.tokens.output = counted.output - billable.tokens.reasoning
            billed = billable
            record.usage = billable.tokens
            record.usageSource = .counted
        }
        record.latencyMilliseconds = (clock.now() - started).wholeMilliseconds
        // Settled and recorded before the stream ends, so a client that has read the whole answer
        // finds its record.
        let providerFailed = if case .upstreamFailed = outcome { true } else { false }
        sinks.deliver(RequestOutcome(record: record, usage: billed, metered: metering, answered: model, failedAfterAnswer: providerFailed))
        if completed, let fill, let billed { await fill(whole.response, billed.tokens) }
        if completed, let kept {
            await idempotency?.complete(status: 200, headers: headers.map { ($0.name.canonicalName, $0.value) }, body: kept)
        } else {
            idempotency?.release()
        }
        if case .clientGone = outcome {
            // End the upstream request now: an abandoned body iterator does not always close its
            // connection, and the provider would go on generating. Asking for the next part from a
            // cancelled task makes AsyncHTTPClient cancel the request.
            let abandoned = stream
            Task { var abandoned = abandoned; _ = try? await abandoned.next() }.cancel()
            return
        }
        try? await writer.finish(nil)
    }

    /// The client events for one provider event: re-encoded when the formats differ, else relayed
    /// with the cost added to its usage.
    private func output(for event: ServerSentEvent, value: JSONValue?, events: [ChatStreamEvent], encoder: inout (any StreamEncoding)?,
                        usage: BillableUsage?) -> [ServerSentEvent] {
        let costFields: () -> [String: JSONValue]? = {
            guard let usage, let cost = metering.charged(usage) else { return nil }
            return ["cost": .double(cost.approximateUnits), "cost_currency": .string(cost.currency.code)]
        }
        guard var active = encoder else {
            return call.client.relayed(event, value: value, clientWantsUsage: call.clientWantsUsage, usageFields: costFields)
        }
        let out = events.flatMap { active.encode($0, usage: usage?.tokens, usageFields: costFields) }
        encoder = active
        return out
    }

    /// The whole answer once its final event is written: the encoder's, or — relayed as sent — the
    /// final event as the client gets it (with its cost).
    private func finalAnswer(of value: JSONValue?, relayed out: [ServerSentEvent], encoder: (any StreamEncoding)?) -> JSONValue? {
        if let encoder { return encoder.finalAnswer }
        guard let value, call.client.finalAnswer(inRelayed: value) != nil, let last = out.last else { return nil }
        return (try? JSONValue(parsing: last.data.utf8)).flatMap(call.client.finalAnswer(inRelayed:))
    }

    /// Writes the events gathered in `batch` (nothing when it is empty) and empties it; returns false
    /// when the client is gone.
    private func send(_ batch: inout ByteBuffer, to writer: inout any ResponseBodyWriter, outcome: inout Outcome) async -> Bool {
        guard batch.readableBytes > 0 else { return true }
        defer { batch.clear() }
        do {
            try await writer.write(batch)
            return true
        } catch {
            if case .completed = outcome { outcome = .clientGone(error) }
            return false
        }
    }
}
