"""Cross-check Tollgate's prices against LiteLLM's cost calculator.

Both price from LiteLLM's own price file: Tollgate through `tollgate prices import litellm`,
LiteLLM offline (LITELLM_LOCAL_MODEL_COST_MAP=True). Every usage shape is priced by both; a
disagreement is any difference above one nano-unit (LiteLLM works in binary floating point,
Tollgate in exact integers rounded once). Every disagreement is listed, with the price-file
features of its model so it can be explained.
"""

import argparse
import importlib.metadata
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
from litellm._internal_context import pinned_billing_time  # noqa: E402
from litellm.cost_calculator import batch_cost_calculator  # noqa: E402
from litellm.types.utils import Usage  # noqa: E402

# Models every run includes, for the rules they exercise: 1-hour cache writes, long-context
# tiers, Alibaba's whole-request tiers, DeepSeek's off-peak windows, OpenAI's service tiers.
MUST = [
    "claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "gemini-2.5-pro", "gemini/gemini-2.5-pro",
    "dashscope/qwen-flash", "dashscope/qwen-plus", "dashscope/qwen3-max", "deepseek-v4-flash", "deepseek-v4-pro",
    "deepseek/deepseek-chat", "deepseek/deepseek-reasoner", "gpt-5", "gpt-5-mini", "gpt-4o", "o3", "gpt-4.1",
    "moonshot/kimi-k2-0905-preview", "xai/grok-4", "zai/glm-4.6", "minimax/MiniMax-M2",
]
FEATURES = ["cache_creation_input_token_cost_above_1hr", "tiered_pricing", "off_peak_pricing",
            "output_cost_per_reasoning_token", "input_cost_per_token_batches", "input_cost_per_token_flex",
            "input_cost_per_token_priority", "input_cost_per_request"]


def eligible(name, entry):
    if name == "sample_spec" or entry.get("mode", "chat") not in ("chat", "completion", "responses"):
        return False
    return ("input_cost_per_token" in entry and "output_cost_per_token" in entry) or "tiered_pricing" in entry


def features(entry):
    found = [f for f in FEATURES if f in entry]
    found += sorted({k.split("_above_")[1] for k in entry if "_above_" in k and k.endswith("_tokens")})
    return found


def thresholds(entry):
    values = []
    for key in entry:
        if key.startswith("input_cost_per_token_above_") and key.endswith("_tokens"):
            label = key[len("input_cost_per_token_above_"):-len("_tokens")]
            if label.endswith("k") and label[:-1].isdigit():
                values.append(int(label[:-1]) * 1000)
            elif label.isdigit():
                values.append(int(label))
    for tier in entry.get("tiered_pricing", []):
        values.append(int(tier["range"][0]))
    return [v for v in values if v > 0]


def shape(rng, entry):
    """A usage shape in Tollgate's disjoint counts, sometimes straddling a tier threshold."""
    edges = thresholds(entry)
    total_input = rng.choice([rng.randint(1, 4000), rng.randint(1, 60000), rng.randint(1000, 300000)])
    if edges and rng.random() < 0.4:
        edge = rng.choice(edges)
        total_input = max(1, edge + rng.choice([-1, 0, 1, 1000]))
    cached = rng.randint(0, total_input) if rng.random() < 0.6 else 0
    write = rng.randint(0, total_input - cached) if rng.random() < 0.4 else 0
    write_1h = rng.randint(0, write) if write and "cache_creation_input_token_cost_above_1hr" in entry and rng.random() < 0.5 else 0
    uncached = total_input - cached - write
    output = rng.randint(0, 8000)
    reasoning = rng.randint(0, 8000) if rng.random() < 0.4 else 0
    start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 365 * 86400 - 1))
    options = {}
    if "input_cost_per_token_batches" in entry and rng.random() < 0.2:
        options["batch"] = True
    elif "input_cost_per_token_flex" in entry and rng.random() < 0.2:
        options["service_tier"] = "flex"
    elif "input_cost_per_token_priority" in entry and rng.random() < 0.2:
        options["service_tier"] = "priority"
    return dict(input=uncached, cached=cached, write=write - write_1h, write_1h=write_1h, output=output,
                reasoning=reasoning, at=start, **options)


