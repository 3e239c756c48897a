import Tokenizers
import TollgateCore

/// A prompt's input tokens by each candidate model's tokenizer: counted before the plan, or — for
/// a long prompt whose size already fits every candidate — bounded by its size for the rate
/// limits, the plan and the reservation, and counted beside the upstream call.
///
/// A model's bound: the request body's bytes, a tenth more and 16, plus its tool definitions
/// counted exactly (OpenAI's rule charges an enum item more tokens than its bytes). A token of a
/// byte-level encoding without normalization stands for at least one byte of the text it encodes;
/// the body holds all that text (escaped) and, for every message, more bytes of JSON than a chat
/// template adds tokens; the tenth covers a template's fixed text. Encodings that normalize first
/// (qwen's NFC, claude_legacy's NFKC) can make a character longer than its bytes, and images are
/// billed by their size in pixels: those prompts are counted first.
struct PromptCount: Sendable {
    /// Prompts shorter than this are counted before the plan: counting them takes microseconds.
    static let boundedFromBytes = 16_384

    /// What the rate limits, the plan and the worst case go by, by model name: the exact counts, or
    /// each candidate's bound.
    let admitted: [String: Int]
    /// Whether `admitted` holds bounds while the exact counts are being made.
    var isBounded: Bool { counting != nil }
    private let counting: Task<[String: Int], Never>?

    /// Counted already.
    static func counted(_ counts: [String: Int]) -> PromptCount { PromptCount(admitted: counts, counting: nil) }

    /// Bounded by `bounds` while `counting` counts.
    static func bounded(_ bounds: [String: Int], counting: Task<[String: Int], Never>) -> PromptCount {
        PromptCount(admitted: bounds, counting: counting)
    }

    /// The same prompt with its exact counts (waited for).
    func exactly() async -> PromptCount {
        guard let counting else { return self }
        return .counted(await counting.value)
    }

    /// A model's bound for a body of `bytes` bytes whose tools count `toolTokens`, when the body is
    /// long enough to be worth counting beside the call.
    static func bound(bytes: Int, toolTokens: Int) -> Int? {
        guard bytes >= boundedFromBytes else { return nil }
        return bytes + bytes / 10 + 16 + toolTokens
    }

    /// Whether `bound` tokens and the output allowed fit a context window.
    static func fits(_ bound: Int, maxOutputTokens: Int?, window: Int?) -> Bool {
        window.map { bound + (maxOutputTokens ?? 0) <= $0 } ?? true
    }

    /// Whether text in `encoding` has no more tokens than bytes.
    static func boundsByBytes(_ encoding: EncodingName) -> Bool {
        switch encoding {
        case .o200kBase, .cl100kBase, .deepseekV3: true
        case .qwen, .claudeLegacy: false
        }
    }
}
