#!/usr/bin/env bash
# /admin/analytics over a month of generated traffic, on SQLite and PostgreSQL.
#
#   bench/analytics.sh [RECORDS] [ROUNDS]     (defaults 10000000 and 5)
#
# RECORDS requests over 30 days are added to the hourly totals (usage_hourly) through the record
# writer's own code, then typical queries run ROUNDS times each: median and slowest.
# SQLite: a fresh WAL file. PostgreSQL: a throwaway cluster from scripts/postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-10000000}"
rounds="${2:-5}"

swift build -c release --package-path Benchmarks --product analytics-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)/analytics-bench"

work="$(mktemp -d /tmp/tollgate-bench.XXXXXX)"
pg="$(mktemp -d /tmp/tollgate-bench-pg.XXXXXX)"
trap 'scripts/postgres stop "$pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "## SQLite"
"$bin" "sqlite:$work/analytics.db" "$records" "$rounds"
echo
echo "## PostgreSQL"
url="$(scripts/postgres start "$pg")"
"$bin" "$url" "$records" "$rounds"
