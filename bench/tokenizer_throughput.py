#!/usr/bin/env python3
"""Tokenizer throughput, single-threaded, in one run on the same inputs:
Tollgate (release build of Benchmarks' TokenizerThroughput) vs tiktoken (o200k_base, cl100k_base,
qwen), bpe-openai (o200k_base, cl100k_base: GitHub's `bpe` crate through the `bpe-openai` PyPI
bindings, counting with its own `count`) and Hugging Face tokenizers (deepseek_v3,
claude_legacy). Prints Markdown tables.

Inputs (written to a temporary folder, deterministic):
  code+prose  CPython's standard library sources (code, comments, English docstrings), 4 MB
  mixed       the golden corpus: prose, code, 12 scripts, emoji, random Unicode, 4 MB
  adversarial 100 KB of one character, 100 KB of random bytes, 100 KB of digits, 1 MB of letters
              without a space; then 100 KB each of spaces/tabs/newlines, letters with random
              combining marks, vowelled Arabic, conjoining Hangul jamo, fullwidth forms and
              `<|endoftext|>` repeated (tiktoken is not run where its quadratic merge meets one
              long piece; bpe-openai checks those counts)
"""
import gzip
import json
import os
import random
import subprocess
import sys
import sysconfig
import tempfile
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import importlib.util

spec = importlib.util.spec_from_file_location("golden", os.path.join(ROOT, "scripts", "tokenizer-golden.py"))
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)

THROUGHPUT = os.path.join(ROOT, "Benchmarks", ".build", "release", "TokenizerThroughput")
# Best of several runs; small inputs run more often so scheduling noise on a shared machine
# does not decide their figure.
def repeats(path):
    return max(3, min(40, int(20_000_000 / os.path.getsize(path))))


def inputs(folder):
    lib = sysconfig.get_paths()["stdlib"]
    parts, size = [], 0
    for name in sorted(os.listdir(lib)):
        if name.endswith(".py"):
            with open(os.path.join(lib, name), encoding="utf-8", errors="replace") as f:
                text = f.read()
            parts.append(text)
            size += len(text.encode())
            if size >= 4_000_000:
                break
    rng = random.Random(42)
    texts = {
        "code+prose": "".join(parts),
        "mixed": gzip.open(os.path.join(ROOT, "Tests", "TokenizersTests", "Golden", "corpus.txt.gz")).read().decode(),
        "one-char-100KB": "a" * 100_000,
        "random-bytes-100KB": bytes(rng.randrange(256) for _ in range(100_000)).decode("utf-8", errors="replace"),
        "digits-100KB": "".join(rng.choice("0123456789") for _ in range(100_000)),
        "no-spaces-1MB": "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ") for _ in range(1_000_000)),
        # Beyond the four: what else makes long pieces, long normalization runs or many
        # special-token candidates.
        "whitespace-100KB": "".join(rng.choice(" \t\n") for _ in range(100_000)),
        "marks-100KB": "".join(rng.choice("aeiou") + "".join(rng.choice("\u0300\u0301\u0302\u0316\u0323\u0308") for _ in range(rng.randint(1, 6))) for _ in range(12_500)),
        "vowelled-arabic-100KB": "".join(rng.choice("بتثجحخدذرزسش") + rng.choice("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652") + rng.choice(["", " "]) for _ in range(22_000)),
        "hangul-jamo-100KB": "".join(chr(rng.randint(0x1100, 0x1112)) + chr(rng.randint(0x1161, 0x1175)) + chr(rng.randint(0x11A8, 0x11C2)) for _ in range(11_111)),
        "fullwidth-100KB": "".join(chr(rng.randint(0xFF01, 0xFF5E)) for _ in range(33_333)),
        "special-lookalikes-100KB": "<|endoftext|>" * 7_692,
    }
    paths = {}
    for label, text in texts.items():
        path = os.path.join(folder, label + ".txt")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        paths[label] = path
    return paths


def reference(name, encoder, path, times=None):
    with open(path, encoding="utf-8", newline="") as f:
        chunks = golden.chunks(f.read())
    size = os.path.getsize(path)
    if isinstance(encoder, golden.Tiktoken):
        enc = encoder.enc
        nfc = encoder.nfc

        def run():
            n = 0
            for c in chunks:
                n += len(enc.encode_ordinary(unicodedata.normalize("NFC", c) if nfc else c))
            return n
    else:
        tok = encoder.tok
        tok.encode_special_tokens = True

        def run():
            n = 0
            for c in chunks:
                n += len(tok.encode(c, add_special_tokens=False).ids)
            return n
    best, tokens = 1e9, 0
    for _ in range(times or repeats(path)):
        start = time.perf_counter()
        tokens = run()
        best = min(best, time.perf_counter() - start)
    return {"bytes": size, "seconds": best, "tokens": tokens}


