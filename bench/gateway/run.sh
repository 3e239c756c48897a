#!/usr/bin/env bash
# Gateway overhead benchmark (issue 17): a fixed-latency fake upstream called straight, through
# Tollgate metered on SQLite, metered on PostgreSQL, unmetered, and through the LiteLLM proxy, at
# open-loop rates and at saturation, on this machine in one run. See bench/gateway/README.md.
#
#   TOLLGATE_BIN=PATH bash bench/gateway/run.sh [--quick] [--duration S] [--targets a,b] [--rates 100,500]
#   TOLLGATE_BIN=PATH bash bench/gateway/run.sh --soak MINUTES [--rate R] [--targets sqlite]
#
# TOLLGATE_BIN is required: this script never builds the gateway. The C load generator and fake
# upstream are compiled with `cc -O2` into BENCH_BUILD_DIR (default /tmp/tollgate-bench-build).
# LiteLLM is installed on first use into BENCH_VENV (default: .venv-bench beside the repository).
# Results: bench/gateway/results/latest.{md,json,svg} (soak: soak-latest.{md,csv,json,svg}).
# `bash bench/gateway/run.sh --help` lists every option.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BUILD="${BENCH_BUILD_DIR:-/tmp/tollgate-bench-build}"
VENV="${BENCH_VENV:-$(dirname "$REPO")/.venv-bench}"

if ! command -v cc >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null
fi
mkdir -p "$BUILD"
compile() { # NAME EXTRA_FLAGS...
    local name=$1; shift
    if [ ! -x "$BUILD/$name" ] || [ "$HERE/$name.c" -nt "$BUILD/$name" ]; then
        cc -O2 -Wall -o "$BUILD/$name.tmp" "$HERE/$name.c" "$@"
        mv "$BUILD/$name.tmp" "$BUILD/$name"
    fi
}
compile loadgen -lm
compile upstream -lpthread

PYTHON=$(command -v python3)
exec "$PYTHON" "$HERE/bench.py" --build "$BUILD" --venv "$VENV" "$@"
