#!/usr/bin/env bash
# Requests/s and latency of short non-streamed completions through the gateway to a fake provider,
# against the same fake called directly and against the gateway with metering off (no ledger
# reservation or settlement), in one run on this machine.
#   bench/proxy-overhead.sh [DURATION_SECONDS] [CONNECTIONS]
# TOLLGATE_BIN=PATH measures that binary instead of building this tree (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-16}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ -z "${TOLLGATE_BIN:-}" ]; then
    swift build -c release --product tollgate >/dev/null
    BIN="$(swift build -c release --show-bin-path)/tollgate"
else
    BIN="$TOLLGATE_BIN"
fi
OUT=$(mktemp)
OFF=$(mktemp)
LOG_LEVEL=warning "$BIN" demo --port 0 >"$OUT" 2>/dev/null &
DEMO=$!
LOG_LEVEL=warning "$BIN" demo --port 0 --no-metering >"$OFF" 2>/dev/null &
DEMO_OFF=$!
trap 'kill $DEMO $DEMO_OFF 2>/dev/null; wait $DEMO $DEMO_OFF 2>/dev/null; rm -f "$OUT" "$OFF" "$LUA"' EXIT
for _ in $(seq 100); do grep -q "Press Ctrl-C" "$OUT" && grep -q "Press Ctrl-C" "$OFF" && break; sleep 0.1; done
GATEWAY=$(sed -n 's/.*running on \(http:[^ ]*\).*/\1/p' "$OUT")
KEY=$(sed -n 's/.*demo key: *\(tg-[^ ]*\).*/\1/p' "$OUT")
UNMETERED=$(sed -n 's/.*running on \(http:[^ ]*\).*/\1/p' "$OFF")
KEY_OFF=$(sed -n 's/.*demo key: *\(tg-[^ ]*\).*/\1/p' "$OFF")
FAKE=$(sed -n 's/.*sim-deepseek at \(http:[^ ,]*\).*/\1/p' "$OUT")
LUA=$(mktemp --suffix=.lua)
cat >"$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.body = '{"model": "MODEL", "max_tokens": 16, "messages": [{"role": "user", "content": "Summarize the ledger in one line."}]}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
LUA
run() { # URL MODEL [KEY] [SECONDS]
    sed "s/MODEL/$2/; s/$KEY/${3:-$KEY}/" "$LUA" >"$LUA.run.lua"
    wrk -t2 -c"$CONNECTIONS" -d"${4:-$DURATION}s" --latency -s "$LUA.run.lua" "$1" | grep RESULT
    rm -f "$LUA.run.lua"
}
# Warm up both gateways (the first request loads the tokenizer's vocabulary, about 0.3 s), then measure.
run "$GATEWAY/v1/chat/completions" deepseek-chat "$KEY" 2 >/dev/null
run "$UNMETERED/v1/chat/completions" deepseek-chat "$KEY_OFF" 2 >/dev/null
direct=$(run "$FAKE/chat/completions" deepseek-chat)
unmetered=$(run "$UNMETERED/v1/chat/completions" deepseek-chat "$KEY_OFF")
gateway=$(run "$GATEWAY/v1/chat/completions" deepseek-chat)
echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s, release build, 2-core machine, non-streamed 16-token completions"
printf '%-10s %12s %10s %10s %8s\n' path "requests/s" "p50 ms" "p99 ms" errors
read -r _ drps dp50 dp99 derr <<<"$direct"
read -r _ grps gp50 gp99 gerr <<<"$gateway"
read -r _ urps up50 up99 uerr <<<"$unmetered"
printf '%-10s %12s %10s %10s %8s\n' direct "$drps" "$dp50" "$dp99" "$derr" unmetered "$urps" "$up50" "$up99" "$uerr" \
    gateway "$grps" "$gp50" "$gp99" "$gerr"
awk -v g="$grps" -v d="$drps" -v gp="$gp50" -v dp="$dp50" 'BEGIN { printf "gateway/direct throughput %.2f, p50 added %.3f ms\n", g/d, gp-dp }'
awk -v g="$grps" -v u="$urps" -v gp="$gp50" -v up="$up50" -v g9="$gp99" -v u9="$up99" \
    'BEGIN { printf "metering (reserve + settle): throughput metered/unmetered %.2f, p50 added %.3f ms, p99 added %.3f ms\n", g/u, gp-up, g9-u9 }'
