import Providers
import TollgateCore

/// What the cache, affinity and the waste report know a prompt by: the digest of the request's
/// canonical form, the digest of its stable prefix (system prompt and tool definitions), and
/// its size by part.
struct PromptProfile: Sendable, Hashable {
    /// The digest of the request as the client sent it, without what does not change the answer
    /// (the model it names, whether it streams, stream options, `user`, `metadata`, `store`).
    var digest: String
    /// The digest of its system prompt and tools, when it has either.
    var prefixDigest: String?
    var size: PromptSize

    /// Fields that do not change what a model answers.
    static let volatile: Set<String> = ["model", "stream", "stream_options", "user", "metadata", "store", "service_tier"]

    init(_ body: JSONValue, format: any WireFormat, chat: ChatRequest?) {
        var request = body
        if case .object(var object) = request {
            for field in Self.volatile { object[field] = nil }
            request = .object(object)
        }
        digest = ResponseCache.digest(["format": .string(format.path), "request": request])
        var size = PromptSize()
        if let chat {
            for message in chat.messages {
                for part in message.content {
                    let bytes: Int64
                    switch part {
                    case .text(let text), .thinking(let text, _): bytes = Int64(text.utf8.count)
                    case .toolCall(let call): bytes = Int64(call.name.utf8.count + call.arguments.utf8.count)
                    case .toolResult(_, let content, _):
                        bytes = Int64(content.utf8.count)
                        size.toolOutput += bytes
                    case .image: bytes = 0
                    }
                    size.total += bytes
                    if message.role.isInstruction { size.system += bytes }
                }
            }
        }
        let tools = body["tools"] ?? nil
        if !tools.isNull { size.tools = Int64(tools.encodedBytes().count) }
        size.total += size.tools
        self.size = size
        let system = chat?.system ?? []
        prefixDigest = system.isEmpty && tools.isNull ? nil
            : ResponseCache.digest(["system": .array(system.map(JSONValue.string)), "tools": tools])
    }

    /// Whether the stable prefix is long enough for providers to cache (about 1,024 tokens).
    var prefixIsCacheable: Bool { prefixDigest != nil && size.system + size.tools >= 4096 }
}
