#!/usr/bin/env python3
"""Writes golden vectors for Tollgate's five encodings from the reference implementations.

The vocabularies are the very files the `Tokenizers` target ships (Sources/Tokenizers/Resources);
tiktoken is built from them locally because it cannot download its own.

Output (all deterministic for a given seed):
  Tests/TokenizersTests/Golden/<encoding>.jsonl.gz   one {"text", "ids", "allowed"} per line
  Tests/TokenizersTests/Golden/corpus.txt.gz         a multi-megabyte mixed corpus
  Tests/TokenizersTests/Golden/<encoding>.corpus.json per-chunk token count and FNV-1a hash of ids

"allowed": false means special-token look-alikes are ordinary text (tiktoken with
disallowed_special=(), tokenizers with encode_special_tokens=True); true means they are specials.
"""
import base64
import gzip
import io
import json
import os
import random
import sys
import unicodedata

import tiktoken
import tiktoken.load
import tokenizers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES = os.path.join(ROOT, "Sources", "Tokenizers", "Resources")
OUT = os.path.join(ROOT, "Tests", "TokenizersTests", "Golden")
CHUNK = 65536  # corpus chunk size in UTF-8 bytes (cut at a character boundary)

O200K_PAT = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
# dashscope 2.x, dashscope/tokenizers/qwen_tokenizer.py
QWEN_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [f"<|extra_{i}|>" for i in range(205)]


def load_ranks(name):
    path = os.path.join(RES, name)
    with gzip.open(path, "rb") as f:
        data = f.read()
    return {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in data.splitlines() if line)}


class Tiktoken:
    def __init__(self, name, pat, specials, nfc=False):
        self.enc = tiktoken.Encoding(name, pat_str=pat, mergeable_ranks=load_ranks(name_file(name)), special_tokens=specials)
        self.nfc = nfc

    def encode(self, text, allowed):
        if self.nfc:
            text = unicodedata.normalize("NFC", text)
        if allowed:
            return self.enc.encode(text, allowed_special="all")
        return self.enc.encode(text, allowed_special=set(), disallowed_special=())


class HF:
    def __init__(self, file):
        with gzip.open(os.path.join(RES, file), "rb") as f:
            self.tok = tokenizers.Tokenizer.from_str(f.read().decode("utf-8"))

    def encode(self, text, allowed):
        self.tok.encode_special_tokens = not allowed
        return self.tok.encode(text, add_special_tokens=False).ids


def name_file(name):
    return {"o200k_base": "o200k_base.tiktoken.gz", "cl100k_base": "cl100k_base.tiktoken.gz", "Qwen": "qwen.tiktoken.gz"}[name]


def encoders():
    return {
        "o200k_base": Tiktoken("o200k_base", O200K_PAT, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}),
        "cl100k_base": Tiktoken("cl100k_base", CL100K_PAT, {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}),
        "qwen": Tiktoken("Qwen", QWEN_PAT, {t: 151643 + i for i, t in enumerate(QWEN_SPECIALS)}, nfc=True),
        "deepseek_v3": HF("deepseek_v3.tokenizer.json.gz"),
        "claude_legacy": HF("claude_legacy.tokenizer.json.gz"),
    }


# ---------------------------------------------------------------- text generation

