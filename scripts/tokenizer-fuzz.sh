#!/usr/bin/env bash
# Differential fuzzing of the tokenizers, run by hand (not in CI): COUNT seeded adversarial strings
# per encoding, encoded by the reference implementations from PyPI (scripts/tokenizer-fuzz.py),
# then the Swift golden-vector test on them through TOLLGATE_GOLDEN_DIR. On a mismatch it lists
# every mismatching vector, shrunk to a minimal input, in DIR/mismatches.jsonl, and exits 1.
# Usage: scripts/tokenizer-fuzz.sh [SEED [COUNT]]          (defaults: seed 1, 20000 per encoding)
# TOLLGATE_FUZZ_SWIFT_FLAGS adds flags to `swift build` and `swift test`, e.g. "--sanitize=address"
# or "-c release -Xswiftc -enable-testing" (each its own build folder's worth of compiling; add
# "--scratch-path .build-asan" to keep the ordinary build). XCTest's runner leaks a few objects, so
# leak checking is off unless ASAN_OPTIONS says otherwise.
set -euo pipefail
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
cd "$(dirname "$0")/.."
SEED="${1:-1}"
COUNT="${2:-20000}"
read -r -a FLAGS <<< "${TOLLGATE_FUZZ_SWIFT_FLAGS:-}"

if [ ! -x .venv-golden/bin/python ]; then
    python3 -m venv .venv-golden
    .venv-golden/bin/pip install --quiet -r scripts/tokenizer-golden-requirements.txt
fi
DIR="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-fuzz-$SEED.XXXXXX")"
echo "== vectors: seed $SEED, $COUNT per encoding, in $DIR"
.venv-golden/bin/python scripts/tokenizer-fuzz.py generate "$SEED" "$COUNT" "$DIR"

echo "== swift build"
swift build --build-tests "${FLAGS[@]}"

echo "== golden-vector test on the fuzz vectors"
if TOLLGATE_GOLDEN_DIR="$DIR" swift test --skip-build "${FLAGS[@]}" --filter GoldenVectorTests; then
    echo "no mismatch: seed $SEED, $COUNT vectors per encoding"
    rm -rf "$DIR"
else
    echo "== mismatches, shrunk"
    .venv-golden/bin/python scripts/tokenizer-fuzz.py triage "$DIR" "$(swift build "${FLAGS[@]}" --show-bin-path)/tollgate"
    exit 1
fi
