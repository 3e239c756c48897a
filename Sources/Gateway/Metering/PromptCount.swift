/// A prompt's input tokens by each candidate model's tokenizer: counted before the plan, or — for
/// a long prompt whose size already fits every candidate — bounded by its size for the rate
/// limits, the plan and the reservation, and counted beside the upstream call.
///
/// The bound: the request body's bytes, a tenth more and 16. A token stands for at least one byte
/// of the text it encodes; the body holds all that text (escaped) and, for every message and tool,
/// more bytes of JSON than a chat template adds tokens; the tenth covers a template's fixed text
/// (Qwen's tool preamble is about 300 bytes, a tenth of 3 KB). Images are billed by their size in
/// pixels, not their bytes, so a prompt with one is counted first.
struct PromptCount: Sendable {
    /// Prompts shorter than this are counted before the plan: counting them takes microseconds.
    static let boundedFromBytes = 16_384

    /// What the rate limits, the plan and the worst case go by, by model name: the exact counts, or
    /// the bound for every candidate.
    let admitted: [String: Int]
    /// The bound, while the exact counts are being made.
    let bound: Int?
    private let counting: Task<[String: Int], Never>?

    /// Counted already.
    static func counted(_ counts: [String: Int]) -> PromptCount { PromptCount(admitted: counts, bound: nil, counting: nil) }

    /// Bounded by `bound` for `models` while `counting` counts.
    static func bounded(_ bound: Int, models: [String], counting: Task<[String: Int], Never>) -> PromptCount {
        PromptCount(admitted: Dictionary(uniqueKeysWithValues: models.map { ($0, bound) }), bound: bound, counting: counting)
    }

    /// The exact count for `model`: waited for when it is being counted; `nil` when its tokenizer
    /// is unknown.
    func exact(_ model: String) async -> Int? {
        guard let counting else { return admitted[model] }
        return await counting.value[model]
    }

    /// The same prompt with its exact counts (waited for): for a request the bound would refuse.
    func exactly() async -> PromptCount {
        guard let counting else { return self }
        return .counted(await counting.value)
    }

    /// The bound of a prompt of `bytes` bytes, when it is long enough to be worth counting beside
    /// the call and, with the output it allows, fits each candidate's context window.
    static func bound(bytes: Int, maxOutputTokens: Int?, windows: [Int?]) -> Int? {
        guard bytes >= boundedFromBytes else { return nil }
        let bound = bytes + bytes / 10 + 16
        let needed = bound + (maxOutputTokens ?? 0)
        guard windows.allSatisfy({ window in window.map { needed <= $0 } ?? true }) else { return nil }
        return bound
    }
}
