import Foundation

/// Decoding a usage object out of a whole response or a streamed chunk.
enum UsageDecoding {
    /// A response or chunk that may carry `usage` (OpenAI style), `message.usage`
    /// (Anthropic's `message_start`) or `response.usage` (OpenAI Responses stream events).
    struct Envelope<Usage: Decodable>: Decodable {
        var usage: Usage?
        var message: Inner?
        var response: Inner?

        struct Inner: Decodable { var usage: Usage? }
    }

    /// The usage in `data`, which may be the usage object itself or a response, a stream
    /// chunk or an event that holds it.
    static func decode<Usage: Decodable & Sendable>(_ type: Usage.Type, from data: Data,
                                                    family: String) throws(PricingError) -> Usage {
        let decoder = JSONDecoder()
        if let envelope = try? decoder.decode(Envelope<Usage>.self, from: data),
           let usage = envelope.usage ?? envelope.message?.usage ?? envelope.response?.usage {
            return usage
        }
        do {
            return try decoder.decode(Usage.self, from: data)
        } catch {
            throw PricingError(.invalidUsage("not a \(family) usage object: \(error)"))
        }
    }

    static func requireNonNegative(_ values: [(String, Int)], family: String) throws(PricingError) {
        for (name, value) in values where value < 0 {
            throw PricingError(.invalidUsage("\(family) \(name) is negative (\(value))"))
        }
    }
}
