#!/usr/bin/env python3
"""Gateway overhead benchmark (issue 17): the driver behind bench/gateway/run.sh.

Runs a fixed-latency fake upstream (upstream.c) throughout and, one target at a time, measures
with the open-loop load generator (loadgen.c): the fake called straight, Tollgate metered on SQLite,
metered on PostgreSQL, unmetered, and the LiteLLM proxy. Writes results/latest.{md,json,svg}; in
soak mode (--soak MINUTES) results/soak-latest.{md,csv,json,svg}. Standard library only.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ALL_TARGETS = ["straight", "sqlite", "postgres", "unmetered", "litellm"]
TARGET_LABELS = {
    "straight": "straight (no gateway)",
    "sqlite": "Tollgate metered, SQLite",
    "postgres": "Tollgate metered, PostgreSQL",
    "unmetered": "Tollgate unmetered (SQLite)",
    "litellm": "LiteLLM proxy (no DB, 1 worker)",
}
TARGET_COLORS = {"straight": "#555555", "sqlite": "#1f77b4", "postgres": "#2ca02c", "unmetered": "#ff7f0e", "litellm": "#d62728"}
LITELLM_VERSION = "1.106.12"  # the newest release whose [proxy] extra installs from PyPI as reachable here
PROMPT = "Summarize the ledger in one line."
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- /proc sampling

def proc_cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)
    except (OSError, IndexError, ValueError):
        return None


def proc_rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def proc_tree(pid: int) -> list[int]:
    """pid and its descendants (LiteLLM may fork a worker)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu_s(pids: list[int]) -> float:
    return sum(t for t in (proc_cpu_ticks(p) for p in pids) if t) / CLK_TCK


def tree_rss_mib(pids: list[int]) -> float:
    return sum(r for r in (proc_rss_kib(p) for p in pids) if r) / 1024


