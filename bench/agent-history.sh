#!/usr/bin/env bash
# What the gateway adds to an agent's turns as its history grows (bench/agent-history.py), for one
# build or two side by side, on one machine in one run:
#   TOLLGATE_BIN=PATH [TOLLGATE_BASE_BIN=PATH] bash bench/agent-history.sh [TURNS] [SESSIONS] [LATENCY_MS]
# Starts bench/gateway's fake upstream (LATENCY_MS, default 50) and one metered `tollgate serve` on
# SQLite per binary (model `bench` with the deepseek_v3 tokenizer and a 1,000,000-token window, so
# every prompt here fits by its size), then sends the same bodies straight and through each.
set -euo pipefail
cd "$(dirname "$0")/.."
TURNS=${1:-40}
SESSIONS=${2:-3}
LATENCY=${3:-50}
: "${TOLLGATE_BIN:?set TOLLGATE_BIN to a release build of tollgate}"
BUILD=${BENCH_BUILD_DIR:-/tmp/tollgate-bench-build}
mkdir -p "$BUILD"
[ "$BUILD/upstream" -nt bench/gateway/upstream.c ] || cc -O2 -o "$BUILD/upstream" bench/gateway/upstream.c
DIR=$(mktemp -d /tmp/tollgate-agent-history.XXXXXX)
PIDS=()
trap 'kill ${PIDS[@]} 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
UP=$(port)
"$BUILD/upstream" --port "$UP" --latency-ms "$LATENCY" >"$DIR/upstream.log" 2>&1 &
PIDS+=($!)
TARGETS=()
start() {  # NAME BIN
    local name=$1 bin=$2 db="sqlite:$DIR/$1.db" p
    p=$(port)
    cat >"$DIR/$name.yaml" <<YAML
admin_token: bench-admin-token-0123456789abcdef
server: {host: 127.0.0.1, port: $p, drain_seconds: 1}
providers:
  - {name: fake, kind: openai, base_url: "http://127.0.0.1:$UP/v1", api_key: sk-bench-upstream}
models:
  - {name: bench, provider: fake, tokenizer: deepseek_v3, context_window: 1000000, price: {currency: USD, input: 0.28, output: 0.42}}
YAML
    export LOG_LEVEL=warning
    "$bin" migrate --database "$db" >/dev/null
    "$bin" orgs create bench --currency USD --database "$db" >/dev/null
    "$bin" credits add --org bench --amount 1000000 --database "$db" >/dev/null
    local key
    key=$("$bin" keys create --org bench --name bench --budget 1000000 --period month --database "$db" 2>/dev/null | grep -o 'tg-[A-Za-z0-9]*' | head -1)
    "$bin" serve --config "$DIR/$name.yaml" --database "$db" >"$DIR/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/health" >/dev/null && break; sleep 0.1; done
    TARGETS+=(--target "$name=http://127.0.0.1:$p/v1,$key")
}
[ -n "${TOLLGATE_BASE_BIN:-}" ] && start base "$TOLLGATE_BASE_BIN"
start new "$TOLLGATE_BIN"
echo "upstream latency ${LATENCY} ms; $TURNS turns × $SESSIONS sessions; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
python3 bench/agent-history.py --upstream "http://127.0.0.1:$UP/v1" --model bench --turns "$TURNS" --sessions "$SESSIONS" "${TARGETS[@]}"