PROSE = [
    "The quick brown fox jumps over the lazy dog. It's 5 o'clock somewhere, isn't it? We'll see; they've said they'd come.",
    "In 1492, Columbus sailed the ocean blue. By 2024-03-15T10:20:30Z the index had grown 3.14159% to 12,345,678.90 USD.",
    "SHOUTING WORDS AND CamelCaseIdentifiers, mixedCASE, ALLCAPS'S, O'Neil's DON'T I'M YOU'RE WE'VE THEY'LL HE'D.",
    "Dr. Smith—who'd never seen such a thing—said: \"Well… that's that.\" (Or was it?) [See §4.2, p. 17.]",
    "Email me at first.last+tag@example.co.uk or visit https://example.com/path?q=1&r=two#frag — thanks!",
]
CODE = [
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(10)])\n",
    "func encode(_ text: String) -> [Int] {\n\tvar ids: [Int] = []\n\tfor piece in split(text) { ids += merge(piece) }\n\treturn ids\n}\n",
    "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi!\"}], \"temperature\": 0.7, \"max_tokens\": 256}",
    "#include <stdio.h>\nint main(void) {\n    for (int i = 0; i < 10; ++i) printf(\"%d\\n\", i * i);\n    return 0;\n}\r\n",
    "SELECT id, name FROM users WHERE created_at >= '2024-01-01' AND status <> 'deleted' ORDER BY id DESC LIMIT 50;",
    "    if (x !== undefined && y?.z) { return a ?? b; } // TODO: fix\n\n\n    const re = /[a-z]+\\d{2,}/gi;",
    "<div class=\"card\"><p>Hello&nbsp;world</p><br/></div>\n<!-- comment -->\n",
    "path/to/some/file.txt\\windows\\path\\file.exe ../../up/one/two//double///triple",
]
SCRIPTS = {
    "zh": "我们今天去公园散步，天气非常好。人工智能正在改变世界，大型语言模型的计费需要精确的令牌计数。",
    "ja": "東京は日本の首都です。ひらがなとカタカナ、そして漢字を混ぜて書きます。トークナイザーのテストです。",
    "ko": "안녕하세요. 저는 한국어를 공부하고 있습니다. 오늘 날씨가 정말 좋네요!",
    "ar": "مرحبا بالعالم. هذه جملة باللغة العربية مع بعض الأرقام ١٢٣ و 456.",
    "he": "שלום עולם. זהו משפט בעברית עם ניקוד: בְּרֵאשִׁית בָּרָא אֱלֹהִים.",
    "th": "สวัสดีครับ วันนี้อากาศดีมาก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "hi": "नमस्ते दुनिया। यह हिंदी में एक वाक्य है, जिसमें संयुक्ताक्षर क्ष त्र ज्ञ हैं। ०१२३४५६७८९",
    "ru": "Съешь же ещё этих мягких французских булок, да выпей чаю. ПРИВЕТ Мир!",
    "el": "Γαζέες καὶ μυρτιὲς δὲν θὰ βρῶ πιὰ στὸ χρυσαφὶ ξέφωτο. ΑΒΓΔ αβγδ",
    "emoji": "I ❤️ tokens 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸🇯🇵 🧑🏿‍💻 😀😃😄 #️⃣ 1️⃣ ©️ ™ 🤖✨",
    "marks": "e\u0301 a\u0300\u0316 Z\u0351\u0352\u0353a\u0360l\u0361g\u0362o \u0915\u094d\u0937 n\u0303 A\u030a \u0301\u0301leading",
    "ws": "a\u00a0b\u3000c\u2003d\u2028e\u2029f\u0085g\u000bh\u000ci\u200bj\ufeffk\u180el\u202fm\u205fn",
}
SPECIAL_LOOKALIKES = [
    "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<|im_start|>", "<|im_end|>", "<|extra_0|>", "<|extra_204|>", "<|extra_205|>",
    "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>",
    "<｜tool▁calls▁begin｜>", "<｜tool▁sep｜>", "<EOT>", "<META>", "<SOS>", "<|endoftext", "endoftext|>", "<|", "|>",
]
WS = [" ", "  ", "\t", "\n", "\r\n", "\r", "\n\n", "   ", "\u00a0", "\u3000", "\u2028", "\x0b", "\x0c", "\x85", "\u2003", " \n ", "\t\t\n"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["…", "—", "–", "«", "»", "¿", "¡", "“", "”", "‘", "’", "€", "£", "¥", "§", "¶", "•", "→", "∑", "∞", "≠", "√", "°", "×", "÷", "。", "、", "「", "」", "！", "？"]
WORDS = ("the of and to in is that it was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part").split()


def rand_unicode(rng, n):
    out = []
    while len(out) < n:
        r = rng.random()
        if r < 0.5:
            cp = rng.randrange(0x20, 0x3000)
        elif r < 0.8:
            cp = rng.randrange(0x3000, 0x10000)
        else:
            cp = rng.randrange(0x10000, 0x30000)
        c = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or unicodedata.category(c) in ("Cn", "Cs", "Co"):
            continue  # unassigned in the reference's Unicode version: properties would differ by version
        out.append(c)
    return "".join(out)


_CATEGORIES = {}


def categories():
    """Assigned characters of planes 0-2 by general category (Python's Unicode version)."""
    if not _CATEGORIES:
        for cp in range(0x30000):
            c = chr(cp)
            cat = unicodedata.category(c)
            if cat not in ("Cn", "Cs", "Co"):
                _CATEGORIES.setdefault(cat, []).append(c)
    return _CATEGORIES


def rand_bytes_text(rng, n):
    return bytes(rng.randrange(256) for _ in range(n)).decode("utf-8", errors="replace")


def gen_text(rng, i):
    kind = i % 19
    if kind == 0:
        return " ".join(rng.choice(PROSE) for _ in range(rng.randint(1, 3)))
    if kind == 1:
        return rng.choice(CODE)
    if kind == 2:
        return "".join(rng.choice(WS + ["x", "ab", "1", ".", "Word"]) for _ in range(rng.randint(1, 30)))
    if kind == 3:
        return "".join(rng.choice(["", " ", ",", ".", "-", "/", ":"]) + str(rng.randrange(10 ** rng.randint(1, 25))) for _ in range(rng.randint(1, 8)))
    if kind == 4:
        return "".join(rng.choice(PUNCT + [" ", "\n", "a", "'s", "'LL"]) for _ in range(rng.randint(1, 40)))
    if kind == 5:
        s = list(SCRIPTS.values())
        return "".join(rng.choice(s)[rng.randrange(10):][: rng.randint(5, 60)] + rng.choice(WS + [""]) for _ in range(rng.randint(1, 4)))
    if kind == 6:
        return rng.choice(list(SCRIPTS.values()))
    if kind == 7:
        return rand_unicode(rng, rng.randint(1, 80))
    if kind == 8:
        pieces = SPECIAL_LOOKALIKES + PROSE[:2] + [" ", "\n", "x"]
        return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
    if kind == 9:
        unit = rng.choice(["a", "ab", "supercalifragilistic", "Z", "é", "字", "1", " ", "\n", "!", "🤖", "xY", "'s", "ﬃ"])
        return unit * rng.randint(50, 3000)
    if kind == 10:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(50, 1500)))
    if kind == 11:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 60)))
    if kind == 12:
        # mixed scripts and casing inside one word, contractions in odd places
        parts = ["Hello", "世界", "мир", "'s", "'T", "123", "ٱلسلام", "e\u0301", "ǅ", "ʰ", "ᾈ", "İstanbul", "ß", "Ⅻ", "²", "𝔘𝔫𝔦", "\u00ad", "\u200d"]
        return "".join(rng.choice(parts + WS[:4]) for _ in range(rng.randint(1, 15)))
    if kind == 13:
        return rand_bytes_text(rng, rng.randint(1, 200))
    if kind == 14:
        alphabet = [" ", "\t", "\n", "\r", "a", "A", "1", "'", "s", "/", "é", "\u0301", ".", "\u3000", "字", "Ⅻ", "ʰ", "ǅ"]
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 50)))
    if kind == 15:
        return rand_unicode(rng, rng.randint(1, 20)) + " " + rng.choice(PROSE)
    if kind == 18:
        # every general category equally often, mixed with the patterns' literal characters
        cats = categories()
        extra = [" ", "\n", "\r", "\t", "'", "s", "S", "t", "ll", "re", "1", "a", "A", "<|endoftext|>", "<｜User｜>"]
        return "".join(rng.choice(extra) if rng.random() < 0.3 else rng.choice(cats[rng.choice(sorted(cats))]) for _ in range(rng.randint(1, 30)))
    if kind == 17:
        # Unicode normalization edge cases (Qwen's NFC, claude_legacy's NFKC): composing marks in
        # any order, Hangul jamo, Indic vowel signs of class 0, singletons, exclusions,
        # compatibility forms, characters newer than some engines' tables.
        alphabet = ["a", "e", "A", " ", "\u0301", "\u0316", "\u0323", "\u0302", "\u0307", "\u1100", "\u1161", "\u11a8",
                    "\uac00", "\u0b47", "\u0b3e", "\u0b57", "\u09c7", "\u09be", "\u0dd9", "\u0dcf", "\u1025", "\u102e",
                    "\u212b", "\u2126", "\uf900", "\u0f73", "\u0344", "\u0958", "\ufb01", "\uff21", "\u2460", "\u00b2",
                    "\u3300", "\u1e9b", "\u0387", "\u037e", "\u1fbf", "\u00a8", "\u32ff", "\ua7f2", "\U00010781", "\u1df6",
                    "\u3099", "\u304b", "\u05b8", "\u059e", "\u0301\u0301", "\u0963", "\u1b05\u1b35", "\U000110a5\U000110ba"]
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25)))
    # contractions in every case after every kind of prefix, against each pattern's alternatives
    alphabet = ["'", "'", "s", "S", "\u017f", "t", "T", "re", "RE", "rE", "ve", "VE", "ll", "LL", "lL", "d", "D", "m", "M",
                "x", "X", " ", "!", "\n", "\u0301", "\u02b0", "\u01c5", "\u00e9", "1", "\t", "\u3000", "\u5b57"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))


