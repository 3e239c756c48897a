#!/usr/bin/env python3
"""What Tollgate adds to an agent's turns: each turn resends the whole history, so prompts grow to
tens of thousands of tokens and the gateway's per-request work (parse, count, digest, re-encode)
grows with them.

    python3 bench/agent-history.py --upstream http://127.0.0.1:PORT/v1 \
        --target base=http://127.0.0.1:P1/v1,KEY1 --target new=http://127.0.0.1:P2/v1,KEY2 [--turns 60] [--sessions 3]

(bench/agent-history.sh starts the fake upstream and the gateways and runs this.)

Sends, one at a time over a kept-alive connection, `--sessions` agent sessions of `--turns` turns
(each turn adds a user message and the assistant's answer of about 1,100 words, so the last turn
carries ~70k tokens) to the upstream straight and through each target, interleaved turn by turn
(straight, target 1, target 2, ... for the same body) so that drift hits all alike. Then the
same for "fresh" prompts: bodies of the same sizes never seen before (nothing to remember).
Prints the added latency (target minus straight, same body) by prompt size: median and p90.
Standard library only; the fake upstream is bench/gateway's upstream.c.
"""
import argparse, http.client, json, random, statistics, time, urllib.parse

WORDS = ("the ledger settles every token that an agent spends while routing cheap models for routine work "
         "and premium ones for hard reasoning budget reservation escrow tool call result diff patch file test "
         "function return value error retry plan step observe think answer user assistant system").split()


def post(conn, path, body, key):
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    began = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}: {data[:300]!r}")
    return elapsed


def connect(url):
    parsed = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60), parsed.path.rstrip("/") + "/chat/completions"


def session_bodies(rng, model, turns, tag):
    messages = [{"role": "system", "content": f"You are a coding agent ({tag})."}]
    for turn in range(turns):
        words = " ".join(rng.choice(WORDS) for _ in range(550))
        messages.append({"role": "user", "content": f"Turn {turn} ({tag}): {words}"})
        yield json.dumps({"model": model, "max_tokens": 16, "messages": messages}).encode()
        answer = " ".join(rng.choice(WORDS) for _ in range(550))
        messages.append({"role": "assistant", "content": f"{answer}\n```python\ndef step_{turn}(x):\n    return x * {turn}\n```"})


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--target", action="append", required=True, help="NAME=URL,KEY")
    ap.add_argument("--model", default="bench-0ms")
    ap.add_argument("--turns", type=int, default=60)
    ap.add_argument("--sessions", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    targets = []
    for spec in args.target:
        name, rest = spec.split("=", 1)
        url, key = rest.split(",", 1)
        targets.append((name, *connect(url), key))
    straight, straight_path = connect(args.upstream)
    rng = random.Random(args.seed)
    # Warm-up: the first request through a gateway loads the model's tokenizer.
    warm = next(session_bodies(random.Random(0), args.model, 1, "warm-up"))
    post(straight, straight_path, warm, None)
    for name, conn, path, key in targets:
        post(conn, path, warm, key)
    buckets = [(0, 16_000), (16_000, 128_000), (128_000, 256_000), (256_000, 10**9)]
    results = {}  # (kind, name, bucket) -> [added seconds]
    for kind in ("history", "fresh"):
        for session in range(args.sessions):
            for body in session_bodies(rng, args.model, args.turns, f"{kind}-{session}"):
                if kind == "fresh":
                    # Same size, never seen: every message's text changed (the turn's tag in each).
                    decoded = json.loads(body)
                    nonce = rng.randrange(1 << 60)
                    for message in decoded["messages"]:
                        message["content"] = f"[{nonce}] " + message["content"]
                    body = json.dumps(decoded).encode()
                base = post(straight, straight_path, body, None)
                bucket = next(b for b in buckets if b[0] <= len(body) < b[1])
                for name, conn, path, key in targets:
                    added = post(conn, path, body, key) - base
                    results.setdefault((kind, name, bucket), []).append(added)
    print(f"{'prompts':8} {'body bytes':>16} {'target':>10} {'n':>4} {'added p50 ms':>13} {'added p90 ms':>13}")
    for kind in ("history", "fresh"):
        for bucket in buckets:
            for name, *_ in targets:
                values = results.get((kind, name, bucket))
                if not values:
                    continue
                label = f"{bucket[0] // 1000}k-{bucket[1] // 1000 if bucket[1] < 10**9 else '∞'}k"
                print(f"{kind:8} {label:>16} {name:>10} {len(values):4} {statistics.median(values) * 1e3:13.2f} {percentile(values, 0.9) * 1e3:13.2f}")


if __name__ == "__main__":
    main()
