#!/usr/bin/env bash
# Tokenizer throughput: Tollgate vs tiktoken, bpe-openai (GitHub's `bpe` crate, through its PyPI
# bindings) and Hugging Face tokenizers, single-threaded, one run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-golden/bin/python ]; then
    python3 -m venv .venv-golden
    .venv-golden/bin/pip install --quiet -r scripts/tokenizer-golden-requirements.txt
fi
.venv-golden/bin/python -c "import bpe_openai" 2>/dev/null || .venv-golden/bin/pip install --quiet -r scripts/tokenizer-golden-requirements.txt
(cd Benchmarks && swift build -c release --product TokenizerThroughput)
exec .venv-golden/bin/python bench/tokenizer_throughput.py "$@"
