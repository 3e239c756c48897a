import HTTPTypes
import Providers
import Routing
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What to send a provider for a client's request, and how to read the provider's answer back
/// into the client's format. When client and provider speak one format the request is relayed as
/// sent, every field intact, with only the model id changed (and, for streams, usage asked for);
/// otherwise it goes through Tollgate's chat form: the client format parses, the provider's writes.
struct UpstreamCall: Sendable {
    let client: any WireFormat
    let provider: any WireFormat
    let path: String
    let body: JSONValue
    let headers: [(String, String)]
    let streamed: Bool
    /// Whether the client asked for usage in its stream.
    let clientWantsUsage: Bool
    /// The client's request as sent (what a translated answer may echo).
    let clientRequest: JSONValue
    /// Parameters left out because the model or route says `unsupported_parameters: drop`.
    let dropped: [String]

    var translated: Bool { client.kind != provider.kind }

    init(client: any WireFormat, body clientBody: JSONValue, model: ModelDefinition, clientHeaders: HTTPFields) throws {
        self.client = client
        // A provider of the client's kind speaks the client's format as sent (its chat or its
        // embeddings); another kind gets the request written in its own format.
        provider = client.kind == model.provider.kind ? client : WireFormats.of(model.provider.kind)
        streamed = clientBody["stream"]?.boolValue == true
        clientWantsUsage = client.wantsStreamUsage(clientBody)
        clientRequest = clientBody
        let drop = model.unsupportedParameters == .drop
        var dropped: [String] = []
        var body: JSONValue
        if client.kind == provider.kind {
            body = clientBody
            if drop, !model.takesReasoning, body[client.reasoningParameter] != nil {
                body[client.reasoningParameter] = nil
                dropped.append(client.reasoningParameter)
            }
            body = provider.forwarded(body, model: model.upstream)
        } else {
            if drop {
                dropped = client.untranslatable(clientBody)
                // A tool is part of what the model is asked to do: never dropped.
                if let tool = dropped.first(where: { $0.hasPrefix("tools") }) {
                    throw TranslationError(parameter: tool, detail: "is a server tool the provider does not have")
                }
            }
            var chat = try client.chatRequest(from: clientBody, strict: !drop)
            if drop, !model.takesReasoning, chat.reasoning != nil {
                chat.reasoning = nil
                dropped.append(client.reasoningParameter)
            }
            body = try provider.providerBody(for: chat, model: model.upstream)
        }
        // A provider that switches reasoning on its own way gets its switch instead of the
        // format's parameter.
        if let reasoningSwitch = model.reasoningSwitch, provider.neededCapabilities(body).contains(.reasoning) {
            body[provider.reasoningParameter] = nil
            for (name, value) in reasoningSwitch { body[name] = value }
        }
        self.body = body
        self.dropped = dropped
        path = provider.path
        headers = provider.upstreamHeaders { name in HTTPField.Name(name).flatMap { clientHeaders[$0] } }
    }

    /// The provider's usage report in its answer.
    func usage(of answer: JSONValue) -> UsageReport? { provider.usage(of: answer) }

    /// The generated text of a complete answer (text, reasoning, tool arguments).
    static func outputText(of response: ChatResponse) -> String {
        response.content.map { part -> String in
            switch part {
            case .text(let text), .thinking(let text, _): text
            case .toolCall(let call): call.name + call.arguments
            case .image, .toolResult: ""
            }
        }.joined()
    }

    /// The provider's complete answer in the client's format (`response` is it read in Tollgate's
    /// chat form), its usage as the price book read it; `created` dates a translated answer.
    func clientBody(for answer: JSONValue, response: ChatResponse, usage: TokenUsage?, context: AnswerContext) -> JSONValue {
        guard translated else { return answer }
        return client.clientBody(for: response, usage: usage, context: context)
    }
}
