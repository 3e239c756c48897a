/// The encodings Tollgate can count with.
public enum EncodingName: String, Sendable, Hashable, CaseIterable, Codable {
    /// OpenAI's encoding for GPT-4o, GPT-4.1, GPT-5 and the o-series.
    case o200kBase = "o200k_base"
    /// OpenAI's encoding for GPT-4, GPT-3.5 and the text-embedding-3 / ada-002 models.
    case cl100kBase = "cl100k_base"
    /// Qwen's byte-level BPE (Qwen 1 to 3 share the 151,643 ordinary tokens and the ChatML specials).
    case qwen
    /// DeepSeek-V3's tokenizer (also DeepSeek-R1 and V3.x chat models).
    case deepseekV3 = "deepseek_v3"
    /// The Claude 1/2-era tokenizer that litellm ships. Anthropic has not published the tokenizer
    /// of current Claude models: counts for them are an approximation (typically within ~10–20%),
    /// used only when Anthropic's own `count_tokens` or reported usage is unavailable.
    case claudeLegacy = "claude_legacy"
}
