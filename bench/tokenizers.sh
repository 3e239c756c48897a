#!/usr/bin/env bash
# Tokenizer throughput: Tollgate vs tiktoken and Hugging Face tokenizers, single-threaded, one run.
# (bpe-openai, a Rust crate, is not reachable from this environment's registries and is left out.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-golden/bin/python ]; then
    python3 -m venv .venv-golden
    .venv-golden/bin/pip install --quiet tiktoken==0.14.0 tokenizers==0.23.3
fi
(cd Benchmarks && swift build -c release --product TokenizerThroughput)
exec .venv-golden/bin/python bench/tokenizer_throughput.py "$@"
