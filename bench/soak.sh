#!/usr/bin/env bash
# Soak (by hand, not in CI): MINUTES of open-loop mixed traffic at RATE requests/s against a
# `tollgate demo` (its simulated providers, a SQLite file) — OpenAI and Anthropic, plain and
# streamed, and upstreams that fail (503, 429), cut streams, send malformed JSON, omit usage, pace
# or split their events, plus clients that hang up mid-stream — sampling every INTERVAL seconds the
# gateway's RSS, open fds, threads, CPU, database size (db + wal + shm), open ledger reservations,
# answers by status class, transport errors and the interval's p50/p99. Then the gateway is stopped
# with SIGTERM (its exit status reported), `tollgate ledger verify` run on the database, and every
# request record checked against its ledger charge, the balance, the metrics and what the client saw.
#
#   bench/soak.sh [MINUTES] [RATE]          (defaults 30 and 40)
#
# TOLLGATE_BIN=PATH soaks that binary instead of building this tree. SOAK_SEED (default 23),
# SOAK_INTERVAL (seconds, default 30), SOAK_DIR (where samples.csv, client.json, requests.jsonl,
# summary.json and the gateway's log go; default a new /tmp/tollgate-soak.* folder), SOAK_KEEP_DB=1
# keeps the database there too. Exit status 0 when every check passed.
# The gateway's RSS includes the three simulated providers, which run in the same process.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-30}
RATE=${2:-40}
SEED=${SOAK_SEED:-23}
INTERVAL=${SOAK_INTERVAL:-30}
if [ -z "${TOLLGATE_BIN:-}" ]; then
    swift build -c release --product tollgate >/dev/null
    BIN="$(swift build -c release --show-bin-path)/tollgate"
else
    BIN="$TOLLGATE_BIN"
fi
# The compatibility suite's venv (scripts/test makes it the same way); httpx comes with the openai SDK.
VENV=.venv-test
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c 'import httpx' 2>/dev/null; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -r Tests/compat/requirements.txt
fi

WORK=${SOAK_DIR:-$(mktemp -d /tmp/tollgate-soak.XXXXXX)}
mkdir -p "$WORK"
DB="$WORK/soak.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
LOG_LEVEL=warning "$BIN" demo --port 0 --database "sqlite:$DB" >"$WORK/demo.out" 2>"$WORK/gateway.log" &
GATEWAY=$!
cleanup() {
    if kill -0 "$GATEWAY" 2>/dev/null; then kill "$GATEWAY"; wait "$GATEWAY" 2>/dev/null || true; fi
    if [ "${SOAK_KEEP_DB:-0}" != 1 ]; then rm -f "$DB" "$DB-wal" "$DB-shm"; fi
}
trap cleanup EXIT
for _ in $(seq 300); do grep -q "Press Ctrl-C" "$WORK/demo.out" && break; sleep 0.1; done
grep -q "Press Ctrl-C" "$WORK/demo.out" || { echo "the gateway did not start:" >&2; cat "$WORK/gateway.log" >&2; exit 1; }
URL=$(sed -n 's/.*running on \(http:[^ ]*\).*/\1/p' "$WORK/demo.out")
KEY=$(sed -n 's/.*demo key: *\(tg-[^ ]*\).*/\1/p' "$WORK/demo.out")
# The demo's 10 USD would run out (gpt-4o and Claude answers cost ~0.0002-0.0004 USD each): 1,000 more.
"$BIN" credits add --org demo --amount 1000 --database "sqlite:$DB" >/dev/null
CREDIT_NANOS=1010000000000

echo "soak: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), binary $BIN"
echo "soak: gateway pid $GATEWAY at $URL, database $DB, output in $WORK"
# A failed run still stops the gateway and reports (set -e would skip both).
RUN_STATUS=0
"$VENV/bin/python" bench/soak.py run --url "$URL" --key "$KEY" --pid "$GATEWAY" --db "$DB" \
    --minutes "$MINUTES" --rate "$RATE" --seed "$SEED" --interval "$INTERVAL" --out "$WORK" || RUN_STATUS=$?

echo "soak: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg); stopping the gateway with SIGTERM"
kill -TERM "$GATEWAY"
STOP_BEGAN=$(date +%s.%N)
for _ in $(seq 600); do kill -0 "$GATEWAY" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$GATEWAY" 2>/dev/null; then
    echo "soak: the gateway did not stop within 60 s of SIGTERM; killing it" >&2
    kill -KILL "$GATEWAY"
fi
STATUS=0
wait "$GATEWAY" || STATUS=$?
echo "soak: gateway exited with status $STATUS, $(awk -v b="$STOP_BEGAN" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - b }') s after SIGTERM"

RESULT=0
"$VENV/bin/python" bench/soak.py report --bin "$BIN" --db "$DB" --out "$WORK" --credit "$CREDIT_NANOS" \
    --exit-status "$STATUS" --gateway-log "$WORK/gateway.log" || RESULT=$?
echo "soak: samples in $WORK/samples.csv, gateway log $WORK/gateway.log"
[ "$RUN_STATUS" -eq 0 ] || { echo "soak: the load generator failed with status $RUN_STATUS" >&2; RESULT=1; }
exit "$RESULT"
