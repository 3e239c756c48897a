import NIOCore
import Pricing
import Providers
import Routing
import TollgateCore

/// The `cascade` policy after an answer: checks it (a stream is read whole first, so nothing of a
/// failing answer reaches the client) and, when it fails `CascadeCheck`, settles it as its own
/// billed record and asks the next dearer candidate.
struct CascadeStage: Sendable {
    let counter: TokenCounter
    let sinks: OutcomeSinks
    let clock: any TimeSource
    /// The most of a stream held in memory to be checked.
    let streamLimit: Int

    /// An answer as checked: a stream now replays from memory.
    struct Checked: Sendable {
        var answer: AttemptStage.Answer
        /// Why it should escalate, or `nil` when it stands.
        var failure: String?
        /// The provider's usage, when it reported it.
        var usage: BillableUsage?
        /// What was generated (text, reasoning, tool names and arguments), for Tollgate's count.
        var generated: String
    }

    func check(_ answer: AttemptStage.Answer, admitted: AdmittedRequest) async throws -> Checked {
        let call = answer.call
        let tools = admitted.chat.map { Set($0.tools.map(\.name)) }
        let jsonRequired = admitted.neededCapabilities.contains(.json)
        if var stream = answer.stream {
            let parts = try await stream.readWhole(limit: streamLimit)
            var parser = ServerSentEventParser()
            var decoder = call.provider.makeStreamDecoder()
            var events: [ChatStreamEvent] = []
            for part in parts {
                for event in parser.feed(part.readableBytesView) {
                    if event.data == "[DONE]" { events.append(.end); continue }
                    guard let value = try? JSONValue(parsing: event.data.utf8) else {
                        throw UpstreamError(.malformed, provider: stream.provider, detail: "an event is not JSON: \(event.data.prefix(200))")
                    }
                    events += try decoder.decode(value, provider: stream.provider)
                }
            }
            var usage = UsageReading()
            for case .usage(let report) in events { try? usage.add(report) }
            let response = CascadeCheck.answer(of: events)
            let replay = AttemptStage.Answer(model: answer.model, call: call, response: answer.response, body: nil,
                                             stream: UpstreamStream(provider: stream.provider, parts: parts))
            return Checked(answer: replay, failure: CascadeCheck.failure(of: response, tools: tools, jsonRequired: jsonRequired), usage: usage.billable,
                           generated: Self.generated(response))
        }
        guard let body = answer.body else { return Checked(answer: answer, failure: nil, usage: nil, generated: "") }
        let response = call.provider.response(from: body)
        let usage = try? UsageReading.billable(call.usage(of: body))
        return Checked(answer: answer, failure: CascadeCheck.failure(of: response, tools: tools, jsonRequired: jsonRequired), usage: usage,
                       generated: Self.generated(response))
    }

    /// Settles an answer that failed the check as a record of its own: the provider generated it,
    /// so it is billed — by the provider's usage, else Tollgate's count — though the client never sees it.
    func settleEscalated(_ checked: Checked, record: RequestRecord, metered: MeteredRequest?, started: Duration) async {
        var record = record
        let model = checked.answer.model
        record.status = 200
        record.modelUsed = model.name
        record.provider = model.provider.name
        record.streamed = checked.answer.call.streamed
        record.error = "escalated: \(checked.failure ?? "")"
        record.latencyMilliseconds = (clock.now() - started).wholeMilliseconds
        var usage = checked.usage
        record.usageSource = usage == nil ? .none : .provider
        if usage == nil, let counted = await counter.usage(input: metered?.countedInput, output: checked.generated, model: model) {
            usage = BillableUsage(tokens: counted)
            record.usageSource = .counted
        }
        if let usage { record.usage = usage.tokens }
        sinks.deliver(RequestOutcome(record: record, usage: usage, metered: metered, answered: model))
    }

    private static func generated(_ response: ChatResponse) -> String {
        let parts = response.parts
        return parts.reasoning + parts.text + parts.toolCalls.map { $0.name + $0.arguments }.joined()
    }
}
