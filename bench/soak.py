"""Soak load generator for bench/soak.sh: open-loop mixed traffic against a running `tollgate demo`,
sampling the gateway process (RSS, fds, CPU), its database files and its /metrics every interval;
then, once the gateway has been stopped, the ledger and the request records checked against each
other and against what the clients saw.

    soak.py run    --url URL --key KEY --pid PID --db PATH --minutes M --rate R --seed S --out DIR
    soak.py report --bin TOLLGATE --db PATH --out DIR --credit NANOS --exit-status N [--gateway-log FILE]

Arrivals are Poisson at the fixed rate (exponential gaps from a seeded generator), each request a task
of its own, so a slow gateway does not slow the offered load (open loop). What each request is —
API, model, stream or not, the fake provider's behaviour, a client that hangs up — is drawn from the
same generator, so a seed gives the same sequence of requests.
"""
import argparse
import asyncio
import csv
import json
import math
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict

import httpx

PROMPTS = [
    "Summarize the ledger in one line.",
    "What does a virtual key do?",
    "Write a haiku about rate limits.",
    "Explain double-entry bookkeeping to a child.",
    "Name three prime numbers and say why they are prime.",
    "Translate 'the token is the unit of account' into French.",
]

# (kind, weight, api, stream, behaviour for the fake (None: normal), expected outcome)
# Outcomes: ok (2xx, complete answer), stream_error (2xx head, then an error event: the upstream
# broke mid-stream), http_NNN, client_cut (this client hung up mid-stream on purpose).
KINDS = [
    ("openai_plain",        26, "openai",    False, None,                 "ok"),
    ("openai_stream",       20, "openai",    True,  None,                 "ok"),
    ("anthropic_plain",     11, "anthropic", False, None,                 "ok"),
    ("anthropic_stream",    11, "anthropic", True,  None,                 "ok"),
    ("paced_stream",         4, "either",    True,  {"paced_ms": 20},     "ok"),
    ("bytewise_stream",      2, "either",    True,  "bytewise",           "ok"),
    ("omit_usage_plain",     2, "either",    False, "omit_usage",         "ok"),
    ("omit_usage_stream",    2, "either",    True,  "omit_usage",         "ok"),
    ("fail_503",             4, "either",    None,  {"fail": 503},        "http_503"),
    ("fail_429",             3, "either",    None,  {"fail": 429},        "http_429"),
    ("cut_stream",           5, "either",    True,  {"cut_after": 3},     "stream_error"),
    ("malformed_plain",      2, "either",    False, "malformed_json",     "http_502"),
    ("malformed_stream",     2, "either",    True,  "malformed_json",     "stream_error"),
    ("client_disconnect",    6, "either",    True,  {"paced_ms": 20},     "client_cut"),
]
# Kinds whose latency is a plain relay of a normal answer: their p99 is the gateway's, not the
# fake's pacing or a 429's retry-after.
FAST_KINDS = {"openai_plain", "openai_stream", "anthropic_plain", "anthropic_stream", "omit_usage_plain", "omit_usage_stream"}

OPENAI_MODELS = [("deepseek-chat", 50), ("gpt-4o", 25), ("auto", 10), ("claude-sonnet-4-5", 15)]
ANTHROPIC_MODELS = [("claude-sonnet-4-5", 65), ("deepseek-chat", 35)]


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for item, w in weighted:
        x -= w
        if x <= 0:
            return item
    return weighted[-1][0]


def plan(rng):
    """One request's description, drawn from rng."""
    kind = pick(rng, [(k, k[1]) for k in KINDS])
    name, _, api, stream, behaviour, expected = kind
    if api == "either":
        api = "openai" if rng.random() < 0.6 else "anthropic"
    if stream is None:
        stream = rng.random() < 0.5
    model = pick(rng, OPENAI_MODELS if api == "openai" else ANTHROPIC_MODELS)
    prompt = rng.choice(PROMPTS)
    hang_up_after = rng.randint(2, 8) if expected == "client_cut" else None
    return {"kind": name, "api": api, "stream": stream, "model": model, "behaviour": behaviour,
            "expected": expected, "prompt": prompt, "hang_up_after": hang_up_after}


