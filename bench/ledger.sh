#!/usr/bin/env bash
# Ledger throughput: transfers/s single and grouped, on SQLite and PostgreSQL, beside a bare
# INSERT of the same rows into the same database in the same run.
#
#   bench/ledger.sh [TRANSFERS] [CLIENTS]      (defaults 100000 and 256)
#
# SQLite: a fresh WAL file with synchronous=NORMAL (Tollgate's setting). PostgreSQL: a throwaway
# cluster from scripts/postgres with fsync ON (a durable commit per transaction, as in production).
set -euo pipefail
cd "$(dirname "$0")/.."
transfers="${1:-100000}"
clients="${2:-256}"

swift build -c release --package-path Benchmarks --product ledger-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)/ledger-bench"

work="$(mktemp -d /tmp/tollgate-bench.XXXXXX)"
pg="$(mktemp -d /tmp/tollgate-bench-pg.XXXXXX)"
trap 'scripts/postgres stop "$pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "## SQLite"
"$bin" "sqlite:$work/ledger.db" "$transfers" "$clients"
echo
echo "## PostgreSQL (fsync on)"
url="$(TOLLGATE_POSTGRES_FSYNC=on scripts/postgres start "$pg")"
"$bin" "$url" "$transfers" "$clients"
