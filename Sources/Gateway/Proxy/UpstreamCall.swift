import Routing
import HTTPTypes
import Providers
import TollgateCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What to send a provider for a client's request, and how to read the provider's answer back
/// into the client's format. When client and provider speak the same format the request is
/// relayed as sent, every field intact, with only the model id changed (and, for OpenAI streams,
/// usage asked for); otherwise it goes through Tollgate's chat form.
struct UpstreamCall: Sendable {
    let client: ClientFormat
    let kind: Provider.Kind
    let path: String
    let body: JSONValue
    let headers: [(String, String)]
    let streamed: Bool
    /// Whether the client asked for usage in its stream (OpenAI's `stream_options.include_usage`;
    /// Anthropic streams always carry it).
    let clientWantsUsage: Bool

    var translated: Bool { client.nativeKind != kind }

    init(client: ClientFormat, body clientBody: JSONValue, model: ModelDefinition, clientHeaders: HTTPFields) throws {
        self.client = client
        kind = model.provider.kind
        streamed = clientBody["stream"]?.boolValue == true
        clientWantsUsage = client == .anthropic || clientBody["stream_options"]?["include_usage"]?.boolValue == true
        var body: JSONValue
        if client.nativeKind == kind {
            body = clientBody
            body["model"] = .string(model.upstream)
        } else {
            let request = switch client {
            case .openai: try OpenAIChatFormat.request(from: clientBody)
            case .anthropic: try AnthropicMessagesFormat.request(from: clientBody)
            }
            body = switch kind {
            case .openai: OpenAIChatFormat.body(for: request, model: model.upstream, includeUsage: true)
            case .anthropic: try AnthropicMessagesFormat.body(for: request, model: model.upstream)
            }
        }
        switch kind {
        case .openai:
            path = "/chat/completions"
            headers = []
            if streamed {
                // Usage is what the request is billed by: ask for it whether or not the client did.
                var options = body["stream_options"]?.objectValue ?? [:]
                options["include_usage"] = true
                body["stream_options"] = .object(options)
            }
        case .anthropic:
            path = "/messages"
            let version = clientHeaders[HTTPField.Name("anthropic-version")!] ?? "2023-06-01"
            var headers = [("anthropic-version", version)]
            if let beta = clientHeaders[HTTPField.Name("anthropic-beta")!] { headers.append(("anthropic-beta", beta)) }
            self.headers = headers
        }
        self.body = body
    }

    /// The provider's usage report in its answer.
    func usage(of answer: JSONValue) -> UsageReport? {
        guard let object = answer["usage"], object.objectValue != nil else { return nil }
        return UsageReport(shape: kind == .openai ? .openai : .anthropic, object: object)
    }

    /// The generated text of the provider's complete answer (text, reasoning, tool arguments).
    func outputText(of answer: JSONValue) -> String {
        let response = switch kind {
        case .openai: OpenAIChatFormat.response(from: answer)
        case .anthropic: AnthropicMessagesFormat.response(from: answer)
        }
        return response.content.map { part -> String in
            switch part {
            case .text(let text), .thinking(let text, _): text
            case .toolCall(let call): call.name + call.arguments
            case .image, .toolResult: ""
            }
        }.joined()
    }

    /// The provider's complete answer in the client's format, its usage as the price book read it.
    func clientBody(for answer: JSONValue, usage: TokenUsage?) -> JSONValue {
        guard translated else { return answer }
        let response = switch kind {
        case .openai: OpenAIChatFormat.response(from: answer)
        case .anthropic: AnthropicMessagesFormat.response(from: answer)
        }
        return switch client {
        case .openai: OpenAIChatFormat.body(for: response, usage: usage, created: Int64(Date().timeIntervalSince1970))
        case .anthropic: AnthropicMessagesFormat.body(for: response, usage: usage)
        }
    }
}