def request_for(p, key):
    tag = None if p["behaviour"] is None else "fake:" + json.dumps(p["behaviour"])
    if p["api"] == "openai":
        body = {"model": p["model"], "max_tokens": 64, "messages": [{"role": "user", "content": p["prompt"]}]}
        if p["stream"]:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        if tag:
            body["user"] = tag
        return "/v1/chat/completions", {"Authorization": f"Bearer {key}"}, body
    body = {"model": p["model"], "max_tokens": 64, "messages": [{"role": "user", "content": p["prompt"]}]}
    if p["stream"]:
        body["stream"] = True
    if tag:
        body["metadata"] = {"user_id": tag}
    return "/v1/messages", {"x-api-key": key, "anthropic-version": "2023-06-01"}, body


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))
    return values[index]


class Stats:
    def __init__(self):
        self.sent = 0
        self.shed = 0            # not sent: too many in flight (the gateway fell far behind)
        self.in_flight = 0
        self.outcomes = Counter()              # outcome -> n
        self.by_kind = defaultdict(Counter)    # kind -> outcome -> n
        self.status_class = Counter()          # 2xx/4xx/5xx -> n
        self.transport = Counter()             # exception class name -> n
        self.unexpected = Counter()            # (kind, outcome) -> n
        self.unexpected_examples = []
        self.interval_latencies = []
        self.interval_fast = []
        self.interval_status = Counter()
        self.interval_transport = 0
        self.interval_unexpected = 0
        self.max_lag = 0.0


async def one(client, p, key, stats, records_out, start):
    path, headers, body = request_for(p, key)
    began = time.monotonic()
    outcome, status, request_id, cost = None, None, None, None
    try:
        if not p["stream"]:
            response = await client.post(path, headers=headers, json=body)
            status = response.status_code
            request_id = response.headers.get("x-tollgate-request-id")
            if 200 <= status < 300:
                data = response.json()
                usage = data.get("usage") or {}
                cost = usage.get("cost")
                complete = bool(data.get("choices")) if p["api"] == "openai" else data.get("type") == "message"
                outcome = "ok" if complete else "incomplete"
            else:
                outcome = f"http_{status}"
        else:
            async with client.stream("POST", path, headers=headers, json=body) as response:
                status = response.status_code
                request_id = response.headers.get("x-tollgate-request-id")
                if not 200 <= status < 300:
                    await response.aread()
                    outcome = f"http_{status}"
                else:
                    events, finished, errored = 0, False, False
                    async for line in response.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        payload = line[5:].strip()
                        events += 1
                        if payload == "[DONE]":
                            finished = True
                            continue
                        try:
                            event = json.loads(payload)
                        except ValueError:
                            errored = True
                            continue
                        if "error" in event and (p["api"] == "openai" or event.get("type") == "error"):
                            errored = True
                        usage = event.get("usage") if isinstance(event, dict) else None
                        if isinstance(usage, dict) and usage.get("cost") is not None:
                            cost = usage["cost"]
                        if event.get("type") == "message_stop":
                            finished = True
                        if p["hang_up_after"] is not None and events >= p["hang_up_after"]:
                            break  # leaving the block closes the connection mid-stream
                    if p["hang_up_after"] is not None and events >= p["hang_up_after"] and not finished:
                        outcome = "client_cut"
                    elif errored:
                        outcome = "stream_error"
                    elif finished:
                        outcome = "ok"
                    else:
                        outcome = "incomplete"
    except httpx.HTTPError as error:
        outcome = "transport"
        stats.transport[type(error).__name__] += 1
        stats.interval_transport += 1
    except Exception as error:  # a body this client could not read: counted, never lost
        outcome = f"client_error_{type(error).__name__}"
    latency = time.monotonic() - began
    stats.in_flight -= 1
    stats.outcomes[outcome] += 1
    stats.by_kind[p["kind"]][outcome] += 1
    if status is not None:
        cls = f"{status // 100}xx"
        stats.status_class[cls] += 1
        stats.interval_status[cls] += 1
    stats.interval_latencies.append(latency)
    if p["kind"] in FAST_KINDS:
        stats.interval_fast.append(latency)
    if outcome != p["expected"]:
        stats.unexpected[(p["kind"], outcome)] += 1
        stats.interval_unexpected += 1
        if len(stats.unexpected_examples) < 20:
            stats.unexpected_examples.append({**p, "outcome": outcome, "status": status, "request_id": request_id})
    records_out.write(json.dumps({"t": round(began - start, 3), "id": request_id, "kind": p["kind"], "api": p["api"], "model": p["model"],
                                  "stream": p["stream"], "status": status, "outcome": outcome, "cost": cost,
                                  "latency_ms": round(latency * 1000, 1)}) + "\n")


