#!/usr/bin/env bash
# Ledger throughput: transfers/s single and grouped, on SQLite and PostgreSQL, beside a bare
# INSERT of the same rows into the same database in the same run.
#
#   bench/ledger.sh [TRANSFERS] [CLIENTS] [ROUNDS]     (defaults 100000, 256 and 3)
#
# The reference INSERT goes into an exact copy of ledger_transfers (same keys, indexes, foreign
# keys) and into a table with only its keys; grouped and bare alternate ROUNDS times, medians shown.
#
# SQLite: a fresh WAL file with synchronous=NORMAL (Tollgate's setting). PostgreSQL: a throwaway
# cluster from scripts/postgres with fsync ON (a durable commit per transaction, as in production).
set -euo pipefail
cd "$(dirname "$0")/.."
transfers="${1:-100000}"
clients="${2:-256}"
rounds="${3:-3}"

swift build -c release --package-path Benchmarks --product ledger-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)/ledger-bench"

work="$(mktemp -d /tmp/tollgate-bench.XXXXXX)"
pg="$(mktemp -d /tmp/tollgate-bench-pg.XXXXXX)"
trap 'scripts/postgres stop "$pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "## SQLite"
"$bin" "sqlite:$work/ledger.db" "$transfers" "$clients" "$rounds"
echo
echo "## PostgreSQL (fsync on)"
url="$(TOLLGATE_POSTGRES_FSYNC=on scripts/postgres start "$pg")"
"$bin" "$url" "$transfers" "$clients" "$rounds"
