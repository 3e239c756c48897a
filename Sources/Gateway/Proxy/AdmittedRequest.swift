import HTTPTypes
import Pricing
import Providers
import TollgateCore

/// A request the admission stage let in: who sent it, what it asks, in the client's format.
struct AdmittedRequest: Sendable {
    let format: any WireFormat
    let caller: Caller
    let body: JSONValue
    /// The model or route it names.
    let modelName: String
    let session: String?
    /// The client's request headers (some are forwarded: `anthropic-version`, `anthropic-beta`).
    let headers: HTTPFields
    /// Its idempotency key's slot, when it sent one.
    let slot: IdempotencySlot?
    /// The request in Tollgate's chat form, when it parses as one (what is counted).
    let chat: ChatRequest?

    var streamed: Bool { body["stream"]?.boolValue == true }

    /// The output the request allows (`max_tokens`, …), when it says.
    var maxOutputTokens: Int? { format.maxOutputTokens(of: body) }

    /// The capabilities the request needs of its model: tools → `tools`, images → `vision`, and
    /// what its format says (a JSON response format → `json`, reasoning asked for → `reasoning`).
    var neededCapabilities: Set<Capability> {
        var needed = format.neededCapabilities(body)
        if let chat {
            if !chat.tools.isEmpty { needed.insert(.tools) }
            if chat.messages.contains(where: { $0.content.contains { if case .image = $0 { true } else { false } } }) {
                needed.insert(.vision)
            }
        }
        return needed
    }
}