def machine_busy_s() -> float:
    """CPU seconds all cores spent not idle since boot (for how busy the machine was meanwhile)."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts[:8]) - idle) / CLK_TCK


class RssSampler(threading.Thread):
    """The max RSS of a process tree, sampled every `period` seconds (and optionally every sample)."""

    def __init__(self, pids: list[int], period: float = 0.1, keep: bool = False):
        super().__init__(daemon=True)
        self.pids, self.period, self.keep = pids, period, keep
        self.max_mib = 0.0
        self.samples: list[tuple[float, float, float]] = []  # (monotonic, rss MiB, cpu s)
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            rss = tree_rss_mib(self.pids)
            self.max_mib = max(self.max_mib, rss)
            if self.keep:
                self.samples.append((time.monotonic(), rss, tree_cpu_s(self.pids)))
            self._halt.wait(self.period)

    def stop(self):
        self._halt.set()
        self.join()


# ---------------------------------------------------------------- processes

class Procs:
    """Every process this run started, stopped by id at the end."""

    def __init__(self):
        self.items: list[subprocess.Popen] = []

    def start(self, args, **kw) -> subprocess.Popen:
        p = subprocess.Popen(args, **kw)
        self.items.append(p)
        return p

    def stop(self, p: subprocess.Popen, timeout: float = 15, group: bool = False) -> int | None:
        if p.poll() is None:
            try:
                if group:
                    os.killpg(p.pid, signal.SIGTERM)
                else:
                    p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"pid {p.pid} did not stop within {timeout} s of SIGTERM; killing it")
                try:
                    if group:
                        os.killpg(p.pid, signal.SIGKILL)
                    else:
                        p.kill()
                except ProcessLookupError:
                    pass
                p.wait()
        if p in self.items:
            self.items.remove(p)
        return p.returncode

    def stop_all(self):
        for p in list(reversed(self.items)):
            self.stop(p, timeout=10, group=getattr(p, "_group", False))


def http_get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0


def wait_http(url: str, proc: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if http_get(url) == 200:
            return True
        time.sleep(0.2)
    return False


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------- load generation

def body_file(work: Path, latency: int, mode: str) -> Path:
    p = work / f"body-{latency}ms-{mode}.json"
    if not p.exists():
        body = {"model": f"bench-{latency}ms", "max_tokens": 16, "messages": [{"role": "user", "content": PROMPT}]}
        if mode == "stream":
            body["stream"] = True
        p.write_text(json.dumps(body))
    return p


def run_loadgen(build: Path, url: str, bodies: list[Path], key: str | None, rate: float, connections: int | None,
                duration: float, warmup: float, seed: int, timeout: float, out: Path,
                on_measuring=None, on_done=None, extra: list[str] | None = None) -> dict:
    args = [str(build / "loadgen"), "--url", url, "--rate", str(rate), "--duration", str(duration), "--warmup", str(warmup),
            "--seed", str(seed), "--timeout", str(timeout), "--out", str(out)]
    for b in bodies:
        args += ["--body", str(b)]
    if key:
        args += ["--header", f"Authorization: Bearer {key}"]
    if connections:
        args += ["--connections", str(connections)]
    args += extra or []
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert p.stdout
    for line in p.stdout:
        line = line.strip()
        if line == "measuring" and on_measuring:
            on_measuring()
        elif line == "done" and on_done:
            on_done()
    code = p.wait()
    if code != 0:
        raise RuntimeError(f"loadgen exited with {code}")
    return json.loads(out.read_text())


# ---------------------------------------------------------------- targets

class Target:
    name = ""
    key: str | None = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.proc: subprocess.Popen | None = None

    def start(self):  # raises on failure
        self.setup()
        self.launch()

    def setup(self):  # once: databases, accounts, configuration
        pass

    def launch(self):  # the server process (again after restart)
        pass

    def halt(self) -> str | None:  # stops the server process only
        return None

    def restart(self) -> str | None:
        note = self.halt()
        self.launch()
        return note

    def url(self, latency: int) -> str:
        raise NotImplementedError

    def pids(self, latency: int) -> list[int]:
        return proc_tree(self.proc.pid) if self.proc else []

    def stop(self) -> str | None:
        return self.halt()


class Straight(Target):
    name = "straight"

    def url(self, latency):
        return f"http://127.0.0.1:{self.ctx.upstream_ports[latency]}/v1/chat/completions"

    def pids(self, latency):
        return [self.ctx.upstreams[latency].pid]


class Tollgate(Target):
    def __init__(self, ctx, name: str):
        super().__init__(ctx)
        self.name = name
        self.pg_dir: str | None = None
        self.dir = Path(tempfile.mkdtemp(prefix=f"tollgate-bench-{name}-"))
        self.log_path = ctx.out_dir / f"{name}-gateway.log" if ctx.keep_logs else self.dir / "gateway.log"
        self.port = 0

    def cli(self, *args) -> str:
        env = dict(os.environ, LOG_LEVEL="warning")
        r = subprocess.run([self.ctx.bin, *args, "--database", self.db], capture_output=True, text=True, env=env, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"tollgate {' '.join(args)}: {r.stderr.strip() or r.stdout.strip()}")
        return r.stdout

    def setup(self):
        if self.name == "postgres":
            self.pg_dir = tempfile.mkdtemp(prefix="tollgate-bench-pg-")
            r = subprocess.run(["bash", str(REPO / "scripts/postgres"), "start", self.pg_dir], capture_output=True, text=True, timeout=900)
            if r.returncode != 0:
                raise RuntimeError(f"scripts/postgres start: {r.stderr.strip()[-500:]}")
            self.db = r.stdout.strip().splitlines()[-1]
        else:
            self.db = f"sqlite:{self.dir / 'bench.db'}"
        self.port = free_port()
        providers, models = [], []
        for latency, up in self.ctx.upstream_ports.items():
            providers.append(f"  - name: fake{latency}\n    kind: openai\n    base_url: http://127.0.0.1:{up}/v1\n    api_key: sk-bench-upstream")
            models.append(f"  - name: bench-{latency}ms\n    provider: fake{latency}\n    tokenizer: {self.ctx.args.tokenizer}\n"
                          f"    context_window: 128000\n    price: {{currency: USD, input: 0.28, output: 0.42}}")
        config = (
            "# written by bench/gateway/bench.py\n"
            "admin_token: bench-admin-token-0123456789abcdef\n"
            f"server: {{host: 127.0.0.1, port: {self.port}, drain_seconds: 5}}\n"
            "upstream: {connect_timeout_seconds: 10, read_timeout_seconds: 60}\n"
            "providers:\n" + "\n".join(providers) + "\n"
            "models:\n" + "\n".join(models) + "\n"
            f"metering: {{enabled: {'false' if self.name == 'unmetered' else 'true'}}}\n"
        )
        self.config = self.dir / "tollgate.yaml"
        self.config.write_text(config)
        self.log_path.write_text("")
        self.cli("migrate")
        self.cli("orgs", "create", "bench", "--currency", "USD")
        self.cli("credits", "add", "--org", "bench", "--amount", "1000000")
        self.key = self.cli("keys", "create", "--org", "bench", "--name", "bench", "--budget", "1000000", "--period", "month").strip().splitlines()[-1]

    def launch(self):
        env = dict(os.environ, LOG_LEVEL=self.ctx.args.log_level)
        logf = open(self.log_path, "a")
        self.proc = self.ctx.procs.start([self.ctx.bin, "serve", "--config", str(self.config), "--database", self.db,
                                          "--host", "127.0.0.1", "--port", str(self.port)],
                                         stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=self.dir)
        if not wait_http(f"http://127.0.0.1:{self.port}/health", self.proc, 60):
            raise RuntimeError(f"tollgate serve did not come up:\n{tail(self.log_path)}")

    def url(self, latency):
        return f"http://127.0.0.1:{self.port}/v1/chat/completions"

    def pids(self, latency):
        return [self.proc.pid] if self.proc else []

    def halt(self):
        note = None
        if self.proc:
            began = time.monotonic()
            code = self.ctx.procs.stop(self.proc, timeout=30)
            note = f"exit status {code} {time.monotonic() - began:.1f} s after SIGTERM"
            if code not in (0, None):
                note += f"; log tail:\n{tail(self.log_path)}"
            self.proc = None
        return note

    def stop(self):
        note = self.halt()
        if self.pg_dir:
            subprocess.run(["bash", str(REPO / "scripts/postgres"), "stop", self.pg_dir], capture_output=True)
        if self.ctx.keep_logs:
            log(f"{self.name}: kept its configuration and database in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return note


class LiteLLM(Target):
    name = "litellm"

    def setup(self):
        venv = Path(self.ctx.args.venv)
        exe = venv / "bin" / "litellm"
        if not exe.exists():
            ensure_litellm(venv)
        if not exe.exists():
            raise RuntimeError(f"LiteLLM is not installed in {venv}")
        self.dir = Path(tempfile.mkdtemp(prefix="litellm-bench-"))
        self.port = free_port()
        entries = []
        for latency, up in self.ctx.upstream_ports.items():
            entries.append(
                f"  - model_name: bench-{latency}ms\n    litellm_params:\n      model: openai/bench-{latency}ms\n"
                f"      api_base: http://127.0.0.1:{up}/v1\n      api_key: sk-bench-upstream\n"
                f"    model_info:\n      input_cost_per_token: 2.8e-7\n      output_cost_per_token: 4.2e-7\n")
        # A master key is required to start (and is then the only key: no database, no virtual keys).
        self.key = "sk-bench-master-0123456789abcdef0123456789abcdef"
        (self.dir / "config.yaml").write_text("model_list:\n" + "".join(entries) +
                                              "litellm_settings:\n  drop_params: true\n  set_verbose: false\n"
                                              f"general_settings:\n  master_key: {self.key}\n")
        self.exe = exe
        self.log_path = self.ctx.out_dir / "litellm.log" if self.ctx.keep_logs else self.dir / "litellm.log"
        self.log_path.write_text("")

    def launch(self):
        env = dict(os.environ, LITELLM_LOG="ERROR", LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_TELEMETRY="False",
                   DISABLE_ADMIN_UI="True", NO_DOCS="True")
        env.pop("DATABASE_URL", None)
        logf = open(self.log_path, "a")
        self.proc = self.ctx.procs.start([str(self.exe), "--config", str(self.dir / "config.yaml"), "--host", "127.0.0.1",
                                          "--port", str(self.port), "--num_workers", "1"],
                                         stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=self.dir, start_new_session=True)
        self.proc._group = True  # its own process group: stopped as a group (a worker it forks goes too)
        if not wait_http(f"http://127.0.0.1:{self.port}/health/liveliness", self.proc, 120):
            raise RuntimeError(f"litellm did not come up:\n{tail(self.log_path)}")

    def url(self, latency):
        return f"http://127.0.0.1:{self.port}/v1/chat/completions"

    def halt(self):
        note = None
        if self.proc:
            code = self.ctx.procs.stop(self.proc, timeout=20, group=True)
            note = f"exit status {code}"
            self.proc = None
        return note

    def stop(self):
        note = self.halt()
        if not self.ctx.keep_logs and getattr(self, "dir", None):
            shutil.rmtree(self.dir, ignore_errors=True)
        return note


def ensure_litellm(venv: Path):
    """Installs litellm[proxy] into venv (python3 -m venv + pip); failures are reported, not raised."""
    try:
        if not (venv / "bin" / "python").exists():
            log(f"creating {venv}")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        log(f"installing litellm[proxy]=={LITELLM_VERSION} into {venv} (a few minutes)")
        r = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                            f"litellm[proxy]=={LITELLM_VERSION}"], capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            log("LiteLLM install failed:", r.stderr.strip()[-800:])
    except Exception as e:  # noqa: BLE001 - reported as a missing row
        log("LiteLLM install failed:", e)


def litellm_version(venv: Path) -> str | None:
    py = venv / "bin" / "python"
    if not py.exists():
        return None
    r = subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.version('litellm'))"], capture_output=True, text=True)
    return r.stdout.strip() or None


def make_target(ctx, name: str) -> Target:
    if name == "straight":
        return Straight(ctx)
    if name == "litellm":
        return LiteLLM(ctx)
    return Tollgate(ctx, name)


# ---------------------------------------------------------------- the run

class Context:
    pass


def start_upstreams(ctx, latencies: list[int]):
    ctx.upstreams, ctx.upstream_ports = {}, {}
    for latency in latencies:
        p = ctx.procs.start([str(ctx.build / "upstream"), "--port", "0", "--latency-ms", str(latency), "--gap-ms", str(ctx.args.gap_ms),
                             "--threads", str(ctx.args.upstream_threads)], stdout=subprocess.PIPE, text=True)
        assert p.stdout
        line = p.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            raise RuntimeError("the fake upstream did not start")
        ctx.upstreams[latency] = p
        ctx.upstream_ports[latency] = int(line[1])
        log(f"fake upstream, {latency} ms: 127.0.0.1:{line[1]} (pid {p.pid})")


def sat_connections(args, latency: int) -> int:
    if args.sat_connections != "auto":
        return int(args.sat_connections)
    return 64 if latency < 10 else 256


def measure_cell(ctx, target: Target, latency: int, mode: str, load) -> dict:
    """One cell: load is a rate (open loop) or 'sat' (closed loop)."""
    args = ctx.args
    pids = target.pids(latency)
    up_pid = ctx.upstreams[latency].pid
    rate = 0 if load == "sat" else float(load)
    conns = sat_connections(args, latency) if load == "sat" else args.max_connections
    marks: dict[str, tuple] = {}
    sampler = RssSampler(pids, period=0.1)

    def snap():
        return (time.monotonic(), tree_cpu_s(pids), proc_cpu_ticks(up_pid) or 0, machine_busy_s())

    def on_measuring():
        marks["start"] = snap()
        sampler.start()

    def on_done():
        marks["end"] = snap()

    out = ctx.work / f"lg-{target.name}-{latency}-{mode}-{load}.json"
    seed = args.seed + latency * 7 + (1 if mode == "stream" else 0) * 13 + int(rate)
    res = run_loadgen(ctx.build, target.url(latency), [body_file(ctx.work, latency, mode)], target.key, rate, conns,
                      args.duration, args.warmup, seed, args.timeout, out, on_measuring, on_done)
    if sampler.is_alive():
        sampler.stop()
    cell = {"target": target.name, "latency_ms": latency, "mode": mode, "load": str(load), "rate": rate,
            "connections": conns, "loadgen": res}
    if "start" in marks and "end" in marks:
        (t0, c0, u0, m0), (t1, c1, u1, m1) = marks["start"], marks["end"]
        cell["window_s"] = t1 - t0
        cell["cpu_s"] = c1 - c0
        cell["upstream_cpu_s"] = (u1 - u0) / CLK_TCK
        cell["machine_busy_s"] = m1 - m0
        cell["other_cpu_s"] = max(0.0, (m1 - m0) - (c1 - c0 if target.name != "straight" else 0) - (u1 - u0) / CLK_TCK
                                  - res.get("loadgen_cpu_s", 0) * (t1 - t0) / max(1e-9, t1 - t0 + args.warmup))
        ok = res.get("ok_in_window", 0)
        cell["cpu_ms_per_req"] = 1000 * cell["cpu_s"] / ok if ok else None
    cell["rss_max_mib"] = sampler.max_mib
    return cell


def wait_quiet(pids: list[int], max_s: float) -> float:
    """Waits until the target uses under 10% of a core (work left over from an overloaded cell is
    done), at most max_s seconds; returns the seconds waited."""
    began = time.monotonic()
    last = tree_cpu_s(pids)
    while time.monotonic() - began < max_s:
        time.sleep(0.5)
        now = tree_cpu_s(pids)
        if now - last < 0.05:
            break
        last = now
    return time.monotonic() - began


def fmt(v, digits=2):
    if v is None:
        return "–"
    if isinstance(v, float) and math.isnan(v):
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def errors_text(lg: dict) -> str:
    n = lg.get("errors", 0)
    if not n and not lg.get("ok") and lg.get("mode") == "closed":
        return "0 (no request sent in the window finished: every connection still busy)"
    if not n:
        return "0"
    kinds = {k: v for k, v in lg.get("error_kinds", {}).items() if v}
    if "status" in kinds:
        bad = {s: c for s, c in lg.get("status", {}).items() if not s.startswith("2")}
        kinds["status"] = "/".join(f"{c}×{s}" for s, c in sorted(bad.items())) or kinds["status"]
    return f"{n} (" + ", ".join(f"{k} {v}" for k, v in kinds.items()) + ")"


def short_reason(reason: str) -> str:
    lines = [l.strip() for l in reason.splitlines() if l.strip()]
    text = lines[0] if lines else ""
    if len(lines) > 1:
        text += " … " + lines[-1]
    return esc(text[:400]).replace("|", "\\|")


def over_capacity(cell: dict) -> bool:
    """An open-loop cell the target could not keep up with: under 80% of the rate served, or
    more than 1% of the requests timed out."""
    lg = cell["loadgen"]
    scheduled = max(1.0, cell["rate"] * lg["duration_s"])
    return lg["achieved_rps"] < 0.8 * cell["rate"] or lg["error_kinds"].get("timeout", 0) > 0.01 * scheduled


def add_deltas(cells: list[dict]):
    straight = {(c["latency_ms"], c["mode"], c["load"]): c for c in cells if c["target"] == "straight" and not c.get("skipped")}
    for c in cells:
        base = straight.get((c["latency_ms"], c["mode"], c["load"]))
        c["added_ms"] = None
        if c.get("skipped") or c["target"] == "straight" or c["load"] == "sat" or not base:
            continue
        a, b = c["loadgen"]["latency_ms"], base["loadgen"]["latency_ms"]
        if a.get("count") and b.get("count"):
            c["added_ms"] = {p: a[p] - b[p] for p in ("p50", "p99", "p999")}


def load_label(load: str) -> str:
    return "saturation" if load == "sat" else f"{load}/s"


def markdown(meta: dict, cells: list[dict], targets_status: dict) -> str:
    out = [f"# Gateway overhead: {meta['started']}", ""]
    out.append(f"Binary `{meta['binary']}` (tree {meta['commit']}), {meta['cores']} cores, load average {meta['loadavg_start']} at the start "
               f"and {meta.get('loadavg_end', '?')} at the end. Cells of {meta['duration_s']} s after {meta['warmup_s']} s of warm-up; "
               f"open loop with Poisson arrivals (latency from the scheduled send), saturation = closed loop on "
               f"{meta['sat_connections']} connections. Fake upstream: {', '.join(str(l) + ' ms' for l in meta['latencies'])} fixed latency, "
               f"one C thread each. LiteLLM {meta.get('litellm_version') or 'not installed'}.")
    busy = meta.get("other_cpu_cores_mean")
    if busy is not None and busy > 0.25:
        out += ["", f"**Warning: the machine was busy with other work during this run** (on average {busy:.1f} of its "
                    f"{meta['cores']} cores went to processes outside the benchmark; see the other CPU column): latencies and "
                    "throughputs are lower bounds of what a quiet machine does."]
    out.append("")
    out.append("Latencies in ms. **+p50/+p99/+p99.9** = the target's percentile minus straight's at the same rate, latency and "
               "mode (blank at saturation, where the rates differ). **CPU s** = the target process's user+system CPU over the "
               "measured window (straight: the fake upstream's), **ms/req** = that per completed request, **RSS** = its max "
               "resident memory during the cell. **other CPU** = machine CPU not spent by target, upstream or load generator "
               "(noise from other work on the machine). Errors: non-2xx answers, connect/read errors and time-outs.")
    for name, st in targets_status.items():
        if st["status"] != "ok":
            out.append("")
            out.append(f"**{TARGET_LABELS.get(name, name)}: {st['status']}** — {short_reason(st.get('reason', ''))}")
    groups = []
    for c in cells:
        g = (c["latency_ms"], c["mode"])
        if g not in groups:
            groups.append(g)
    for latency, mode in sorted(groups, key=lambda g: (g[0], g[1] != "plain")):
        out += ["", f"## {latency} ms upstream, {'streamed (SSE)' if mode == 'stream' else 'plain JSON'}", ""]
        cols = ["load", "target", "req/s", "p50", "p99", "p99.9", "+p50", "+p99", "+p99.9", "TTFB p50", "TTFB p99"]
        if mode == "stream":
            cols += ["1st event p50", "1st event p99"]
        cols += ["errors", "CPU s", "ms/req", "RSS MiB", "other CPU s"]
        out.append("| " + " | ".join(cols) + " |")
        out.append("| " + " | ".join(["---", "---"] + ["---:"] * (len(cols) - 2)) + " |")
        rows = [c for c in cells if c["latency_ms"] == latency and c["mode"] == mode]
        load_order = sorted({c["load"] for c in rows}, key=lambda l: (l == "sat", float(l) if l != "sat" else 0))
        for load in load_order:
            for tname in ALL_TARGETS:
                for c in rows:
                    if c["load"] != load or c["target"] != tname:
                        continue
                    if c.get("skipped"):
                        out.append("| " + " | ".join([load_label(load), tname, f"skipped: {c['skipped']}"] + [""] * (len(cols) - 3)) + " |")
                        continue
                    lg = c["loadgen"]
                    lat, tb, ev = lg["latency_ms"], lg["ttfb_ms"], lg["first_event_ms"]
                    add = c.get("added_ms") or {}
                    row = [load_label(load), tname, f"{lg['achieved_rps']:,.0f}", fmt(lat.get("p50")), fmt(lat.get("p99")), fmt(lat.get("p999")),
                           fmt(add.get("p50")), fmt(add.get("p99")), fmt(add.get("p999")), fmt(tb.get("p50")), fmt(tb.get("p99"))]
                    if mode == "stream":
                        row += [fmt(ev.get("p50")), fmt(ev.get("p99"))]
                    row += [errors_text(lg) + (" ⟳" if c.get("restarted_after") else ""), fmt(c.get("cpu_s")), fmt(c.get("cpu_ms_per_req"), 3), fmt(c.get("rss_max_mib"), 0),
                            fmt(c.get("other_cpu_s"), 1)]
                    out.append("| " + " | ".join(row) + " |")
    notes = [f"- {TARGET_LABELS.get(n, n)}: {st['note']}" for n, st in targets_status.items() if st.get("note")]
    notes += [f"- {TARGET_LABELS.get(n, n)}: restarted (⟳) after {', '.join(st['restarts'])}: still busy {meta['settle_s']:g} s after the cell"
              for n, st in targets_status.items() if st.get("restarts")]
    if notes:
        out += ["", "Targets' exits:", ""] + notes
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- SVG

def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nice_log_ticks(lo: float, hi: float) -> list[float]:
    ticks, e = [], math.floor(math.log10(lo))
    mults = (1, 2, 5) if math.log10(hi / lo) <= 3 else (1,)
    while 10 ** e <= hi * 1.0001:
        for m in mults:
            v = m * 10 ** e
            if lo * 0.9999 <= v <= hi * 1.0001:
                ticks.append(v)
        e += 1
    return ticks


def nice_linear_ticks(hi: float, n: int = 5) -> list[float]:
    if hi <= 0:
        return [0]
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(hi / step) + 2) if i * step <= hi * 1.0001]


def tick_label(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def chart_svg(meta: dict, cells: list[dict]) -> str:
    groups = sorted({(c["latency_ms"], c["mode"]) for c in cells}, key=lambda g: (g[0], g[1] != "plain"))
    targets = [t for t in ALL_TARGETS if any(c["target"] == t for c in cells)]
    cells = [c for c in cells if not c.get("skipped")]
    rates = sorted({float(c["load"]) for c in cells if c["load"] != "sat"})
    has_sat = any(c["load"] == "sat" for c in cells)
    pw, ph, ml, mt, gap = 270, 200, 60, 70, 30
    width = ml + len(groups) * (pw + gap) + 10
    height = mt + ph + 40 + (ph + 60 if has_sat else 0) + 20
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{ml}" y="18" font-size="14" font-weight="bold">Added p99 latency vs straight (ms, log scale) — {esc(meta["started"])}</text>']
    # legend
    x = ml
    for t in targets:
        if t == "straight" and not has_sat:
            continue
        s.append(f'<rect x="{x}" y="30" width="12" height="12" fill="{TARGET_COLORS[t]}"/><text x="{x + 16}" y="40">{esc(TARGET_LABELS[t])}</text>')
        x += 20 + 6.2 * len(TARGET_LABELS[t])
    added = [c["added_ms"]["p99"] for c in cells if c.get("added_ms")]
    floor = 0.1
    top = max([floor * 10] + [a for a in added if a > 0]) * 1.3
    ticks = nice_log_ticks(floor, top)

    def ly(v):
        v = max(v, floor)
        return mt + ph - (math.log10(v) - math.log10(floor)) / (math.log10(top) - math.log10(floor)) * ph

    for gi, (latency, mode) in enumerate(groups):
        x0 = ml + gi * (pw + gap)
        s.append(f'<text x="{x0 + pw / 2}" y="{mt - 8}" text-anchor="middle" font-weight="bold">{latency} ms upstream, {"stream" if mode == "stream" else "plain"}</text>')
        s.append(f'<rect x="{x0}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for t in ticks:
            y = ly(t)
            s.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            if gi == 0:
                s.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{tick_label(t)}</text>')
        if gi == 0:
            s.append(f'<text transform="translate(14,{mt + ph / 2}) rotate(-90)" text-anchor="middle">added p99 (ms)</text>')

        def rx(i):
            return x0 + 20 + (pw - 40) * (i / max(1, len(rates) - 1))

        for i, r in enumerate(rates):
            s.append(f'<text x="{rx(i):.1f}" y="{mt + ph + 14}" text-anchor="middle">{tick_label(r)}</text>')
        s.append(f'<text x="{x0 + pw / 2}" y="{mt + ph + 28}" text-anchor="middle">offered rate (req/s, open loop)</text>')
        for t in targets:
            if t == "straight":
                continue
            pts = []
            for i, r in enumerate(rates):
                c = next((c for c in cells if c["target"] == t and c["latency_ms"] == latency and c["mode"] == mode
                          and c["load"] != "sat" and float(c["load"]) == r), None)
                if c and c.get("added_ms"):
                    pts.append((rx(i), ly(c["added_ms"]["p99"]), c["added_ms"]["p99"], c["loadgen"].get("errors", 0)))
            if len(pts) > 1:
                s.append(f'<polyline fill="none" stroke="{TARGET_COLORS[t]}" stroke-width="2" points="' +
                         " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts) + '"/>')
            for px, py, v, errs in pts:
                s.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{4 if errs else 3}" fill="{"white" if errs else TARGET_COLORS[t]}" '
                         f'stroke="{TARGET_COLORS[t]}" stroke-width="2"><title>{esc(t)} {v:.3f} ms{f", {errs} errors" if errs else ""}</title></circle>')
        if has_sat:
            y0 = mt + ph + 60
            sats = [(t, next((c for c in cells if c["target"] == t and c["latency_ms"] == latency and c["mode"] == mode and c["load"] == "sat"), None))
                    for t in targets]
            sats = [(t, c) for t, c in sats if c]
            # The gateways' bars set the scale; a straight bar far above them is drawn cut (its value on it).
            gateways = [c["loadgen"]["achieved_rps"] for t, c in sats if t != "straight"]
            hi = max([1.0] + (gateways or [c["loadgen"]["achieved_rps"] for _, c in sats])) * 1.3
            s.append(f'<text x="{x0 + pw / 2}" y="{y0 - 8}" text-anchor="middle" font-weight="bold">saturation throughput (req/s)</text>')
            s.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
            for t in nice_linear_ticks(hi):
                y = y0 + ph - t / hi * ph
                s.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
                s.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{tick_label(t)}</text>')
            bw = (pw - 20) / max(1, len(sats))
            for i, (t, c) in enumerate(sats):
                v = c["loadgen"]["achieved_rps"]
                cut = v > hi
                h = min(v, hi) / hi * ph
                bx = x0 + 10 + i * bw
                s.append(f'<rect x="{bx + 3:.1f}" y="{y0 + ph - h:.1f}" width="{bw - 6:.1f}" height="{h:.1f}" fill="{TARGET_COLORS[t]}">'
                         f'<title>{esc(t)} {v:.0f} req/s</title></rect>')
                if cut:
                    yc = y0 + ph * 0.12
                    s.append(f'<polygon points="{bx + 1:.1f},{yc + 4:.1f} {bx + bw - 1:.1f},{yc - 4:.1f} {bx + bw - 1:.1f},{yc + 2:.1f} '
                             f'{bx + 1:.1f},{yc + 10:.1f}" fill="white"/>')
                    s.append(f'<text x="{bx + bw / 2:.1f}" y="{y0 + ph * 0.35:.1f}" text-anchor="middle" font-size="10" fill="white">{v:.0f}</text>')
                else:
                    s.append(f'<text x="{bx + bw / 2:.1f}" y="{y0 + ph - h - 3:.1f}" text-anchor="middle" font-size="10">{v:.0f}</text>')
    s.append(f'<text x="{ml}" y="{height - 6}" fill="#666">Hollow points: the cell had errors. Points at the floor ({floor} ms): added latency at or below it '
             '(negative differences are noise).</text>')
    s.append("</svg>")
    return "\n".join(s) + "\n"


def soak_svg(meta: dict, rows: list[dict]) -> str:
    pw, ph, ml, mt = 700, 200, 70, 40
    width, height = ml + pw + 30, mt + 2 * (ph + 60) + 10
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{ml}" y="18" font-size="14" font-weight="bold">Soak: {esc(meta["target"])} at {meta["rate"]:g} req/s — {esc(meta["started"])}</text>']
    xmax = max([float(meta["minutes"])] + [r["t_end_min"] for r in rows])

    def panel(y0, title, series, unit):
        hi = max([1.0] + [v for _, vals, _ in series for v in vals if v is not None]) * 1.15
        s.append(f'<text x="{ml}" y="{y0 - 8}" font-weight="bold">{esc(title)}</text>')
        s.append(f'<rect x="{ml}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for t in nice_linear_ticks(hi):
            y = y0 + ph - t / hi * ph
            s.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            s.append(f'<text x="{ml - 4}" y="{y + 4:.1f}" text-anchor="end">{tick_label(t)}</text>')
        for t in nice_linear_ticks(xmax, 8):
            x = ml + t / xmax * pw
            s.append(f'<text x="{x:.1f}" y="{y0 + ph + 14}" text-anchor="middle">{t:g}</text>')
        s.append(f'<text x="{ml + pw / 2}" y="{y0 + ph + 28}" text-anchor="middle">minutes</text>')
        s.append(f'<text transform="translate(16,{y0 + ph / 2}) rotate(-90)" text-anchor="middle">{esc(unit)}</text>')
        lx = ml + pw - 10
        for name, vals, color in series:
            pts = [(ml + r["t_end_min"] / xmax * pw, y0 + ph - v / hi * ph) for r, v in zip(rows, vals) if v is not None]
            if pts:
                s.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
                if len(pts) <= 120:
                    s.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in pts)
            s.append(f'<text x="{lx}" y="{y0 + 14}" text-anchor="end" fill="{color}">{esc(name)}</text>')
            lx -= 12 + 6.5 * len(name)

    panel(mt + 10, "Resident memory (MiB, end of each interval)", [("RSS", [r["rss_mib"] for r in rows], "#1f77b4")], "MiB")
    panel(mt + ph + 80, "Latency per interval (ms)", [("p99", [r["p99_ms"] for r in rows], "#d62728"),
                                                       ("p50", [r["p50_ms"] for r in rows], "#1f77b4")], "ms")
    s.append("</svg>")
    return "\n".join(s) + "\n"


# ---------------------------------------------------------------- modes

def warm_up(ctx, target: Target, latencies, modes):
    bodies = [body_file(ctx.work, l, m) for l in latencies for m in modes]
    out = ctx.work / f"warmup-{target.name}.json"
    res = run_loadgen(ctx.build, target.url(latencies[0]), bodies, target.key, 100, None, ctx.args.target_warmup, 0, 1, 10, out)
    if res["ok"] == 0 or res["errors"]:
        log(f"{target.name}: warm-up had {res['errors']} errors of {res['sent']} ({errors_text(res)})")
    return res


def run_bench(ctx) -> int:
    args = ctx.args
    latencies, modes = args.latencies, args.modes
    loads = [str(int(r)) if float(r).is_integer() else str(r) for r in args.rates] + ([] if args.no_saturation else ["sat"])
    meta = {"started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "binary": ctx.bin,
            "commit": ctx.commit, "cores": os.cpu_count(), "loadavg_start": open("/proc/loadavg").read().split()[:3],
            "duration_s": args.duration, "warmup_s": args.warmup, "rates": args.rates, "saturation": not args.no_saturation,
            "sat_connections": ", ".join(f"{sat_connections(args, l)} at {l} ms" for l in latencies),
            "latencies": latencies, "modes": modes, "targets": args.targets, "timeout_s": args.timeout, "seed": args.seed,
            "tokenizer": args.tokenizer, "max_connections_open_loop": args.max_connections, "settle_s": args.settle}
    meta["loadavg_start"] = " ".join(meta["loadavg_start"])
    if "litellm" in args.targets:
        venv = Path(args.venv)
        if not (venv / "bin" / "litellm").exists():
            ensure_litellm(venv)
        meta["litellm_version"] = litellm_version(venv)
    start_upstreams(ctx, latencies)
    cells, status = [], {}
    total = len(args.targets) * len(latencies) * len(modes) * len(loads)
    per_cell = args.warmup + args.duration + 1
    log(f"{total} cells of ~{per_cell:.0f} s: ~{total * per_cell / 60:.0f} min plus start-up")
    done = 0
    for name in args.targets:
        target = make_target(ctx, name)
        ctx.current = target
        log(f"== {TARGET_LABELS[name]}")
        try:
            target.start()
            if name != "straight":
                warm_up(ctx, target, latencies, modes)
                wait_quiet(target.pids(latencies[0]), args.settle)
        except Exception as e:  # noqa: BLE001 - a target that cannot start is a missing row, not a failed run
            log(f"{name}: could not start: {e}")
            status[name] = {"status": "missing", "reason": str(e)}
            target.stop()
            ctx.current = None
            done += len(latencies) * len(modes) * len(loads)
            continue
        status[name] = {"status": "ok", "restarts": []}
        try:
            for latency in latencies:
                for mode in modes:
                    over: str | None = None  # the open-loop rate this target could not keep up with
                    for load in loads:
                        if target.proc and target.proc.poll() is not None:
                            raise RuntimeError(f"{name} exited with status {target.proc.returncode}")
                        if over and load != "sat":
                            cells.append({"target": name, "latency_ms": latency, "mode": mode, "load": load, "rate": float(load),
                                          "skipped": f"over capacity at {over}/s"})
                            done += 1
                            log(f"[{done}/{total}] {name} {latency}ms {mode} {load_label(load)}: skipped (over capacity at {over}/s)")
                            continue
                        cell = measure_cell(ctx, target, latency, mode, load)
                        cells.append(cell)
                        done += 1
                        lg = cell["loadgen"]
                        log(f"[{done}/{total}] {name} {latency}ms {mode} {load_label(load)}: {lg['achieved_rps']:.0f} req/s, "
                            f"p50 {fmt(lg['latency_ms'].get('p50'))} p99 {fmt(lg['latency_ms'].get('p99'))} ms, errors {errors_text(lg)}, "
                            f"CPU {fmt(cell.get('cpu_s'))} s, RSS {fmt(cell.get('rss_max_mib'), 0)} MiB")
                        if load != "sat" and not args.no_skip and over_capacity(cell):
                            over = load
                        time.sleep(args.pause)
                        if name != "straight":
                            waited = wait_quiet(target.pids(latency), args.settle)
                            if waited > 2:
                                log(f"{name}: waited {waited:.1f} s for it to go quiet after the cell")
                            if waited >= args.settle:  # still working off the cell's backlog: start afresh
                                log(f"{name}: still busy {args.settle:g} s after the cell; restarting it")
                                target.restart()
                                warm_up(ctx, target, latencies, modes)
                                wait_quiet(target.pids(latency), args.settle)
                                status[name]["restarts"].append(f"{latency} ms {mode} {load_label(load)}")
                                cell["restarted_after"] = True
        except Exception as e:  # noqa: BLE001
            log(f"{name}: failed during measurement: {e}")
            status[name] = {"status": "partial", "reason": str(e)}
        note = target.stop()
        ctx.current = None
        if note:
            status[name]["note"] = note
    meta["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    meta["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    add_deltas(cells)
    windows = [(c.get("other_cpu_s"), c.get("window_s")) for c in cells if c.get("window_s")]
    if windows:
        meta["other_cpu_cores_mean"] = sum(o or 0 for o, _ in windows) / sum(w for _, w in windows)
    md = markdown(meta, cells, status)
    out = ctx.out_dir
    prefix = args.name
    (out / f"{prefix}.md").write_text(md)
    (out / f"{prefix}.json").write_text(json.dumps({"meta": meta, "targets": status, "cells": cells}, indent=1) + "\n")
    (out / f"{prefix}.svg").write_text(chart_svg(meta, cells))
    print(md)
    log(f"wrote {out / (prefix + '.md')}, {prefix}.json, {prefix}.svg")
    return 0


def run_soak(ctx) -> int:
    args = ctx.args
    name = args.targets[0]
    latencies = args.latencies
    modes = args.modes
    target = make_target(ctx, name)
    ctx.current = target
    meta = {"started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "binary": ctx.bin,
            "commit": ctx.commit, "target": TARGET_LABELS[name], "rate": args.rate, "minutes": args.soak, "interval_s": args.interval,
            "latencies": latencies, "modes": modes, "cores": os.cpu_count(),
            "loadavg_start": " ".join(open("/proc/loadavg").read().split()[:3])}
    start_upstreams(ctx, latencies)
    log(f"soak: {TARGET_LABELS[name]}, {args.rate:g} req/s for {args.soak:g} min, sampling every {args.interval:g} s")
    target.start()
    warm_up(ctx, target, latencies, modes)
    pids = target.pids(latencies[0])
    sampler = RssSampler(pids, period=1.0, keep=True)
    sampler.start()
    bodies = [body_file(ctx.work, l, m) for l in latencies for m in modes]
    ivpath = ctx.work / "soak-intervals.jsonl"
    out = ctx.work / "soak-loadgen.json"
    rows: list[dict] = []
    hdr = f"{'min':>6} {'req/s':>8} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'RSS MiB':>8} {'CPU %':>6}"
    print(hdr, flush=True)

    def row_for(iv: dict) -> dict:
        samples = sampler.samples
        inside = [s for s in samples if iv["mono_start"] - 0.5 <= s[0] <= iv["mono_end"] + 0.5]
        before = [s for s in samples if s[0] <= iv["mono_start"] + 0.5]
        after = [s for s in samples if s[0] <= iv["mono_end"] + 0.5]
        cpu = (after[-1][2] - before[-1][2]) if before and after else None
        secs = iv["mono_end"] - iv["mono_start"]
        return {"t_end_min": iv["t_end"] / 60, "seconds": secs, "ok": iv["ok"], "errors": iv["errors"], "rps": iv["rps"],
                "p50_ms": iv["p50_ms"] if iv["ok"] else None, "p99_ms": iv["p99_ms"] if iv["ok"] else None,
                "p999_ms": iv["p999_ms"] if iv["ok"] else None, "max_ms": iv["max_ms"] if iv["ok"] else None,
                "rss_mib": after[-1][1] if after else None, "rss_max_mib": max((s[1] for s in inside), default=None),
                "cpu_s": cpu, "cpu_percent": 100 * cpu / secs if cpu is not None and secs > 0 else None,
                "queued": iv.get("queued"), "connections": iv.get("connections")}

    stop_tail = threading.Event()

    def tailer():
        pos = 0
        while True:
            if ivpath.exists():
                with open(ivpath) as f:
                    f.seek(pos)
                    for line in f:
                        if not line.endswith("\n"):
                            break
                        pos += len(line)
                        r = row_for(json.loads(line))
                        rows.append(r)
                        print(f"{r['t_end_min']:6.1f} {r['rps']:8.1f} {r['errors']:7d} {fmt(r['p50_ms']):>8} {fmt(r['p99_ms']):>8} "
                              f"{fmt(r['rss_mib'], 1):>8} {fmt(r['cpu_percent'], 1):>6}", flush=True)
            if stop_tail.is_set():
                return
            stop_tail.wait(1.0)

    th = threading.Thread(target=tailer, daemon=True)
    th.start()
    try:
        res = run_loadgen(ctx.build, target.url(latencies[0]), bodies, target.key, args.rate, None, args.soak * 60, 0,
                          args.seed, args.timeout, out, extra=["--interval", str(args.interval), "--interval-out", str(ivpath)])
    finally:
        time.sleep(1.2)
        stop_tail.set()
        th.join()
        sampler.stop()
        note = target.stop()
        ctx.current = None
    meta["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    meta["gateway_exit"] = note
    rss = [r["rss_mib"] for r in rows if r["rss_mib"] is not None]
    summary = {"requests_ok": res["ok"], "errors": res["errors"], "error_kinds": res["error_kinds"], "status": res["status"],
               "latency_ms": res["latency_ms"], "rss_first_mib": rss[0] if rss else None, "rss_last_mib": rss[-1] if rss else None,
               "rss_max_mib": max(rss) if rss else None}
    half = rows[len(rows) // 2:]
    if len(half) >= 3:  # least-squares slope over the second half, MiB per hour
        xs, ys = [r["t_end_min"] / 60 for r in half if r["rss_mib"] is not None], [r["rss_mib"] for r in half if r["rss_mib"] is not None]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        den = sum((x - mx) ** 2 for x in xs)
        summary["rss_slope_mib_per_hour_second_half"] = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else None
    prefix = args.name
    out_dir = ctx.out_dir
    with open(out_dir / f"{prefix}.csv", "w") as f:
        cols = ["t_end_min", "seconds", "ok", "errors", "rps", "p50_ms", "p99_ms", "p999_ms", "max_ms", "rss_mib", "rss_max_mib",
                "cpu_s", "cpu_percent", "queued", "connections"]
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join("" if r[c] is None else (f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c])) for c in cols) + "\n")
    md = [f"# Soak: {meta['target']}, {args.rate:g} req/s for {args.soak:g} min — {meta['started']}", "",
          f"Binary `{ctx.bin}` (tree {ctx.commit}), {meta['cores']} cores, load average {meta['loadavg_start']} → {meta['loadavg_end']}. "
          f"Upstream latency {', '.join(f'{l} ms' for l in latencies)}, {' and '.join(modes)} requests mixed at random; open loop, Poisson. "
          f"One row per {args.interval:g} s interval (latency over the requests that completed in it). Gateway: {note}.", "",
          f"Total: {res['ok']} ok, errors {errors_text(res)}; p50 {fmt(res['latency_ms'].get('p50'))} ms, p99 {fmt(res['latency_ms'].get('p99'))} ms, "
          f"p99.9 {fmt(res['latency_ms'].get('p999'))} ms; RSS {fmt(summary['rss_first_mib'], 1)} → {fmt(summary['rss_last_mib'], 1)} MiB "
          f"(max {fmt(summary['rss_max_mib'], 1)}), second-half slope {fmt(summary.get('rss_slope_mib_per_hour_second_half'))} MiB/h.", "",
          "| minute | req/s | errors | p50 ms | p99 ms | p99.9 ms | max ms | RSS MiB | CPU % |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        md.append(f"| {r['t_end_min']:.1f} | {r['rps']:.1f} | {r['errors']} | {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {fmt(r['p999_ms'])} | "
                  f"{fmt(r['max_ms'])} | {fmt(r['rss_mib'], 1)} | {fmt(r['cpu_percent'], 1)} |")
    text = "\n".join(md) + "\n"
    (out_dir / f"{prefix}.md").write_text(text)
    (out_dir / f"{prefix}.json").write_text(json.dumps({"meta": meta, "summary": summary, "intervals": rows, "loadgen": res}, indent=1) + "\n")
    (out_dir / f"{prefix}.svg").write_text(soak_svg(meta, rows))
    print()
    print(text)
    log(f"wrote {out_dir / (prefix + '.md')}, {prefix}.csv, {prefix}.json, {prefix}.svg")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="where run.sh compiled loadgen and upstream")
    p.add_argument("--quick", action="store_true", help="3 s cells, rates 100 and 1000, saturation: a try-out of a few minutes")
    p.add_argument("--duration", type=float, help="measured seconds per cell (default 20; --quick 3)")
    p.add_argument("--warmup", type=float, help="seconds sent before each cell's measurement (default 2; --quick 1)")
    p.add_argument("--targets", default=",".join(ALL_TARGETS), help=f"comma-separated of {','.join(ALL_TARGETS)}")
    p.add_argument("--rates", help="open-loop rates, req/s (default 100,500,1000,2000; --quick 100,1000)")
    p.add_argument("--no-saturation", action="store_true", help="leave out the closed-loop saturation cells")
    p.add_argument("--latencies", help="upstream latencies in ms (default 0,50; soak: 0)")
    p.add_argument("--modes", default="plain,stream", help="plain,stream")
    p.add_argument("--sat-connections", default="auto", help="connections at saturation (auto: 64 at 0 ms, 256 at 50 ms)")
    p.add_argument("--max-connections", type=int, default=512, help="open loop: most connections the load generator opens")
    p.add_argument("--timeout", type=float, default=10, help="a request unanswered this long after its scheduled time is an error")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--pause", type=float, default=0.5, help="seconds between cells")
    p.add_argument("--no-skip", action="store_true",
                   help="measure every rate even past one the target could not keep up with (default: skip the higher rates)")
    p.add_argument("--settle", type=float, default=30, help="after a cell, wait at most this long for the target's CPU to go quiet")
    p.add_argument("--target-warmup", type=float, default=2, help="seconds of mixed traffic after a gateway starts")
    p.add_argument("--gap-ms", type=int, default=0, help="fake upstream: ms between stream events after the first")
    p.add_argument("--upstream-threads", type=int, default=1)
    p.add_argument("--tokenizer", default="deepseek_v3", help="the bench models' tokenizer in tollgate.yaml")
    p.add_argument("--log-level", default="warning", help="LOG_LEVEL for tollgate serve")
    p.add_argument("--venv", default=str(REPO.parent / ".venv-bench"), help="LiteLLM's venv")
    p.add_argument("--out-dir", default=str(HERE / "results"))
    p.add_argument("--name", help="output file names (default latest; soak: soak-latest)")
    p.add_argument("--keep-logs", action="store_true", help="write the gateways' logs into the output folder and keep their temporary folders (config, SQLite database)")
    p.add_argument("--soak", type=float, metavar="MINUTES", help="soak mode: one target (the first of --targets, default sqlite)")
    p.add_argument("--rate", type=float, default=100, help="soak mode: requests per second")
    p.add_argument("--interval", type=float, default=30, help="soak mode: seconds per sample")
    args = p.parse_args()

    soak = args.soak is not None
    if args.quick:
        args.duration = args.duration or 3
        args.warmup = args.warmup if args.warmup is not None else 1
        args.rates = args.rates or "100,1000"
    args.duration = args.duration or 20
    args.warmup = 2 if args.warmup is None else args.warmup
    args.rates = [float(r) for r in (args.rates or "100,500,1000,2000").split(",") if r]
    args.latencies = [int(l) for l in (args.latencies or ("0" if soak else "0,50")).split(",")]
    args.modes = [m for m in args.modes.split(",") if m]
    if soak and args.targets == ",".join(ALL_TARGETS):
        args.targets = "sqlite"
    args.targets = [t for t in args.targets.split(",") if t]
    for t in args.targets:
        if t not in ALL_TARGETS:
            p.error(f"unknown target {t!r}")
    for m in args.modes:
        if m not in ("plain", "stream"):
            p.error(f"unknown mode {m!r}")
    if not soak and "straight" not in args.targets:
        log("note: without the straight target no added latency can be computed")
    if not soak:  # straight first: the others are compared with it
        args.targets.sort(key=lambda t: ALL_TARGETS.index(t))
    args.name = args.name or ("soak-latest" if soak else "latest")

    ctx = Context()
    ctx.args = args
    ctx.build = Path(args.build)
    ctx.bin = os.environ.get("TOLLGATE_BIN", "")
    needs_tollgate = any(t in ("sqlite", "postgres", "unmetered") for t in args.targets)
    if needs_tollgate and not (ctx.bin and os.access(ctx.bin, os.X_OK)):
        p.error("set TOLLGATE_BIN=PATH to a release build of tollgate (this benchmark never builds one)")
    ctx.out_dir = Path(args.out_dir)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    ctx.keep_logs = args.keep_logs
    ctx.procs = Procs()
    ctx.work = Path(tempfile.mkdtemp(prefix="tollgate-bench-"))
    r = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    ctx.commit = r.stdout.strip() or "?"

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        return run_soak(ctx) if soak else run_bench(ctx)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if getattr(ctx, "current", None):  # interrupted while a target ran: stop it (and its PostgreSQL)
            try:
                ctx.current.stop()
            except Exception as e:  # noqa: BLE001
                log("stopping the target:", e)
        ctx.procs.stop_all()
        shutil.rmtree(ctx.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
