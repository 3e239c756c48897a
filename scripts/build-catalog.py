"""Builds Sources/Pricing/Resources/catalog.json, Tollgate's built-in price catalog.

Two kinds of entry:
- models taken from LiteLLM's price file (USD, per token), converted by Tollgate's own importer
  (`tollgate prices import litellm`) and given their provider's page as source, with the date
  the figures were read; and
- hand-curated entries for what that file does not say: DeepSeek's price history (versions,
  the old 16:30-00:30 UTC off-peak discount, V4's weekday peak hours), and CNY prices read off
  DeepSeek's and Alibaba Model Studio's Chinese pages.

Usage: python3 scripts/build-catalog.py TOLLGATE_BINARY LITELLM_JSON > Sources/Pricing/Resources/catalog.json
"""

import json
import subprocess
import sys
import tempfile

READ_ON = "2026-11-24"  # the day the LiteLLM-derived figures were read (litellm 1.106.2's file)

# (LiteLLM key, Tollgate id, provider, aliases)
FROM_LITELLM = [
    ("gpt-5.6", "gpt-5.6", "openai", []),
    ("gpt-5.5", "gpt-5.5", "openai", ["gpt-5.5-2026-04-23"]),
    ("gpt-5.4-mini", "gpt-5.4-mini", "openai", ["gpt-5.4-mini-2026-03-17"]),
    ("gpt-5.4-nano", "gpt-5.4-nano", "openai", ["gpt-5.4-nano-2026-03-17"]),
    ("gpt-5", "gpt-5", "openai", ["gpt-5-2025-08-07"]),
    ("gpt-5-mini", "gpt-5-mini", "openai", ["gpt-5-mini-2025-08-07"]),
    ("gpt-4.1", "gpt-4.1", "openai", ["gpt-4.1-2025-04-14"]),
    ("gpt-4o-mini", "gpt-4o-mini", "openai", ["gpt-4o-mini-2024-07-18"]),
    ("o3", "o3", "openai", ["o3-2025-04-16"]),
    ("o4-mini", "o4-mini", "openai", ["o4-mini-2025-04-16"]),
    ("claude-opus-5", "claude-opus-5", "anthropic", []),
    ("claude-sonnet-5", "claude-sonnet-5", "anthropic", []),
    ("claude-haiku-5-5", "claude-haiku-5-5", "anthropic", []),
    ("claude-opus-4-7", "claude-opus-4-7", "anthropic", ["claude-opus-4-7-20260416"]),
    ("claude-sonnet-4-6", "claude-sonnet-4-6", "anthropic", []),
    ("claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic", ["claude-sonnet-4-5-20250929"]),
    ("claude-haiku-4-5", "claude-haiku-4-5", "anthropic", ["claude-haiku-4-5-20251001"]),
    ("gemini-3.1-pro-preview", "gemini-3.1-pro-preview", "google", ["gemini/gemini-3.1-pro-preview"]),
    ("gemini-3.8-flash", "gemini-3.8-flash", "google", ["gemini/gemini-3.8-flash"]),
    ("gemini-3.5-flash-lite", "gemini-3.5-flash-lite", "google", ["gemini/gemini-3.5-flash-lite"]),
    ("gemini-2.5-pro", "gemini-2.5-pro", "google", ["gemini/gemini-2.5-pro"]),
    ("gemini-2.5-flash", "gemini-2.5-flash", "google", ["gemini/gemini-2.5-flash"]),
    ("moonshot/kimi-k3", "kimi-k3", "moonshot", ["moonshot/kimi-k3"]),
    ("moonshot/kimi-k2.6", "kimi-k2.6", "moonshot", ["moonshot/kimi-k2.6"]),
    ("moonshot/kimi-k2.7-code", "kimi-k2.7-code", "moonshot", ["moonshot/kimi-k2.7-code"]),
    ("minimax/MiniMax-M3", "MiniMax-M3", "minimax", ["minimax/MiniMax-M3"]),
    ("minimax/MiniMax-M2.5", "MiniMax-M2.5", "minimax", ["minimax/MiniMax-M2.5"]),
    ("zai/glm-5.3", "glm-5.3", "zai", ["zai/glm-5.3"]),
    ("zai/glm-5.1", "glm-5.1", "zai", ["zai/glm-5.1"]),
    ("zai/glm-4.7-flash", "glm-4.7-flash", "zai", ["zai/glm-4.7-flash"]),
    ("volcengine/doubao-seed-2-1-pro-260915", "doubao-seed-2-1-pro", "volcengine",
     ["doubao-seed-2-1-pro-260915", "volcengine/doubao-seed-2-1-pro-260915"]),
    ("volcengine/doubao-seed-2-1-lite-260915", "doubao-seed-2-1-lite", "volcengine",
     ["doubao-seed-2-1-lite-260915", "volcengine/doubao-seed-2-1-lite-260915"]),
    ("dashscope/qwen3.8-max", "qwen3.8-max", "dashscope-intl", ["dashscope/qwen3.8-max"]),
    ("dashscope/qwen3.8-flash", "qwen3.8-flash", "dashscope-intl", ["dashscope/qwen3.8-flash"]),
    ("dashscope/qwen3.7-plus", "qwen3.7-plus", "dashscope-intl", ["dashscope/qwen3.7-plus"]),
]