def proc_sample(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
                    name, value = line.split(":", 1)
                    out[name] = int(value.split()[0])
        out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out["cpu_ticks"] = int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError):
        out["gone"] = True
    return out


def db_bytes(path):
    return sum(os.path.getsize(path + suffix) for suffix in ("", "-wal", "-shm") if os.path.exists(path + suffix))


async def scrape(client):
    """Open reservations, breakers not closed, and the request/cost totals from /metrics."""
    try:
        text = (await client.get("/metrics", timeout=10)).text
    except httpx.HTTPError:
        return {}
    out = {"open_reservations": 0, "breakers_not_closed": 0, "requests_total": 0, "cost_nanos_total": 0}
    for line in text.splitlines():
        if line.startswith("tollgate_open_reservations "):
            out["open_reservations"] = int(float(line.split()[-1]))
        elif line.startswith("tollgate_circuit_breaker_state{") and float(line.split()[-1]) != 0:
            out["breakers_not_closed"] += 1
        elif line.startswith("tollgate_requests_total{"):
            out["requests_total"] += int(float(line.split()[-1]))
        elif line.startswith("tollgate_cost_nano_total{"):
            out["cost_nanos_total"] += int(float(line.split()[-1]))
    return out


# rss_mb and hwm_mb are MiB (VmRSS / 1024), db_mb is MB (10^6 bytes); p50/p99 are the interval's, as the
# client saw them (end of answer, or of stream).
FIELDS = ["elapsed_s", "sent", "in_flight", "shed", "answered_2xx", "answered_4xx", "answered_5xx", "transport_errors",
          "unexpected", "p50_ms", "p99_ms", "p99_fast_ms", "rss_mb", "hwm_mb", "threads", "fds", "cpu_pct", "db_mb",
          "open_reservations", "breakers_not_closed", "max_lag_ms"]


