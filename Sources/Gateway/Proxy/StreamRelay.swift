import Routing
import Hummingbird
import Logging
import NIOCore
import Pricing
import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Relays a provider's event stream to the client event by event, as it arrives, translating
/// between formats when client and provider differ.
///
/// Every event is written before the next is read, so a slow client slows the read from the
/// provider (backpressure) instead of filling memory. Usage is tracked from the provider's
/// events whatever the formats; the final usage the client sees carries `cost` and
/// `cost_currency`. An OpenAI client that did not ask for usage does not get the usage chunk
/// Tollgate asked for. A client that goes away ends the relay, which abandons — and so cancels —
/// the upstream request; the record is written either way.
struct StreamRelay: Sendable {
    let model: ModelDefinition
    let client: ClientFormat
    let clientWantsUsage: Bool
    /// Prices the usage.
    let metering: MeteredRequest
    /// Where the outcome goes when the stream ends (settlement with the record, route health).
    let sinks: OutcomeSinks
    /// Where a stream sent with `idempotency-key` is kept whole for retries; `nil` without a key.
    let idempotency: IdempotencySlot?
    /// The response's headers, kept with the stream for a replay.
    let headers: HTTPFields
    let logger: Logger
    /// Tollgate's own count, from the text sent, for a stream that ends without the provider's usage.
    let countUsage: @Sendable (String) async -> TokenUsage?

    private enum Outcome {
        case completed
        case clientGone(any Error)
        case upstreamFailed(UpstreamError)
    }

    /// How provider events become client events.
    private enum Mode {
        case openAIPassthrough
        case anthropicPassthrough
        case toOpenAI(OpenAIStreamEncoder)
        case toAnthropic(AnthropicStreamEncoder)
    }

    private enum UpstreamDecoder {
        case openai(OpenAIStreamDecoder)
        case anthropic(AnthropicStreamDecoder)
    }

    func relay(_ stream: UpstreamStream, to writer: inout any ResponseBodyWriter,
               record initial: RequestRecord, started: Duration, clock: any TimeSource) async {
        var stream = stream
        var record = initial
        record.status = 200
        let kind = model.provider.kind
        var decoder: UpstreamDecoder = kind == .openai ? .openai(OpenAIStreamDecoder()) : .anthropic(AnthropicStreamDecoder())
        var mode: Mode = switch (client, kind) {
        case (.openai, .openai): .openAIPassthrough
        case (.anthropic, .anthropic): .anthropicPassthrough
        case (.openai, .anthropic): .toOpenAI(OpenAIStreamEncoder(includeUsage: clientWantsUsage, created: Int64(Date().timeIntervalSince1970)))
        case (.anthropic, .openai): .toAnthropic(AnthropicStreamEncoder())
        }
        var parser = ServerSentEventParser()
        var usage = UsageReading()
        var generated = ""
        var ended = false
        var outcome = Outcome.completed
        var kept: String? = idempotency == nil ? nil : ""
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
                        if kind == .openai, let error = parsed["error"], !error.isNull {
                            throw UpstreamError(.status(502), provider: stream.provider, detail: error.jsonText)
                        }
                        value = parsed
                        switch decoder {
                        case .openai(var inner): events = inner.decode(parsed); decoder = .openai(inner)
                        case .anthropic(var inner): events = try inner.decode(parsed, provider: stream.provider); decoder = .anthropic(inner)
                        }
                    }
                    for step in events {
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
                    let out = output(for: event, value: value, events: events, mode: &mode, usage: usage.billable)
                    for item in out {
                        kept?.append(item.encoded())
                        guard await send(item, to: &writer, outcome: &outcome) else { break upstream }
                    }
                }
                next = try await stream.next()
            }
            if case .completed = outcome, !ended {
                throw UpstreamError(.truncated, provider: stream.provider, detail: "the stream ended before its end event")
            }
        } catch {
            let failure = UpstreamError.from(error, provider: stream.provider)
            outcome = .upstreamFailed(failure)
            // The client has a 200 and a partial answer; an error event tells it the answer is cut.
            let body = client.errorBody(GatewayError.upstream(failure))
            _ = await send(ServerSentEvent(event: client == .anthropic ? "error" : nil, data: body.jsonText), to: &writer, outcome: &outcome)
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
        if completed, let kept {
            await idempotency?.complete(status: 200, headers: headers.map { ($0.name.canonicalName, $0.value) }, body: kept)
        } else {
            idempotency?.release()
        }
        if case .clientGone = outcome { return }
        try? await writer.finish(nil)
    }

    /// The client events for one provider event.
    private func output(for event: ServerSentEvent, value: JSONValue?, events: [ChatStreamEvent], mode: inout Mode,
                        usage: BillableUsage?) -> [ServerSentEvent] {
        let costFields: (TokenUsage) -> [String: JSONValue] = { _ in
            guard let usage, let cost = metering.charged(usage) else { return [:] }
            return ["cost": .double(cost.approximateUnits), "cost_currency": .string(cost.currency.code)]
        }
        switch mode {
        case .openAIPassthrough:
            guard var value, value["usage"] != nil else { return [event] }
            if clientWantsUsage {
                if let usage, value["usage"] != .null {
                    for (key, field) in costFields(usage.tokens) { value["usage"]?[key] = field }
                }
            } else {
                // The usage-only chunk exists because Tollgate asked for it: drop it.
                if value["choices"]?.arrayValue?.isEmpty ?? true { return [] }
                value = value.removing("usage")
            }
            return [ServerSentEvent(event: event.event, data: value.jsonText)]
        case .anthropicPassthrough:
            guard var value, value["type"] == "message_delta", let usage else { return [event] }
            for (key, field) in costFields(usage.tokens) { value["usage"]?[key] = field }
            return [ServerSentEvent(event: event.event, data: value.jsonText)]
        case .toOpenAI(var encoder):
            let out = events.flatMap { encoder.encode($0, usage: usage?.tokens, extraUsage: costFields) }.map { ServerSentEvent(data: $0) }
            mode = .toOpenAI(encoder)
            return out
        case .toAnthropic(var encoder):
            var out = events.flatMap { encoder.encode($0, usage: usage?.tokens) }
            mode = .toAnthropic(encoder)
            if let usage, let index = out.firstIndex(where: { $0.event == "message_delta" }),
               var delta = try? JSONValue(parsing: out[index].data.utf8) {
                for (key, field) in costFields(usage.tokens) { delta["usage"]?[key] = field }
                out[index].data = delta.jsonText
            }
            return out
        }
    }

    /// Writes an event; returns false when the client is gone.
    private func send(_ event: ServerSentEvent, to writer: inout any ResponseBodyWriter, outcome: inout Outcome) async -> Bool {
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
}
