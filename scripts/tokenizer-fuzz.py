#!/usr/bin/env python3
"""Differential fuzzing of Tollgate's tokenizers against the reference implementations.

    tokenizer-fuzz.py generate SEED COUNT DIR
        Writes DIR/<encoding>.jsonl.gz for the five encodings, COUNT vectors each, in the golden
        format (scripts/tokenizer-golden.py's write_vectors, its encoders). The strings are
        adversarial and depend only on SEED and the encoding; the Swift golden-vector test reads
        them through TOLLGATE_GOLDEN_DIR=DIR.

    tokenizer-fuzz.py triage DIR TOLLGATE_BIN
        Finds every vector of DIR that `tollgate tokenize` encodes differently, shrinks each to a
        minimal input that still differs, and writes them to DIR/mismatches.jsonl. The command
        encodes user text, so a vector with "allowed": true is judged only when special tokens make
        no difference to the reference; the Swift test's report lists every mismatching line.

scripts/tokenizer-fuzz.sh runs both around `swift test`.
"""
import gzip
import importlib.util
import json
import os
import random
import subprocess
import sys
import unicodedata

_spec = importlib.util.spec_from_file_location("tokenizer_golden", os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokenizer-golden.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

# ---------------------------------------------------------------- vocabularies

def _byte_decoder():
    """GPT-2's byte-level alphabet, reversed: the printable character standing for each byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class Vocabulary:
    """An encoding's ordinary tokens (as bytes, by id) and its special/added tokens' texts."""

    def __init__(self, enc):
        if isinstance(enc, golden.Tiktoken):
            ranks = sorted(enc.enc._mergeable_ranks.items(), key=lambda item: item[1])
            self.tokens = [token for token, _ in ranks]
            self.specials = sorted(enc.enc._special_tokens)
        else:
            decoder = _byte_decoder()
            vocab = sorted(enc.tok.get_vocab(with_added_tokens=False).items(), key=lambda item: item[1])
            # added tokens may sit in the vocabulary too, outside the byte alphabet: they are specials
            self.tokens = [bytes(decoder[c] for c in token) for token, _ in vocab if all(c in decoder for c in token)]
            self.specials = [token.content for _, token in sorted(enc.tok.get_added_tokens_decoder().items())]
        self.texts = []  # tokens that are whole UTF-8
        for token in self.tokens:
            try:
                self.texts.append(token.decode("utf-8"))
            except UnicodeDecodeError:
                pass
        self.long = sorted(self.texts, key=lambda t: (-len(t.encode("utf-8")), t))[:2000]
        self.letters = [t for t in self.texts if t.isalpha()]
        self.spaced_words = [t for t in self.texts if len(t) > 2 and t[0] == " " and t[1:].isalpha()]


# ---------------------------------------------------------------- generators

MARKS = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030a", "\u030c", "\u0316", "\u0323", "\u0327", "\u0328",
         "\u0331", "\u0345", "\u034f", "\u0360", "\u0361", "\u05b8", "\u05bc", "\u0651", "\u0670", "\u093c", "\u094d",
         "\u0bcd", "\u0e31", "\u0e48", "\u1ab0", "\u1dc0", "\u1df6", "\u20d0", "\u20e3", "\u302a", "\u3099", "\u309a",
         "\ufe0f", "\ufe0e", "\U0001d165", "\U0001d16d", "\U000e0100", "\U000110ba", "\U00011127"]
BASES = ["a", "e", "o", "u", "A", "E", "O", "n", "c", "s", "z", "ι", "α", "Ω", "и", "И", "ה", "ع", "क", "த", "ก", "か",
         "ウ", "ｶ", "ﾞ", "字", "1", " ", "'", "\u0b47", "\u09c7", "\u0dd9", "\u1025", "\u1b05", "\U000110a5"]
# starters outside the BMP whose low 16 bits are a BMP letter that composes (Linear B, CJK Ext. B,
# Osage, tags, variation selectors, math letters): a composition keyed on 16 bits would join them
SUPPLEMENTARY_BASES = ["\U00010041", "\U00020041", "\U00020065", "\U000104D8", "\U000E0067", "\U000E0073",
                       "\U000E0100", "\U0001D400", "\U0001F600", "\U00011099", "\U00011131"]
HANGUL = ["\u1100", "\u1101", "\u1112", "\u1161", "\u1162", "\u1175", "\u11a8", "\u11a9", "\u11c2", "\u115f", "\u1160",
          "\uac00", "\uac01", "\ud7a3", "\ud7a4", "\u3131", "\u314f", "\u3164", "\uffa0", "\uffa1", "\ua960", "\ud7b0"]
COMPAT = ["ﬁ", "ﬀ", "ﬃ", "ﬅ", "ﬆ", "ǆ", "ǅ", "Ǆ", "ĳ", "ŉ", "ſ", "ẛ", "²", "³", "¹", "⁰", "₉", "½", "¼", "⅞", "↉", "ª",
          "º", "µ", "™", "℠", "℡", "Ⅻ", "ⅻ", "①", "⑳", "⒜", "⓪", "㈠", "㊿", "㍿", "㎏", "㏒", "㌀", "㍱", "Ａ", "ｚ", "０",
          "９", "！", "～", "ｶﾞ", "ﾊﾟ", "ｱ", "ﾟ", "ｰ", "ﷺ", "ﷻ", "ﷰ", "ﻼ", "ﺀ", "\u00a0", "\u2000", "\u2007", "\u202f",
          "\u3000", "\u00a8", "\u00b4", "\u02d8", "\u1fbf", "\u1fed", "\u0344", "\u0387", "\u037e", "\u2126", "\u212a",
          "\u212b", "\uf900", "\uf9d2", "\ufa6d", "\u2f00", "\u2fd5", "\u0958", "\u0f73", "\u0f77", "\u2024", "\u2025",
          "\u2026", "\u2033", "\u2057", "\u1d2c", "\u1d62", "\u2090", "\U0001d400", "\U0001d7ce", "\U0001f100", "\U0001f12a",
          "\U0001f190", "\U0002f800", "\ufe10", "\ufe19", "\ufe30", "\ufe4d", "\ufe50", "\uff5f", "\uffe0", "\uffe8",
          "\U00010781", "\ua7f2", "\u32ff", "\u33ff", "\u3250", "\u2474", "\u2488", "\u249c"]
WHITESPACE = [" ", " ", " ", "\t", "\n", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u00a0", "\u1680", "\u2000", "\u2002",
              "\u2003", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\ufeff", "\u180e",
              "\x1c", "\x1d", "\x1e", "\x1f"]
EMOJI = ["😀", "👍", "👨", "👩", "👧", "👦", "🧑", "💻", "🏳", "🌈", "🏴", "❤", "☠", "⚕", "🦰", "🦱", "🦳", "🤝", "🫱", "🫲",
         "🐈", "⬛", "🔥", "✈", "🇺", "🇸", "🇯", "🇵", "🇦", "🇿", "#", "*", "7", "©", "®", "™", "🤖", "✨"]
EMOJI_MODIFIERS = ["\u200d", "\u200d", "\ufe0f", "\ufe0e", "\U0001f3fb", "\U0001f3fc", "\U0001f3fd", "\U0001f3fe",
                   "\U0001f3ff", "\u20e3", "\U000e0067", "\U000e0062", "\U000e0073", "\U000e0063", "\U000e0074", "\U000e007f"]
EMOJI_SEQUENCES = ["👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴‍☠️", "🧑🏿‍💻", "👩🏽‍⚕️", "🫱🏻‍🫲🏿", "🐈‍⬛", "❤️‍🔥", "🇺🇸🇯🇵", "🇦",
                   "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "#️⃣", "1️⃣", "👁️‍🗨️", "🧔‍♂️"]
SCRIPT_LETTERS = {
    "latin": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "latin_ext": "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿāăąćčďđēėęěğīįıłńňőœřśşšţťūůűųźżžßẞǅǈǋ",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґ",
    "greek": "αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩάέήίόύώϊϋΐΰ",
    "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンーヴ",
    "hangul": "가나다라마바사아자차카타파하각난닫랄맘밥삿앙잦찿캌탙팦핳한국어안녕하세요",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى",
    "devanagari": "अआइईउऊऋएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",
    "thai": "กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ",
    "hebrew": "אבגדהוזחטיכלמנסעפצקרשתךםןףץ",
    "modifier": "ʰʱʲʳʴʵʶʷʸʹʺʻʼʽʾʿˀˁˆˇˈˉˊˋˌˍˎˏˠˡˢˣˤ",
}
DIGITS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "０１２３４５６７８９", "๐๑๒๓๔๕๖๗๘๙",
          "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "²³¹⁰⁴⁵⁶⁷⁸⁹", "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ", "①②③④⑤⑥⑦⑧⑨⑩", "½¼¾⅓⅔"]
SEPARATORS = [",", ".", " ", "\u00a0", "\u202f", "'", "_", "-", "/", ":", "٬", "٫", "·", "\u2009", "e", "E", "+", "x"]
PUNCT_RUNS = ["{", "}", "(", ")", "[", "]", "<", ">", "/", "\\", "//", "/*", "*/", "#", "##", "@", "$", "%", "^", "&&", "||",
              "!=", "==", "=>", "->", "::", ";", ",", ".", "...", "…", "\"", "'", "`", "```", "~", "|", "-", "--", "---",
              "_", "__", "+", "*", "**", "?", "¿", "!", "¡", "«", "»", "“", "”", "。", "、", "・", "—", "€", "$", "¥", "§",
              "√", "∑", "→", "™", "😀", "\n", "\r\n", "\n\n", "\r", " ", "\t", "a", "Z", "x1", "_id", "'s", "'T", "'ll"]
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'D", "'ſ", "'K",
                "’s", "'x", "''", "'"]


def _run(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def gen_long_repeat(rng, vocab):
    """One character, or one short unit, repeated: the piece merges whole, past the 64-byte cut."""
    unit = rng.choice(["a", "A", "z", "0", "7", " ", "\n", "\t", "!", ".", "-", "=", "*", "#", "_", "é", "ß", "字", "ア",
                       "한", "я", "ا", "क", "🤖", "\u0301", "ﬃ", "²", "\u3000", "\u00a0", "ab", "abc", "Ab", "aA", "12",
                       "123", "'s", " a", "a ", "\r\n", "<|", "ha", "na", "la", "xX", "0.", "·", "‍", "\ufffd", "ㅋ", "ー"])
    if rng.random() < 0.3:
        unit = rng.choice(vocab.texts)
    target = rng.choice([rng.randint(40, 130), rng.randint(60, 600), rng.randint(500, 4000)])
    n = max(1, target // max(1, len(unit.encode("utf-8"))))
    text = unit * n
    if rng.random() < 0.4:  # a different character somewhere inside
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(["b", "1", " ", "é", "\n", unit[:1].upper(), "'s"]) + text[i:]
    return text


def gen_long_digits(rng, vocab):
    digits = rng.choice(DIGITS[:1] * 6 + DIGITS)
    text = _run(rng, digits, 1, rng.choice([10, 200, 3000]))
    if rng.random() < 0.3:
        text = rng.choice(["", " ", "$", "-", "v", "x", "#"]) + text + rng.choice(["", " ", ".", "%", "px", "k", "\n"])
    return text


def gen_long_letters(rng, vocab):
    """Letters without spaces: random ones, or words (the vocabulary's own) run together."""
    r = rng.random()
    hi = rng.choice([40, 120, 1000, 3000])
    if r < 0.35:
        script = rng.choice(list(SCRIPT_LETTERS))
        return _run(rng, SCRIPT_LETTERS[script], 1, hi // (1 if script == "latin" else 2))
    if r < 0.5:
        return _run(rng, rng.choice(["ab", "abc", "aeiou", "xyz", "AaBb", "lL", "eé", "ие"]), 1, hi)
    if r < 0.85:
        words, total = [], 0
        while total < rng.randint(20, hi):
            w = rng.choice(vocab.letters).strip() if rng.random() < 0.7 else rng.choice(golden.WORDS)
            if rng.random() < 0.15:
                w = w.capitalize()
            words.append(w)
            total += len(w)
        return "".join(words)
    # camelCase and SHOUTING mixtures (o200k splits at case changes)
    parts = [rng.choice(golden.WORDS) for _ in range(rng.randint(1, hi // 5 + 1))]
    return "".join(rng.choice([str.lower, str.upper, str.capitalize, str.title])(p) for p in parts)


def gen_random_bytes(rng, vocab):
    n = rng.choice([rng.randint(1, 16), rng.randint(1, 200), rng.randint(100, 2000)])
    if rng.random() < 0.5:
        return bytes(rng.randrange(256) for _ in range(n)).decode("utf-8", errors="replace")
    # bytes biased to UTF-8 lead and continuation bytes, so more valid multi-byte characters appear
    pool = list(range(0x20, 0x7F)) + list(range(0x80, 0xC0)) * 2 + list(range(0xC2, 0xF5)) + [0x0A, 0x0D, 0x09]
    return bytes(rng.choice(pool) for _ in range(n)).decode("utf-8", errors="replace")


def gen_normalization(rng, vocab):
    """Combining marks in any order, Hangul jamo, compatibility characters: NFC (qwen) and NFKC (claude_legacy)."""
    r = rng.random()
    hi = rng.choice([12, 40, 300])
    if r < 0.3:
        out = []
        for _ in range(rng.randint(1, hi)):
            out.append(rng.choice(BASES) if rng.random() < 0.97 else rng.choice(SUPPLEMENTARY_BASES))
            out.extend(rng.choice(MARKS) for _ in range(rng.choice([0, 0, 1, 2, 3, 6])))
        return "".join(out)
    if r < 0.5:
        return _run(rng, HANGUL + ["a", " ", "\u0301", "한"], 1, hi)
    if r < 0.75:
        return _run(rng, COMPAT + ["a", "b", " ", "1", "\u0301", "\u0308", "e", "'s"], 1, hi)
    if r < 0.9:  # a decomposed word: every letter NFD
        word = rng.choice(["résumé", "naïve", "Ångström", "crème brûlée", "Dvořák", "Straße", "Ελληνικά", "Việt Nam",
                           "한국어", "がぎぐげご", "ﬁnancial", "Ⅻ²", "ḍḥṃṇ", "Å", "ǅemal", "ﾊﾟﾝ"])
        form = rng.choice(["NFD", "NFKD", "NFC", "NFKC"])
        return unicodedata.normalize(form, word) * rng.randint(1, max(1, hi // 8))
    cats = golden.categories()
    return "".join(rng.choice(cats[rng.choice(["Mn", "Mc", "Me", "Lm", "Lo", "Lt", "Nl", "No"])]) if rng.random() < 0.5
                   else rng.choice(["a", "A", " ", "1", "'s"]) for _ in range(rng.randint(1, hi)))


def gen_whitespace(rng, vocab):
    r = rng.random()
    if r < 0.4:
        return _run(rng, WHITESPACE, 1, rng.choice([5, 40, 300]))
    if r < 0.7:  # whitespace runs between words, at the ends, before newlines
        parts = []
        for _ in range(rng.randint(1, 12)):
            parts.append(_run(rng, WHITESPACE, 0, rng.choice([1, 3, 20])))
            parts.append(rng.choice(golden.WORDS + ["", "1", "!", "字", "é", "'s", "\u0301"]))
        return "".join(parts)
    # a long run of one space-like character, ended by something
    return rng.choice(WHITESPACE) * rng.randint(1, 3000) + rng.choice(["", "x", "\n", " x", "1", "!", "\r\n", "字"])


def gen_specials(rng, vocab):
    """Text that looks like special or added tokens (every encoding's), whole, cut, nested, altered."""
    looks = vocab.specials + golden.SPECIAL_LOOKALIKES
    out = []
    for _ in range(rng.randint(1, 8)):
        s = rng.choice(looks) if rng.random() < 0.6 else rng.choice(vocab.specials or looks)
        r = rng.random()
        if r < 0.1:
            s = s[: rng.randrange(len(s) + 1)]
        elif r < 0.2:
            s = s[rng.randrange(len(s) + 1):]
        elif r < 0.3:
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice(["<|", "|>", "<｜", "｜>", " ", "\n", "x", "▁"]) + s[i:]
        elif r < 0.35:
            s = s.upper()
        out.append(s)
        out.append(rng.choice(["", "", " ", "\n", "Hi", "a", "1", "<", "|", ">", "▁", "\u00a0", "<|end", "text|>"]))
    return "".join(out)


def gen_emoji(rng, vocab):
    r = rng.random()
    if r < 0.4:
        return "".join(rng.choice(EMOJI_SEQUENCES) + rng.choice(["", "", " ", "\u200d", "a", "\n"]) for _ in range(rng.randint(1, 20)))
    out = []
    for _ in range(rng.randint(1, rng.choice([8, 60]))):
        out.append(rng.choice(EMOJI))
        out.extend(rng.choice(EMOJI_MODIFIERS) for _ in range(rng.choice([0, 1, 1, 2, 4])))
        if rng.random() < 0.2:
            out.append(rng.choice([" ", "x", "1", "!", "\n"]))
    return "".join(out)


def gen_vocabulary(rng, vocab):
    """The encoding's own tokens run together: every boundary is a merge-order question."""
    r = rng.random()
    if r < 0.35:
        return "".join(rng.choice(vocab.texts) for _ in range(rng.randint(1, rng.choice([4, 16, 60]))))
    if r < 0.55:
        return "".join(rng.choice(vocab.long) for _ in range(rng.randint(1, 12)))
    if r < 0.7:  # a token overlapped with pieces of itself
        t = rng.choice(vocab.long if rng.random() < 0.5 else vocab.texts)
        return t[rng.randrange(len(t) + 1):] + t * rng.randint(1, 3) + t[: rng.randrange(len(t) + 1)]
    if r < 0.8:  # space-prefixed words run together or doubled, the shape of most text
        return "".join(rng.choice(vocab.spaced_words) for _ in range(rng.randint(1, 40)))
    # raw token bytes, partial characters and all
    return b"".join(rng.choice(vocab.tokens) for _ in range(rng.randint(1, 30))).decode("utf-8", errors="replace")


def gen_numbers(rng, vocab):
    out = []
    for _ in range(rng.randint(1, 10)):
        digits = rng.choice(DIGITS[:1] * 8 + DIGITS)
        groups = [_run(rng, digits, 1, rng.choice([3, 3, 4, 12])) for _ in range(rng.randint(1, 6))]
        out.append(rng.choice(["", "", "-", "+", "$", "€", "£", "#", "(", "0x", "v", "№"]) + rng.choice(SEPARATORS).join(groups))
        out.append(rng.choice(["", " ", ", ", "\n", "%", "px", "kg", " USD", "th", "st", ")", ":", "/", "–", "x"]))
    return "".join(out)


def gen_mixed_scripts(rng, vocab):
    out = []
    for _ in range(rng.randint(1, 25)):
        script = rng.choice(list(SCRIPT_LETTERS))
        word = _run(rng, SCRIPT_LETTERS[script], 1, 10)
        if rng.random() < 0.2:
            word += rng.choice(CONTRACTIONS)
        if rng.random() < 0.15:
            word += rng.choice(MARKS)
        out.append(word)
        out.append(rng.choice(["", "", " ", " ", "-", "'", "1", "12", "\n", "。", "，", "\u00a0", "\u200d", "_"]))
    return "".join(out)


def gen_cjk_boundaries(rng, vocab):
    """Ideographs and kana at the edges of DeepSeek's CJK range (U+4E00-U+9FA5, U+3040-U+30FF) and just outside."""
    alphabet = ["一", "\u4dff", "\u4e00", "龥", "\u9fa6", "\u9fff", "\u3400", "\U00020000", "豈", "\u3040", "ぁ", "ゟ",
                "゠", "ヿ", "\u3100", "ㇰ", "ｱ", "ﾞ", "\u3099", "\u309b", "ー", "々", "〆", "。", "、", "「", "」", "1", "12",
                "a", "A", " ", "\n", "'s", "!", "字", "한", "\u0301"]
    return _run(rng, alphabet, 1, rng.choice([10, 60, 600]))


def gen_code(rng, vocab):
    out = []
    for _ in range(rng.randint(1, 40)):
        out.append(rng.choice(PUNCT_RUNS))
        if rng.random() < 0.3:
            out.append(rng.choice(golden.WORDS))
        if rng.random() < 0.1:
            out.append(rng.choice(["\n    ", "\n\t\t", "\r\n  ", "  \n", " \n\n"]))
    return "".join(out)


def gen_contractions(rng, vocab):
    return "".join(rng.choice(CONTRACTIONS + ["a", "A", "é", "1", " ", "\n", "!", "字", "ʰ", "ǅ", "\u0301", "x", "I", "'"])
                   for _ in range(rng.randint(1, 40)))


def gen_golden(rng, vocab):
    """The golden set's own generator, one of its kinds at random."""
    return golden.gen_text(rng, rng.randrange(19))


GENERATORS = [gen_long_repeat, gen_long_digits, gen_long_letters, gen_random_bytes, gen_normalization, gen_whitespace,
              gen_specials, gen_emoji, gen_vocabulary, gen_numbers, gen_mixed_scripts, gen_cjk_boundaries, gen_code,
              gen_contractions, gen_golden]
MAX_BYTES = 8192


def fuzz_text(rng, vocab):
    """One string: mostly a single generator's, sometimes two or three joined, sometimes in context."""
    parts = [rng.choice(GENERATORS)(rng, vocab) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    text = rng.choice(["", "", " ", "\n"]).join(parts)
    if rng.random() < 0.15:
        text = rng.choice(["", " ", "a", "1", "\n", "'", "é", "字"]) + text + rng.choice(["", " ", "a", "1", "\n", "'s", "\u0301"])
    data = text.encode("utf-8")
    if len(data) > MAX_BYTES:
        text = data[:MAX_BYTES].decode("utf-8", errors="ignore")
    return text


def fuzz_cases(seed, count, name, vocab):
    """(text, allowed) pairs; a quarter allow special tokens, so both paths are fuzzed."""
    rng = random.Random(f"tokenizer-fuzz:{seed}:{name}")
    return [(fuzz_text(rng, vocab), rng.random() < 0.25) for _ in range(count)]


def generate(seed, count, out):
    os.makedirs(out, exist_ok=True)
    for name, enc in golden.encoders().items():
        cases = fuzz_cases(seed, count, name, Vocabulary(enc))
        golden.write_vectors(os.path.join(out, f"{name}.jsonl.gz"), enc, cases)
        size = sum(len(t.encode("utf-8")) for t, _ in cases)
        print(f"{name}: {len(cases)} vectors, {size / 1e6:.1f} MB of text, seed {seed}", file=sys.stderr)


# ---------------------------------------------------------------- triage

class Tollgate:
    """`tollgate tokenize --jsonl`: many texts per process, so shrinking asks in batches."""

    def __init__(self, binary, name):
        self.binary, self.name = binary, name

    def encode(self, texts):
        lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
        run = subprocess.run([self.binary, "tokenize", "--encoding", self.name, "--jsonl"], input=lines.encode("utf-8"),
                             capture_output=True, check=True)
        answers = [json.loads(line)["ids"] for line in run.stdout.decode("utf-8").splitlines()]
        # `--jsonl` skips empty input lines only, and every text here is a line of its own
        assert len(answers) == len(texts), (len(answers), len(texts))
        return answers


def shrink_steps(text):
    """Delta debugging over scalars, as a coroutine: yields lists of candidates, is sent the index
    of one that still differs (or None), returns the shortest text found."""
    chars = list(text)
    n = 2
    while len(chars) >= 2:
        size = max(1, len(chars) // n)
        cuts = ["".join(chars[:i] + chars[i + size:]) for i in range(0, len(chars), size)]
        found = yield cuts
        if found is not None:
            chars = list(cuts[found])
            n = max(n - 1, 2)
        elif size == 1:
            break
        else:
            n = min(n * 2, len(chars))
    for simple in ["a", " "]:  # then simpler characters where they do not matter
        for i in range(len(chars)):
            if chars[i] != simple:
                tried = chars[:i] + [simple] + chars[i + 1:]
                if (yield ["".join(tried)]) is not None:
                    chars = tried
    return "".join(chars)


def shrink_all(texts, differ):
    """Shrinks every text at once: each round judges all texts' candidates with one call of
    `differ` (a list of texts to a list of bools), so the Swift encoding loads once a round."""
    steps = [shrink_steps(t) for t in texts]
    pending = {i: next(s) for i, s in enumerate(steps)}
    results = {}
    while pending:
        verdicts = iter(differ([c for candidates in pending.values() for c in candidates]))
        first = {i: next((k for k, bad in enumerate([next(verdicts) for _ in candidates]) if bad), None)
                 for i, candidates in pending.items()}
        for i in list(pending):
            try:
                pending[i] = steps[i].send(first[i])
            except StopIteration as done:
                results[i] = done.value
                del pending[i]
    return [results[i] for i in range(len(texts))]


def triage(out, binary):
    encoders = golden.encoders()
    report = []
    for name, enc in encoders.items():
        with gzip.open(os.path.join(out, f"{name}.jsonl.gz"), "rt", encoding="utf-8") as f:
            vectors = [json.loads(line) for line in f]
        tollgate = Tollgate(binary, name)
        # `tollgate tokenize` encodes user text (no special tokens); a vector with "allowed": true
        # can be judged by it too when the reference gives the same ids either way.
        plain = [(line, v) for line, v in enumerate(vectors, 1)
                 if not v["allowed"] or enc.encode(v["text"], False) == v["ids"]]
        found = [(line, v, got) for (line, v), got in zip(plain, tollgate.encode([v["text"] for _, v in plain]))
                 if got != v["ids"]]
        if not found:
            continue

        def differ(candidates):
            return [ids != enc.encode(c, False) for c, ids in zip(candidates, tollgate.encode(candidates))]

        smalls = shrink_all([v["text"] for _, v, _ in found], differ)
        minimal = {}
        distinct = list(dict.fromkeys(smalls))
        for small, got in zip(distinct, tollgate.encode(distinct)):
            minimal[small] = {"text": small, "scalars": [f"U+{ord(c):04X}" for c in small],
                              "expected": enc.encode(small, False), "got": got, "vectors": 0}
        for (line, v, got), small in zip(found, smalls):
            minimal[small]["vectors"] += 1
            report.append({"encoding": name, "line": line, "allowed": v["allowed"], "text": v["text"], "expected": v["ids"],
                           "got": got, "minimal": small})
        print(f"{name}: {len(found)} mismatching vectors, {len(minimal)} distinct minimal inputs:", file=sys.stderr)
        for m in sorted(minimal.values(), key=lambda m: (-m["vectors"], m["scalars"])):
            print(f"  {' '.join(m['scalars'])} (in {m['vectors']}): expected {m['expected']} got {m['got']}", file=sys.stderr)
    with open(os.path.join(out, "mismatches.jsonl"), "w") as f:
        for entry in report:
            f.write(json.dumps(entry) + "\n")
    print(f"{len(report)} mismatching vectors, each with its minimal input, in {out}/mismatches.jsonl; the Swift "
          "test's report lists every mismatching line, including any that differ only with special tokens allowed",
          file=sys.stderr)
    return report


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "generate":
        generate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "triage":
        triage(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