async def run(args):
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    stats = Stats()
    duration = args.minutes * 60
    limits = httpx.Limits(max_connections=args.max_in_flight, max_keepalive_connections=200)
    timeout = httpx.Timeout(60.0, connect=10.0)
    samples_file = open(os.path.join(args.out, "samples.csv"), "w", newline="")
    writer = csv.DictWriter(samples_file, fieldnames=FIELDS)
    writer.writeheader()
    records_out = open(os.path.join(args.out, "requests.jsonl"), "w")
    samples = []
    tasks = set()
    hz = os.sysconf("SC_CLK_TCK")
    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=timeout) as client, \
            httpx.AsyncClient(base_url=args.url, timeout=10) as metrics_client:
        start = time.monotonic()
        last = {"t": start, "cpu": proc_sample(args.pid).get("cpu_ticks", 0)}

        async def sample(final=False):
            now = time.monotonic()
            proc = proc_sample(args.pid)
            metrics = await scrape(metrics_client)
            cpu = proc.get("cpu_ticks", last["cpu"])
            cpu_pct = 100.0 * (cpu - last["cpu"]) / hz / max(1e-9, now - last["t"])
            last.update(t=now, cpu=cpu)
            p50 = percentile(stats.interval_latencies, 50)
            p99 = percentile(stats.interval_latencies, 99)
            p99f = percentile(stats.interval_fast, 99)
            row = {
                "elapsed_s": round(now - start), "sent": stats.sent, "in_flight": stats.in_flight, "shed": stats.shed,
                "answered_2xx": stats.interval_status["2xx"], "answered_4xx": stats.interval_status["4xx"],
                "answered_5xx": stats.interval_status["5xx"], "transport_errors": stats.interval_transport,
                "unexpected": stats.interval_unexpected,
                "p50_ms": None if p50 is None else round(p50 * 1000, 1),
                "p99_ms": None if p99 is None else round(p99 * 1000, 1),
                "p99_fast_ms": None if p99f is None else round(p99f * 1000, 1),
                "rss_mb": round(proc.get("VmRSS", 0) / 1024, 1), "hwm_mb": round(proc.get("VmHWM", 0) / 1024, 1),
                "threads": proc.get("Threads"), "fds": proc.get("fds"), "cpu_pct": round(cpu_pct, 1),
                "db_mb": round(db_bytes(args.db) / 1e6, 2),
                "open_reservations": metrics.get("open_reservations"),
                "breakers_not_closed": metrics.get("breakers_not_closed"),
                "max_lag_ms": round(stats.max_lag * 1000, 1),
            }
            stats.interval_latencies, stats.interval_fast = [], []
            stats.interval_status = Counter()
            stats.interval_transport = stats.interval_unexpected = 0
            stats.max_lag = 0.0
            writer.writerow(row)
            samples_file.flush()
            samples.append(row)
            if len(samples) == 1:
                print("  ".join(f"{name}" for name in FIELDS), flush=True)
            print(("final " if final else "") + "  ".join(f"{row[name]}" for name in FIELDS), flush=True)
            return metrics

        async def sampler():
            n = 1
            while True:
                await asyncio.sleep(max(0, start + n * args.interval - time.monotonic()))
                await sample()
                n += 1

        print(f"soak: {args.minutes} min at {args.rate} req/s (Poisson, seed {args.seed}) against {args.url}, "
              f"gateway pid {args.pid}, sample every {args.interval} s", flush=True)
        await sample()  # the baseline, before any load
        sampling = asyncio.create_task(sampler())
        next_at = start
        while True:
            next_at += rng.expovariate(args.rate)
            if next_at - start >= duration:
                break
            p = plan(rng)  # drawn whether or not it is sent, so the sequence depends on the seed alone
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                stats.max_lag = max(stats.max_lag, -delay)
            if stats.in_flight >= args.max_in_flight:
                stats.shed += 1
                continue
            stats.sent += 1
            stats.in_flight += 1
            task = asyncio.create_task(one(client, p, args.key, stats, records_out, start))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        drain_began = time.monotonic()
        if tasks:
            await asyncio.wait(set(tasks), timeout=90)
        drain_s = time.monotonic() - drain_began
        sampling.cancel()
        # Let the gateway finish writing what the last requests settled before the last look.
        for _ in range(40):
            metrics = await scrape(metrics_client)
            if metrics.get("open_reservations") == 0:
                break
            await asyncio.sleep(0.5)
        metrics = await sample(final=True)
    # The clients' connections are closed now: what the gateway holds when nobody is connected.
    await asyncio.sleep(2)
    idle = proc_sample(args.pid)
    print(f"idle after the clients closed: RSS {idle.get('VmRSS', 0) / 1024:.1f} MiB, {idle.get('fds')} fds, "
          f"{idle.get('Threads')} threads", flush=True)
    records_out.close()
    samples_file.close()
    result = {
        "minutes": args.minutes, "rate": args.rate, "seed": args.seed, "sent": stats.sent, "shed": stats.shed,
        "still_in_flight": stats.in_flight, "drain_s": round(drain_s, 1),
        "outcomes": dict(stats.outcomes), "by_kind": {k: dict(v) for k, v in stats.by_kind.items()},
        "status_class": dict(stats.status_class), "transport": dict(stats.transport),
        "unexpected": {f"{k}->{o}": n for (k, o), n in stats.unexpected.items()},
        "unexpected_examples": stats.unexpected_examples,
        "expected": {k[0]: k[5] for k in KINDS},
        "final_metrics": metrics, "samples": samples,
        "idle_after": {"rss_mb": round(idle.get("VmRSS", 0) / 1024, 1), "fds": idle.get("fds"), "threads": idle.get("Threads")},
    }
    with open(os.path.join(args.out, "client.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"load done: {stats.sent} sent, {stats.shed} shed, {stats.in_flight} still in flight after {drain_s:.1f} s drain",
          flush=True)


def cli(binary, *argv):
    return subprocess.run([binary, *argv], capture_output=True, text=True, timeout=600)


def report(args):
    client = json.load(open(os.path.join(args.out, "client.json")))
    samples = client["samples"]
    database = f"sqlite:{args.db}"
    problems = []

    # 1. The ledger's own invariants and hash chain; nothing may be left pending.
    verify = cli(args.bin, "ledger", "verify", "--database", database)
    verify_line = (verify.stdout.strip() or verify.stderr.strip()).splitlines()[-1] if (verify.stdout or verify.stderr) else ""
    if verify.returncode != 0 or " 0 pending open" not in verify.stdout:
        problems.append(f"ledger verify: exit {verify.returncode}: {verify_line}")

    # 2. The request records (read-only).
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    records = {row[0]: row[1:] for row in con.execute(
        "SELECT id, status, cost_nanos, settlement, usage_source, streamed FROM request_records")}
    # The gateway's own latency (request to end of answer) of the plain and streamed normal answers,
    # per 5-minute window: the clients' figures also hold this Python client's own delays.
    fast_ids = set()
    for line in open(os.path.join(args.out, "requests.jsonl")):
        r = json.loads(line)
        if r["kind"] in FAST_KINDS and r["id"]:
            fast_ids.add(r["id"])
    windows = defaultdict(list)
    timed = con.execute("SELECT id, created_at, latency_ms FROM request_records ORDER BY created_at").fetchall()
    for rid, created, latency in timed:
        if rid in fast_ids:
            windows[int((created - timed[0][1]) / 1000 // 300)].append(latency)
    by_status = Counter(v[0] for v in records.values())
    by_settlement = Counter(v[2] for v in records.values())
    by_source = Counter(v[3] for v in records.values())
    records_cost = sum(v[1] for v in records.values())
    con.close()

    # 3. What the organization was charged, request by request, from its statement (the ledger).
    first_day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86400))
    next_day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    statement = cli(args.bin, "statement", "--org", "demo", "--from", first_day, "--to", next_day, "--format", "json",
                    "--database", database)
    charged = defaultdict(int)
    codes = Counter()
    if statement.returncode != 0:
        problems.append(f"statement: exit {statement.returncode}: {statement.stderr.strip()}")
    else:
        for account in json.loads(statement.stdout)["accounts"]:
            for line in account["lines"]:
                codes[(account["account_id"].rsplit(":", 1)[-1], line["code"])] += 1
                if line["code"] != "grant":
                    charged[line["reference"]] += line["debit"] - line["credit"]
    charged_total = sum(charged.values())
    mismatched = [(rid, cost, charged.get(rid, 0)) for rid, (_, cost, *_rest) in records.items() if cost != charged.get(rid, 0)]
    orphans = [rid for rid in charged if rid not in records and charged[rid] != 0]
    if mismatched:
        problems.append(f"{len(mismatched)} records whose cost differs from their ledger charge, e.g. {mismatched[:3]}")
    if orphans:
        problems.append(f"{len(orphans)} ledger charges with no request record, e.g. {orphans[:3]}")

    # 4. The balance is the credit less what the records cost (as Tests/compat assert_settled).
    orgs = cli(args.bin, "orgs", "list", "--database", database)
    found = re.search(r"^demo\t\S+\t(\S+) USD", orgs.stdout, re.M)
    balance = round(float(found.group(1)) * 1e9) if found else None
    if balance != args.credit - records_cost:
        problems.append(f"balance {balance} != credit {args.credit} - records {records_cost}")

    # 5. The records against the clients and the metrics.
    seen = [json.loads(line) for line in open(os.path.join(args.out, "requests.jsonl"))]
    missing = [r for r in seen if r["id"] and r["id"] not in records]
    # A plain answer's record has the status the client saw; a stream's head says 200 before it can
    # know how it ends, so its record's status (a cut, a client gone) is shown, not compared.
    wrong_status = [r for r in seen if r["id"] in records and not r["stream"] and r["status"] != records[r["id"]][0]]
    stream_statuses = Counter((r["kind"], r["outcome"], records[r["id"]][0]) for r in seen if r["id"] in records and r["stream"])
    cost_differs = [r for r in seen if r["id"] in records and r["cost"] is not None
                    and round(r["cost"] * 1e9) != records[r["id"]][1]]
    for name, rows in (("client requests with no record", missing), ("records whose status differs from the client's", wrong_status),
                       ("costs shown to the client that differ from the record", cost_differs)):
        if rows:
            problems.append(f"{len(rows)} {name}, e.g. {rows[:2]}")
    final_metrics = client.get("final_metrics") or {}
    if final_metrics.get("cost_nanos_total") not in (None, records_cost):
        problems.append(f"metrics cost {final_metrics.get('cost_nanos_total')} != records {records_cost}")
    if final_metrics.get("requests_total") not in (None, len(records)):
        problems.append(f"metrics requests {final_metrics.get('requests_total')} != records {len(records)}")
    if args.exit_status != 0:
        problems.append(f"gateway exit status {args.exit_status} after SIGTERM")
    unexpected = client["unexpected"]
    if unexpected:
        problems.append(f"unexpected outcomes: {unexpected}")
    if client["transport"]:
        problems.append(f"transport errors: {client['transport']}")

    log_levels, log_messages = Counter(), Counter()
    if args.gateway_log and os.path.exists(args.gateway_log):
        for line in open(args.gateway_log, errors="replace"):
            level = re.search(r"\b(trace|debug|info|notice|warning|error|critical)\b", line)
            log_levels[level.group(1) if level else "other"] += 1
            # The message without its time, ids and the provider's error body.
            message = re.sub(r"^\S+ ", "", line.strip())
            message = re.sub(r"(req|key|org)_[0-9a-f-]+", r"\1_…", message)
            message = re.sub(r": \{.*\} request=", ": {…} request=", message)
            log_messages[message[:160]] += 1
    if log_levels["error"] or log_levels["critical"]:
        problems.append(f"gateway log: {log_levels['error']} error and {log_levels['critical']} critical lines")

    first, last = samples[0], samples[-1]
    loaded = [s for s in samples if s["sent"] > 0]
    print()
    print("== soak summary")
    print(f"load: {client['minutes']} min at {client['rate']} req/s Poisson (seed {client['seed']}): "
          f"{client['sent']} sent, {client['shed']} shed, {client['still_in_flight']} unfinished after the drain")
    print(f"status classes: {dict(sorted(client['status_class'].items()))}; transport errors: {client['transport'] or 0}")
    print("outcomes by kind (expected in brackets):")
    for kind, outcomes in sorted(client["by_kind"].items()):
        print(f"  {kind:<20} [{client['expected'][kind]}] " + ", ".join(f"{o} {n}" for o, n in sorted(outcomes.items())))
    print(f"unexpected outcomes: {unexpected or 'none'}")
    for example in client["unexpected_examples"][:5]:
        print(f"  e.g. {example}")
    print(f"RSS: {first['rss_mb']} MiB idle before load, {loaded[0]['rss_mb'] if loaded else '-'} MiB after the first interval, "
          f"{last['rss_mb']} MiB at the end (peak {max(s['hwm_mb'] for s in samples)} MiB)")
    print(f"fds: {first['fds']} before, max {max(s['fds'] or 0 for s in samples)}, {last['fds']} at the end; "
          f"threads {first['threads']} -> {last['threads']}")
    idle = client.get("idle_after") or {}
    print(f"after the load, clients' connections closed: RSS {idle.get('rss_mb')} MiB, {idle.get('fds')} fds, {idle.get('threads')} threads")
    print(f"database (db + wal + shm): {first['db_mb']} MB -> {last['db_mb']} MB")
    p99s = [s["p99_ms"] for s in loaded if s["p99_ms"] is not None]
    p99f = [s["p99_fast_ms"] for s in loaded if s["p99_fast_ms"] is not None]
    if p99s:
        print(f"p99 per interval, all kinds: min {min(p99s)} / median {percentile(p99s, 50)} / max {max(p99s)} ms; "
              f"plain and streamed normal answers only: min {min(p99f)} / median {percentile(p99f, 50)} / max {max(p99f)} ms")
        print("p99 over time (ms, all / fast): " + ", ".join(
            f"{s['elapsed_s']}s {s['p99_ms']}/{s['p99_fast_ms']}" for s in loaded[:: max(1, len(loaded) // 12)]))
    print("gateway-side latency of normal answers per 5 min (p50/p99 ms, from the records): " + ", ".join(
        f"{w * 5}-{w * 5 + 5} min {percentile(v, 50)}/{percentile(v, 99)}" for w, v in sorted(windows.items())))
    print(f"records: {len(records)} (client sent {client['sent']}); by status {dict(sorted(by_status.items()))}; "
          f"settlement {dict(by_settlement)}; usage source {dict(by_source)}")
    print("streams, client outcome -> record status: " + ", ".join(
        f"{k}/{o}->{st} {n}" for (k, o, st), n in sorted(stream_statuses.items()) if not (o == "ok" and st == 200)) + " (the rest ok->200)")
    print(f"charged: records {records_cost} nanos, ledger lines {charged_total} nanos, metrics {final_metrics.get('cost_nanos_total')} nanos; "
          f"balance {balance} = credit {args.credit} - records: {balance == args.credit - records_cost}")
    print(f"ledger lines by account/code: {dict(codes)}")
    print(f"ledger verify: exit {verify.returncode}: {verify_line}")
    print(f"gateway: exit status {args.exit_status} after SIGTERM; log lines by level {dict(log_levels) or 'none'}")
    for message, n in log_messages.most_common(8):
        print(f"  {n:>6}  {message}")
    print("RESULT: " + ("PASS" if not problems else "FAIL"))
    for problem in problems:
        print(f"  - {problem}")
    summary = {"problems": problems, "verify": {"exit": verify.returncode, "line": verify_line},
               "records": len(records), "records_by_status": by_status, "records_cost_nanos": records_cost,
               "ledger_charged_nanos": charged_total, "balance_nanos": balance, "exit_status": args.exit_status,
               "log_levels": log_levels}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, default=dict)
    return 0 if not problems else 1


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--key", required=True)
    r.add_argument("--pid", type=int, required=True)
    r.add_argument("--db", required=True)
    r.add_argument("--minutes", type=float, default=30)
    r.add_argument("--rate", type=float, default=40)
    r.add_argument("--seed", type=int, default=23)
    r.add_argument("--interval", type=float, default=30)
    r.add_argument("--max-in-flight", type=int, default=1000)
    r.add_argument("--out", required=True)
    s = sub.add_parser("report")
    s.add_argument("--bin", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--credit", type=int, required=True, help="credit granted to the demo org, in nanos")
    s.add_argument("--exit-status", type=int, required=True)
    s.add_argument("--gateway-log")
    args = parser.parse_args()
    if args.command == "run":
        asyncio.run(run(args))
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