PROVIDER_PAGES = {
    "openai": "https://developers.openai.com/api/docs/pricing",
    "anthropic": "https://platform.claude.com/docs/en/about-claude/pricing",
    "google": "https://ai.google.dev/gemini-api/docs/pricing",
    "moonshot": "https://platform.kimi.ai/docs/pricing",
    "minimax": "https://platform.minimax.io/docs/guides/pricing-paygo",
    "zai": "https://docs.z.ai/guides/overview/pricing",
    "volcengine": "https://www.volcengine.com/docs/82379/1544106",
    "dashscope-intl": "https://www.alibabacloud.com/help/en/model-studio/models",
}

NOTES = {
    "volcengine": "LiteLLM lists Volcengine's prices in USD; Volcengine bills in CNY, and its CNY figures "
                  "were not verified here",
}

DEEPSEEK_PAGE = "https://api-docs.deepseek.com/quick_start/pricing"
DEEPSEEK_PAGE_CN = "https://api-docs.deepseek.com/zh-cn/quick_start/pricing"
ALIBABA_CN_PAGE = "https://help.aliyun.com/zh/model-studio/models"


def rates(inp, cached, out, **extra):
    result = {"input": inp, "cached_input": cached, "output": out}
    result.update(extra)
    return result


def half():
    return {"multiplier": "0.5"}


# DeepSeek's V4 off-peak hours: every hour outside 01:00-04:00 and 06:00-10:00 UTC on weekdays,
# and all of Saturday and Sunday. (Chinese public holidays are off-peak too; not modelled.)
V4_OFF_PEAK = [
    {"name": "off-peak", "hours_utc": ["10:00-01:00", "04:00-06:00"], "weekdays": [1, 2, 3, 4, 5],
     "adjustment": half()},
    {"name": "off-peak", "hours_utc": ["00:00-00:00"], "weekdays": [6, 7], "adjustment": half()},
]
V4_NOTE = "off-peak is half the peak price; Chinese public holidays, also off-peak, are not modelled"


def version(start, currency, r, url, as_of, note=None, **rest):
    source = {"url": url, "as_of": as_of}
    if note:
        source["note"] = note
    entry = {"effective_from": start, "currency": currency, "rates": r, "source": source}
    entry.update(rest)
    return entry


def deepseek_legacy(model_id, aliases, first, first_factor):
    """deepseek-chat / deepseek-reasoner: the V3 and R1 prices, the 16:30-00:30 UTC off-peak
    discount (50% for chat, 75% for reasoner), then V3.1's and V3.2's flat prices."""
    window = [{"name": "off-peak", "hours_utc": ["16:30-00:30"], "adjustment": {"multiplier": first_factor}}]
    return {
        "id": model_id, "provider": "deepseek", "aliases": aliases, "context_window": 131072,
        "capabilities": ["caching", "json"] + (["tools"] if model_id == "deepseek-chat" else ["reasoning"]),
        "prices": [
            version("2025-02-08T16:00:00Z", "USD", first, DEEPSEEK_PAGE, "2025-02-08",
                    "price after the launch discount ended"),
            version("2025-02-26T16:30:00Z", "USD", first, DEEPSEEK_PAGE, "2025-02-26",
                    "off-peak discount 16:30-00:30 UTC introduced", time_windows=window),
            version("2025-09-05T16:00:00Z", "USD", rates("0.56", "0.07", "1.68"), DEEPSEEK_PAGE, "2025-09-05",
                    "DeepSeek-V3.1 price; off-peak discount withdrawn"),
            version("2025-09-29T00:00:00Z", "USD", rates("0.28", "0.028", "0.42"), DEEPSEEK_PAGE, "2025-09-29",
                    "DeepSeek-V3.2 price, announced 2025-09-29 (hour not recorded; midnight UTC assumed)"),
        ],
    }