def litellm_usage(s):
    write = s["write"] + s["write_1h"]
    details = {"cached_tokens": s["cached"], "cache_creation_tokens": write}
    if s["write_1h"]:
        details["cache_creation_token_details"] = {"ephemeral_5m_input_tokens": s["write"],
                                                   "ephemeral_1h_input_tokens": s["write_1h"]}
    prompt = s["input"] + s["cached"] + write
    completion = s["output"] + s["reasoning"]
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion,
                 prompt_tokens_details=details,
                 completion_tokens_details={"reasoning_tokens": s["reasoning"]} if s["reasoning"] else None,
                 cache_creation_input_tokens=write, cache_read_input_tokens=s["cached"])


def litellm_cost(name, entry, s):
    usage = litellm_usage(s)
    provider = entry.get("litellm_provider")
    with pinned_billing_time(s["at"]):
        if s.get("batch"):
            prompt, completion = batch_cost_calculator(usage=usage, model=name, custom_llm_provider=provider)
        else:
            prompt, completion = litellm.cost_per_token(model=name, custom_llm_provider=provider, usage_object=usage,
                                                        service_tier=s.get("service_tier"))
    return prompt + completion


def tollgate_cost(binary, catalog, name, s):
    args = [binary, "prices", "cost", "--catalog", catalog, "--model", name, "--json",
            "--input", str(s["input"]), "--output", str(s["output"]), "--cached-input", str(s["cached"]),
            "--cache-write", str(s["write"]), "--cache-write-1h", str(s["write_1h"]),
            "--reasoning", str(s["reasoning"]), "--at", s["at"].strftime("%Y-%m-%dT%H:%M:%SZ")]
    if s.get("batch"):
        args.append("--batch")
    if s.get("service_tier"):
        args += ["--service-tier", s["service_tier"]]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip())
    return json.loads(run.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tollgate", required=True)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--prices", required=True)
    parser.add_argument("--shapes", type=int, default=600)
    parser.add_argument("--models", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    with open(args.prices) as f:
        table = json.load(f)
    rng = random.Random(args.seed)
    names = [n for n in MUST if n in table and eligible(n, table[n])]
    pool = sorted(n for n, e in table.items() if eligible(n, e) and n not in names)
    names += rng.sample(pool, max(0, args.models - len(names)))
    per_model = -(-args.shapes // len(names))

    priced = 0
    disagreements = []
    failures = []
    for name in names:
        entry = table[name]
        for _ in range(per_model):
            s = shape(rng, entry)
            try:
                theirs = litellm_cost(name, entry, s)
            except Exception as error:  # LiteLLM refusing a model is a finding, not a crash
                failures.append((name, "litellm", str(error).splitlines()[0][:160], s))
                continue
            try:
                ours = tollgate_cost(args.tollgate, args.catalog, name, s)
            except Exception as error:
                failures.append((name, "tollgate", str(error)[:160], s))
                continue
            priced += 1
            theirs_nanos = theirs * 1e9
            if abs(ours["total_nanos"] - theirs_nanos) > 1.0:
                disagreements.append((name, s, ours, theirs))

    print(f"litellm {importlib.metadata.version('litellm')}; seed {args.seed}")
    print(f"priced {priced} usage shapes over {len(names)} models with both; "
          f"{len(disagreements)} disagreements, {len(failures)} shapes one side refused")
    for name, s, ours, theirs in disagreements:
        counts = {k: v for k, v in s.items() if k != "at" and v}
        print(f"DISAGREE {name} at {s['at']:%Y-%m-%dT%H:%M:%SZ} {counts}: tollgate {ours['total']} "
              f"litellm {theirs:.9f} (tier {ours.get('tier_above_input_tokens')}, window {ours.get('time_window')}) "
              f"features {features(table[name])}")
    refused = {}
    for name, side, error, _ in failures:
        refused.setdefault((name, side, error), 0)
        refused[(name, side, error)] += 1
    for (name, side, error), count in sorted(refused.items()):
        print(f"REFUSED by {side} ({count} shapes): {name}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
