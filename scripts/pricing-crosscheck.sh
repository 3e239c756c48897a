#!/usr/bin/env bash
# Prices random usage shapes with Tollgate and with LiteLLM's own cost calculator, from the same
# price file, and lists every disagreement. Needs PyPI (for litellm) and a Swift toolchain.
#
#   scripts/pricing-crosscheck.sh [SHAPES] [MODELS] [SEED]     (defaults: 600 shapes over 60 models, seed 2026)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-pricing
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import litellm' 2>/dev/null; then
    "$venv/bin/pip" install --quiet litellm
fi

swift build --product tollgate >&2
binary="$(swift build --product tollgate --show-bin-path)/tollgate"

# LiteLLM's own copy of its price file, the one it prices with offline.
export LITELLM_LOCAL_MODEL_COST_MAP=True
prices="$("$venv/bin/python" -c 'import importlib.resources as r; print(r.files("litellm") / "model_prices_and_context_window_backup.json")')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$binary" prices import litellm "$prices" --output "$work/catalog.json"

"$venv/bin/python" scripts/pricing-crosscheck.py --tollgate "$binary" --catalog "$work/catalog.json" \
    --prices "$prices" --shapes "${1:-600}" --models "${2:-60}" --seed "${3:-2026}"
