import Foundation
import TollgateCore

/// OpenAI's usage object, from Chat Completions (`prompt_tokens`, `completion_tokens`) or the
/// Responses API (`input_tokens`, `output_tokens`), whole or as the final streamed chunk.
///
/// OpenAI's counts overlap: `prompt_tokens` includes `prompt_tokens_details.cached_tokens`, and
/// `completion_tokens` includes `completion_tokens_details.reasoning_tokens`. `billable`
/// subtracts each part once.
public struct OpenAIUsage: Decodable, Hashable, Sendable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int
    public var reasoningTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.reasoningTokens = reasoningTokens
    }

    /// Reads the usage from a response body, a stream chunk (`data: {...}` without `data: `),
    /// or the usage object alone.
    public init(json data: Data) throws(PricingError) {
        self = try UsageDecoding.decode(OpenAIUsage.self, from: data, family: "OpenAI")
    }

    /// The usage object read straight from its parsed value, without a JSON round trip — the
    /// request path reads one per answer. `nil` when anything in it is not plain (a count that is
    /// not an integer, details that are not an object, an envelope): ``init(json:)`` then reads it
    /// and names what is wrong.
    public init?(usageObject object: JSONValue) {
        guard case .object(let fields) = object, fields["usage"] == nil, fields["message"] == nil, fields["response"] == nil
        else { return nil }
        func count(_ key: String, in fields: JSONObject) -> Int?? {
            switch fields[key] {
            case nil, .null?: return .some(nil)
            case .int(let value)?: return .some(Int(value))
            default: return nil
            }
        }
        func details(_ key: String, _ alternative: String, field: String) -> Int?? {
            for name in [key, alternative] {
                switch fields[name] {
                case nil, .null?: continue
                case .object(let inner)?:
                    // The JSON reader decodes both counts of a details object, whichever it needs.
                    guard count("cached_tokens", in: inner) != nil, count("reasoning_tokens", in: inner) != nil else { return nil }
                    return count(field, in: inner)
                default: return nil
                }
            }
            return .some(nil)
        }
        guard let prompt = count("prompt_tokens", in: fields), let input = count("input_tokens", in: fields),
              let completion = count("completion_tokens", in: fields), let output = count("output_tokens", in: fields),
              let promptTokens = prompt ?? input,
              let cached = details("prompt_tokens_details", "input_tokens_details", field: "cached_tokens"),
              let reasoning = details("completion_tokens_details", "output_tokens_details", field: "reasoning_tokens")
        else { return nil }
        self.init(promptTokens: promptTokens, completionTokens: completion ?? output ?? 0, cachedTokens: cached ?? 0,
                  reasoningTokens: reasoning ?? 0)
    }

    /// Tollgate's disjoint counts: uncached input = prompt − cached; output = completion −
    /// reasoning.
    public func billable() throws(PricingError) -> BillableUsage {
        try UsageDecoding.requireNonNegative([("prompt_tokens", promptTokens), ("completion_tokens", completionTokens),
                                              ("cached_tokens", cachedTokens), ("reasoning_tokens", reasoningTokens)],
                                             family: "OpenAI")
        guard cachedTokens <= promptTokens else {
            throw PricingError(.invalidUsage("OpenAI cached_tokens (\(cachedTokens)) exceeds prompt_tokens (\(promptTokens))"))
        }
        guard reasoningTokens <= completionTokens else {
            throw PricingError(.invalidUsage(
                "OpenAI reasoning_tokens (\(reasoningTokens)) exceeds completion_tokens (\(completionTokens))"))
        }
        return BillableUsage(tokens: TokenUsage(input: promptTokens - cachedTokens, cachedInput: cachedTokens,
                                                output: completionTokens - reasoningTokens, reasoning: reasoningTokens))
    }

    private enum Keys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case inputTokens = "input_tokens", outputTokens = "output_tokens"
        case promptDetails = "prompt_tokens_details", completionDetails = "completion_tokens_details"
        case inputDetails = "input_tokens_details", outputDetails = "output_tokens_details"
    }

    private struct Details: Decodable {
        var cachedTokens: Int?
        var reasoningTokens: Int?
        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens", reasoningTokens = "reasoning_tokens" }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        // Chat Completions names first, then the Responses API's.
        guard let prompt = try c.decodeIfPresent(Int.self, forKey: .promptTokens)
                ?? c.decodeIfPresent(Int.self, forKey: .inputTokens) else {
            throw DecodingError.keyNotFound(Keys.promptTokens, .init(codingPath: c.codingPath,
                                                                     debugDescription: "no prompt_tokens or input_tokens"))
        }
        let completion = try c.decodeIfPresent(Int.self, forKey: .completionTokens)
            ?? c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        let promptDetails = try c.decodeIfPresent(Details.self, forKey: .promptDetails)
            ?? c.decodeIfPresent(Details.self, forKey: .inputDetails)
        let completionDetails = try c.decodeIfPresent(Details.self, forKey: .completionDetails)
            ?? c.decodeIfPresent(Details.self, forKey: .outputDetails)
        self.init(promptTokens: prompt, completionTokens: completion, cachedTokens: promptDetails?.cachedTokens ?? 0,
                  reasoningTokens: completionDetails?.reasoningTokens ?? 0)
    }
}