def bpe_openai(name, path, times=None):
    """GitHub's linear-time BPE (the `bpe-openai` crate), counting each chunk with its `count`."""
    from bpe_openai import _bindings

    tokenizer = _bindings.tokenizer_for_encoding(name)
    with open(path, encoding="utf-8", newline="") as f:
        chunks = golden.chunks(f.read())
    best, tokens = 1e9, 0
    for _ in range(times or repeats(path)):
        start = time.perf_counter()
        tokens = sum(tokenizer.count(c) for c in chunks)
        best = min(best, time.perf_counter() - start)
    return {"bytes": os.path.getsize(path), "seconds": best, "tokens": tokens}


BPE_OPENAI = ("o200k_base", "cl100k_base")


# The four first, then the others.
ADVERSARIAL = ["one-char-100KB", "random-bytes-100KB", "digits-100KB", "no-spaces-1MB", "whitespace-100KB", "marks-100KB",
               "vowelled-arabic-100KB", "hangul-jamo-100KB", "fullwidth-100KB", "special-lookalikes-100KB"]


def tollgate(name, label, path):
    out = subprocess.run([THROUGHPUT, name, label, path, str(repeats(path))], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    os.environ["RAYON_NUM_THREADS"] = "1"
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    encoders = golden.encoders()
    impl = {"o200k_base": "tiktoken", "cl100k_base": "tiktoken", "qwen": "tiktoken", "deepseek_v3": "tokenizers", "claude_legacy": "tokenizers"}
    with tempfile.TemporaryDirectory() as folder:
        paths = inputs(folder)
        print("| encoding | input | Tollgate MB/s | reference | reference MB/s | ratio | tokens equal |")
        print("| --- | --- | ---: | --- | ---: | ---: | --- |")
        prose_rate = {}
        adversarial = []
        for name in encoders:
            for label in ["code+prose", "mixed"]:
                ours = tollgate(name, label, paths[label])
                ref = reference(name, encoders[name], paths[label])
                mbs = ours["bytes"] / ours["seconds"] / 1e6
                ref_mbs = ref["bytes"] / ref["seconds"] / 1e6
                if label == "code+prose":
                    prose_rate[name] = ours["seconds"] / ours["bytes"]
                print(f"| {name} | {label} | {mbs:.1f} | {impl[name]} | {ref_mbs:.1f} | {mbs / ref_mbs:.2f}x | {ours['tokens'] == ref['tokens']} |", flush=True)
                if name in BPE_OPENAI:
                    other = bpe_openai(name, paths[label])
                    other_mbs = other["bytes"] / other["seconds"] / 1e6
                    print(f"| {name} | {label} | {mbs:.1f} | bpe-openai | {other_mbs:.1f} | {mbs / other_mbs:.2f}x | {ours['tokens'] == other['tokens']} |", flush=True)
            for label in ADVERSARIAL:
                ours = tollgate(name, label, paths[label])
                per_byte = ours["seconds"] / ours["bytes"]
                # The count is compared with the reference's where the reference finishes: tiktoken
                # merges a piece in quadratic time, and these make one 64 KiB piece per chunk in
                # cl100k and qwen (letters) and in every tiktoken encoding (one character).
                long_piece = label in ("one-char-100KB", "whitespace-100KB") or (label == "no-spaces-1MB" and name in ("cl100k_base", "qwen"))
                other = bpe_openai(name, paths[label], times=3) if name in BPE_OPENAI else None
                if isinstance(encoders[name], golden.Tiktoken) and long_piece:
                    # bpe-openai merges in linear time and gives tiktoken's tokens.
                    equal = f"{other['tokens'] == ours['tokens']} (bpe-openai)" if other else "not run"
                else:
                    equal = str(reference(name, encoders[name], paths[label], times=1)["tokens"] == ours["tokens"])
                other_mbs = f"{other['bytes'] / other['seconds'] / 1e6:.1f}" if other else "—"
                adversarial.append((name, label, ours["bytes"] / ours["seconds"] / 1e6, per_byte / prose_rate[name], other_mbs, equal))
        print()
        print("| encoding | adversarial input | Tollgate MB/s | time per byte vs code+prose | bpe-openai MB/s | tokens equal |")
        print("| --- | --- | ---: | ---: | ---: | --- |")
        for name, label, mbs, ratio, other_mbs, equal in adversarial:
            print(f"| {name} | {label} | {mbs:.1f} | {ratio:.2f}x | {other_mbs} | {equal} |")


if __name__ == "__main__":
    main()
