#!/usr/bin/env bash
# Regenerates the tokenizer golden vectors with the reference implementations from PyPI.
# Usage: scripts/tokenizer-golden.sh [VECTORS_PER_ENCODING [CORPUS_BYTES]]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-golden/bin/python ]; then
    python3 -m venv .venv-golden
    .venv-golden/bin/pip install --quiet -r scripts/tokenizer-golden-requirements.txt
fi
exec .venv-golden/bin/python scripts/tokenizer-golden.py "$@"