def hand_curated():
    models = [
        deepseek_legacy("deepseek-chat", ["deepseek/deepseek-chat"], rates("0.27", "0.07", "1.1"), "0.5"),
        deepseek_legacy("deepseek-reasoner", ["deepseek/deepseek-reasoner"], rates("0.55", "0.14", "2.19"), "0.25"),
        {
            "id": "deepseek-flash", "provider": "deepseek",
            "aliases": ["deepseek/deepseek-flash", "deepseek-v4-flash", "deepseek/deepseek-v4-flash"],
            "context_window": 1000000, "max_output_tokens": 393216,
            "capabilities": ["caching", "json", "reasoning", "tools", "vision"],
            "prices": [
                version("2026-07-31T00:00:00Z", "USD", rates("0.14", "0.0028", "0.28"), DEEPSEEK_PAGE, "2026-08-15",
                        "DeepSeek-V4-Flash-0731 flat price (start taken as the model's release date)"),
                version("2026-08-16T16:00:00Z", "USD", rates("0.44", "0.014", "1.32"), DEEPSEEK_PAGE, "2026-08-16",
                        "peak price; " + V4_NOTE, time_windows=V4_OFF_PEAK),
                version("2026-09-10T04:00:00Z", "USD", rates("0.3", "0.006", "1.2"), DEEPSEEK_PAGE, "2026-11-15",
                        "DeepSeek-V4.1-Flash peak price; deepseek-v4-flash is served and billed as deepseek-flash; "
                        + V4_NOTE, time_windows=V4_OFF_PEAK),
            ],
        },
        {
            "id": "deepseek-v4-pro", "provider": "deepseek", "aliases": ["deepseek/deepseek-v4-pro"],
            "context_window": 1000000, "max_output_tokens": 393216,
            "capabilities": ["caching", "json", "reasoning", "tools"],
            "prices": [
                version("2026-08-13T00:00:00Z", "USD", rates("0.435", "0.003625", "0.87"), DEEPSEEK_PAGE,
                        "2026-08-15", "DeepSeek-V4-Pro-0813 flat price (start taken as the model's release date)"),
                version("2026-08-16T16:00:00Z", "USD", rates("1.32", "0.044", "3.96"), DEEPSEEK_PAGE, "2026-11-15",
                        "peak price; " + V4_NOTE, time_windows=V4_OFF_PEAK),
            ],
        },
        {
            "id": "deepseek-cn/deepseek-flash", "provider": "deepseek-cn", "aliases": ["deepseek-cn/deepseek-v4-flash"],
            "context_window": 1000000, "max_output_tokens": 393216,
            "capabilities": ["caching", "json", "reasoning", "tools", "vision"],
            "prices": [
                version("2026-09-10T04:00:00Z", "CNY", rates("2", "0.04", "8"), DEEPSEEK_PAGE_CN, "2026-11-15",
                        "peak price for accounts billed in CNY; " + V4_NOTE, time_windows=V4_OFF_PEAK),
            ],
        },
        {
            "id": "deepseek-cn/deepseek-v4-pro", "provider": "deepseek-cn", "context_window": 1000000,
            "max_output_tokens": 393216, "capabilities": ["caching", "json", "reasoning", "tools"],
            "prices": [
                version("2026-08-16T16:00:00Z", "CNY", rates("9", "0.3", "27"), DEEPSEEK_PAGE_CN, "2026-11-15",
                        "peak price for accounts billed in CNY; " + V4_NOTE, time_windows=V4_OFF_PEAK),
            ],
        },
    ]
    alibaba_note = ("Model Studio (mainland China) price by input length, whole request; implicit cache hits at "
                    "20% of input, explicit cache writes at 125%; explicit cache hits (10%) are not distinguished")
    models.append({
        "id": "qwen-flash", "provider": "dashscope", "aliases": ["dashscope/qwen-flash"],
        "context_window": 1000000, "max_output_tokens": 32768,
        "capabilities": ["caching", "json", "reasoning", "tools"],
        "prices": [version("2025-07-28T00:00:00Z", "CNY", rates("0.15", "0.03", "1.5", cache_write="0.1875"),
                           ALIBABA_CN_PAGE, "2026-06-01", alibaba_note, batch=half(),
                           tiers={"kind": "whole_request", "bands": [
                               {"above_input_tokens": 128000, "rates": rates("0.6", "0.12", "6", cache_write="0.75")},
                               {"above_input_tokens": 256000, "rates": rates("1.2", "0.24", "12", cache_write="1.5")},
                           ]})],
    })
    models.append({
        "id": "qwen3-max", "provider": "dashscope", "aliases": ["dashscope/qwen3-max"],
        "context_window": 262144, "max_output_tokens": 65536,
        "capabilities": ["caching", "json", "tools"],
        "prices": [version("2025-09-23T00:00:00Z", "CNY", rates("2.5", "0.5", "10", cache_write="3.125"),
                           ALIBABA_CN_PAGE, "2026-06-01", alibaba_note, batch=half(),
                           tiers={"kind": "whole_request", "bands": [
                               {"above_input_tokens": 32000, "rates": rates("4", "0.8", "16", cache_write="5")},
                               {"above_input_tokens": 128000, "rates": rates("7", "1.4", "28", cache_write="8.75")},
                           ]})],
    })
    # Embedding models: input tokens only (no output, no cache). OpenAI's list prices, read off its
    # pricing page; batch at half price.
    embeddings_note = "embedding model: billed on input tokens only"
    for model_id, price, window, dimensions in [("text-embedding-3-small", "0.02", 8191, 1536),
                                                ("text-embedding-3-large", "0.13", 8191, 3072),
                                                ("text-embedding-ada-002", "0.1", 8191, 1536)]:
        models.append({
            "id": model_id, "provider": "openai", "context_window": window, "max_output_tokens": 0,
            "capabilities": ["embeddings"],
            "prices": [version("1970-01-01T00:00:00Z", "USD", rates(price, price, "0"), PROVIDER_PAGES["openai"],
                               "2026-12-07", f"{embeddings_note}; {dimensions} dimensions", batch=half())],
        })
    return models