def fnv1a(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for b in i.to_bytes(4, "little"):
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def corpus(rng, size):
    parts, total = [], 0
    i = 0
    while total < size:
        t = gen_text(rng, i) + rng.choice(["\n", " ", "\n\n", ""])
        parts.append(t)
        total += len(t.encode("utf-8"))
        i += 1
    return "".join(parts)


def chunks(text):
    data = text.encode("utf-8")
    out, start = [], 0
    while start < len(data):
        end = min(start + CHUNK, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end += 1
        out.append(data[start:end].decode("utf-8"))
        start = end
    return out


def write_vectors(path, enc, cases):
    """Writes `<encoding>.jsonl.gz` for `cases`, (text, allowed) pairs encoded by `enc`, as the Swift tests read it.

    scripts/tokenizer-fuzz.py writes its vectors with this too."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        for text, allowed in cases:
            # ASCII JSON: Foundation on Linux drops a raw U+FEFF after an escape
            f.write((json.dumps({"text": text, "ids": enc.encode(text, allowed), "allowed": allowed}) + "\n").encode("utf-8"))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2700
    corpus_bytes = int(sys.argv[2]) if len(sys.argv) > 2 else 4 * 1024 * 1024
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20261124)
    texts = [gen_text(rng, i) for i in range(count)]
    special_texts = ["".join(rng.choice(SPECIAL_LOOKALIKES + [" ", "a", "\n", "Hi"]) for _ in range(rng.randint(1, 8))) for _ in range(200)]
    big = corpus(random.Random(7), corpus_bytes)
    with gzip.GzipFile(os.path.join(OUT, "corpus.txt.gz"), "wb", mtime=0) as f:
        f.write(big.encode("utf-8"))
    pieces = chunks(big)
    for name, enc in encoders().items():
        write_vectors(os.path.join(OUT, f"{name}.jsonl.gz"), enc, [(t, False) for t in texts] + [(t, True) for t in special_texts])
        expected = []
        for p in pieces:
            ids = enc.encode(p, False)
            expected.append({"count": len(ids), "fnv1a": f"{fnv1a(ids):016x}"})
        with open(os.path.join(OUT, f"{name}.corpus.json"), "w") as f:
            json.dump({"chunk_bytes": CHUNK, "chunks": expected}, f, indent=0)
        print(name, len(texts) + len(special_texts), "vectors,", len(pieces), "corpus chunks", file=sys.stderr)


if __name__ == "__main__":
    main()