def main():
    binary, litellm_path = sys.argv[1], sys.argv[2]
    with open(litellm_path) as f:
        table = json.load(f)
    subset = {}
    for key, model_id, _, _ in FROM_LITELLM:
        subset[model_id] = table[key]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as tmp:
        json.dump(subset, tmp)
        tmp.flush()
        imported = json.loads(subprocess.run([binary, "prices", "import", "litellm", tmp.name],
                                             check=True, capture_output=True, text=True).stdout)
    by_id = {m["id"]: m for m in imported["models"]}
    models = []
    for key, model_id, provider, aliases in FROM_LITELLM:
        model = by_id[model_id]
        model["provider"] = provider
        if aliases:
            model["aliases"] = aliases
        for price in model["prices"]:
            url = table[key].get("source") or PROVIDER_PAGES[provider]
            note = f"figures as recorded in LiteLLM's price file (litellm 1.106.2), key '{key}'"
            if provider in NOTES:
                note += "; " + NOTES[provider]
            price["source"] = {"url": url, "as_of": READ_ON, "note": note}
        models.append(model)
    models += hand_curated()
    models.sort(key=lambda m: (m["provider"], m["id"]))
    catalog = {
        "description": "Tollgate's built-in catalog: current models of DeepSeek, Qwen, Kimi, MiniMax, GLM, Doubao, "
                       "OpenAI, Anthropic and Google. Prices per 1M tokens in each price's currency. Built by "
                       "scripts/build-catalog.py; config prices override these.",
        "models": models,
    }
    json.dump(catalog, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
