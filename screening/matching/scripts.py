"""Script handling: CJK folding, Japanese romanisation and transliteration of other scripts.

The heavy helpers (OpenCC converters, the cutlet/fugashi tagger) are created lazily, once per
process, and never stored on an index — so an index pickles small and the worker pays the cost of
loading the Japanese dictionary only when a Japanese name actually comes along.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

from .lexicon import KANJI_GLOSSARY

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff々〆"
_KANA = r"\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HANGUL = r"\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
HAN_RE = re.compile(f"[{_HAN}]")
KANA_RE = re.compile(f"[{_KANA}]")
HANGUL_RE = re.compile(f"[{_HANGUL}]")
CJK_RUN_RE = re.compile(f"[{_HAN}{_KANA}ー]+")
HAN_RUN_RE = re.compile(f"([{_HAN}]+)")
KATAKANA_WORD_RE = re.compile(r"^[\u30a0-\u30ffー]+$")
HANGUL_SYLLABLE_RE = re.compile(f"[{_HANGUL}]")
# Separators used inside Japanese renderings of foreign names (・ ＝ and friends).
JA_SEPARATORS_RE = re.compile(r"[・･=＝\s　()（）「」、,，.．/／]+")


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("jp2t"), opencc.OpenCC("t2s")


def fold_cjk(text: str) -> str:
    """Fold Japanese shinjitai, traditional and simplified Han characters onto one spelling.

    jp2t then t2s: a Japanese form, a traditional form and a simplified form of the same name all
    land on the same string, so bigrams built from them agree.
    """
    jp2t, t2s = _opencc()
    return t2s.convert(jp2t.convert(text))


@lru_cache(maxsize=1)
def _cutlet():
    import cutlet

    katsu = cutlet.Cutlet()
    katsu.use_foreign_spelling = False
    return katsu


def has_cjk(text: str) -> bool:
    return bool(HAN_RE.search(text) or KANA_RE.search(text))


def _foreign_lemma(word) -> str | None:
    """The source-language spelling UniDic records for a katakana loanword, if any."""
    lemma = getattr(word.feature, "lemma", None) or ""
    if "-" not in lemma:
        return None
    origin = lemma.split("-", 1)[1]
    if origin.isascii() and origin.replace(" ", "").isalpha():
        return origin.lower()
    return None


def _kana_romaji(segment: str) -> str:
    out = _cutlet().romaji(segment, capitalize=False, title=False)
    return re.sub(r"[^a-z]", "", out.lower())


@lru_cache(maxsize=4096)
def _glossed_kanji(run: str) -> tuple[str, ...]:
    """Translate a run of kanji by the glossary (longest match first); romanise what is left."""
    words: list[str] = []
    rest = ""
    i = 0
    while i < len(run):
        for size in (4, 3, 2, 1):
            piece = run[i : i + size]
            if len(piece) == size and piece in KANJI_GLOSSARY:
                if rest:
                    words.extend(_cutlet().romaji(rest, capitalize=False).lower().split())
                    rest = ""
                words.extend(KANJI_GLOSSARY[piece].split())
                i += size
                break
        else:
            rest += run[i]
            i += 1
    if rest:
        words.extend(_cutlet().romaji(rest, capitalize=False).lower().split())
    return tuple(words)


@lru_cache(maxsize=65536)
def romanise_japanese(text: str) -> str:
    """Latin reading of a Japanese name, separated where the Japanese separates words.

    A katakana segment that UniDic knows as one or more loanwords becomes the English words
    ("テクノロジー" → "technology"); any other katakana segment is romanised as one word, so a
    transliterated personal name is never broken into dictionary words ("ワレンチナ" stays
    "warenchina", not "Warren China"). Kanji runs are translated through a small glossary of
    organisation words, the rest romanised.
    """
    tokens: list[str] = []
    for segment in JA_SEPARATORS_RE.split(text):
        if not segment:
            continue
        if KATAKANA_WORD_RE.match(segment):
            words = list(_cutlet().tagger(segment))
            lemmas = [_foreign_lemma(w) for w in words]
            if lemmas and all(lemmas) and (len(words) == 1 or len(segment) > 4):
                tokens.extend(lemmas)  # type: ignore[arg-type]
            else:
                tokens.append(_kana_romaji(segment))
            continue
        for run in HAN_RUN_RE.split(segment):
            if not run:
                continue
            if HAN_RE.match(run):
                tokens.extend(_glossed_kanji(run))
            elif KATAKANA_WORD_RE.match(run):
                tokens.append(romanise_japanese(run))
            elif KANA_RE.search(run):
                tokens.append(_kana_romaji(run))
            else:
                tokens.append(run)
    return " ".join(t for t in tokens if t)


def transliterate(text: str) -> str:
    """ASCII reading of any non-CJK script (Cyrillic, Arabic, Greek, Devanagari, Latin accents).

    Hangul is read syllable by syllable with spaces, because Korean names are romanised with a
    space or hyphen between syllables ("Kim Jong Un").
    """
    if HANGUL_RE.search(text):
        text = HANGUL_SYLLABLE_RE.sub(lambda m: " " + m.group(0) + " ", text)
    if text.isascii():
        return text
    return anyascii(text)


def nfkc_casefold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# ---------------------------------------------------------------------------- Korean
# Hangul syllable = 0xAC00 + (initial × 21 + medial) × 28 + final. Each system's letters per jamo.
_RR_INITIAL = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()  # noqa: SIM905 - one jamo a word
_MR_INITIAL = "k kk n t tt r m p pp s ss - ch tch ch k t p h".split()  # noqa: SIM905 - one jamo a word
_RR_MEDIAL = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()  # noqa: SIM905 - one jamo a word
_MR_MEDIAL = "a ae ya yae o e yo ye o wa wae oe yo u wo we wi yu u ui i".split()  # noqa: SIM905 - one jamo a word
_FINAL = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()  # noqa: SIM905 - one jamo a word
_MR_SH_MEDIALS = frozenset({20, 2, 6, 12, 17, 7, 3, 16})  # ㅣ ㅑ ㅕ ㅛ ㅠ ㅖ ㅒ ㅟ: "shi"
#: Conventional spellings of common Korean surnames (South and North), beside the systems' forms.
KOREAN_SURNAMES: dict[str, tuple[str, ...]] = {
    "김": ("kim",),
    "이": ("lee", "yi", "rhee", "ri"),
    "리": ("ri", "lee"),
    "박": ("park", "pak"),
    "최": ("choi", "choe"),
    "정": ("jung", "jeong", "chung", "chong", "jong"),
    "강": ("kang",),
    "조": ("cho", "jo"),
    "윤": ("yoon", "yun"),
    "장": ("jang", "chang"),
    "임": ("lim", "im"),
    "림": ("rim", "lim"),
    "한": ("han",),
    "오": ("oh", "o"),
    "서": ("seo", "suh", "so"),
    "신": ("shin", "sin"),
    "권": ("kwon",),
    "황": ("hwang",),
    "안": ("ahn", "an"),
    "송": ("song",),
    "류": ("ryu", "yu", "yoo"),
    "유": ("yoo", "yu"),
    "전": ("jeon", "chon", "jon", "chun"),
    "홍": ("hong",),
    "고": ("ko", "koh"),
    "문": ("moon", "mun"),
    "양": ("yang",),
    "손": ("son", "sohn"),
    "배": ("bae", "pae"),
    "백": ("baek", "paek", "paik"),
    "허": ("heo", "hur", "ho"),
    "노": ("noh", "roh", "no"),
    "남": ("nam",),
    "심": ("shim", "sim"),
    "주": ("joo", "ju", "chu"),
    "구": ("koo", "ku"),
    "곽": ("kwak",),
    "성": ("sung", "song"),
    "차": ("cha",),
    "우": ("woo", "u"),
    "방": ("bang", "pang"),
    "현": ("hyun", "hyon"),
    "명": ("myung", "myong"),
}
_HANGUL_WORD_RE = re.compile(r"[\uac00-\ud7a3]+|[^\uac00-\ud7a3\s]+")


def _syllable(ch: str, system: str) -> str:
    code = ord(ch) - 0xAC00
    if not 0 <= code < 11172:
        return ch
    lead, medial, final = code // 588, (code % 588) // 28, code % 28
    if system == "rr":
        head, vowel = _RR_INITIAL[lead], _RR_MEDIAL[medial]
    else:
        head, vowel = _MR_INITIAL[lead], _MR_MEDIAL[medial]
        if system == "mr" and head == "s" and medial in _MR_SH_MEDIALS:
            head = "sh"
        if system == "dprk" and lead in (12, 13):  # ㅈ ㅉ: "Jong", not "Chong"
            head = "j" if lead == 12 else "jj"
    return head.replace("-", "") + vowel + _FINAL[final].replace("-", "")


def korean_romanisations(text: str) -> list[str]:
    """Latin readings of a hangul name: Revised Romanization, McCune–Reischauer (without its
    diacritics), the North's variant of McCune–Reischauer ("Jong", not "Chong"), and the
    conventional spellings of a common surname ("Kim", "Lee", "Park"). One token per syllable, as
    Korean names are written in Latin ("Kim Jong Un", "Kim Jong-un")."""
    words = _HANGUL_WORD_RE.findall(text)
    out: list[str] = []
    for system in ("rr", "mr", "dprk"):
        out.append(
            " ".join(
                " ".join(_syllable(ch, system) for ch in w) if HANGUL_RE.match(w) else w
                for w in words
            )
        )
    # Surname spellings: a one-syllable word, or the first syllable of an unspaced 3-syllable name.
    for wi, w in enumerate(words):
        surname = w if len(w) == 1 else (w[0] if len(w) == 3 and len(words) == 1 else None)
        if not surname or surname not in KOREAN_SURNAMES:
            continue
        for spelling in KOREAN_SURNAMES[surname]:
            for system in ("dprk", "rr"):
                parts = []
                for wj, other in enumerate(words):
                    if not HANGUL_RE.match(other):
                        parts.append(other)
                        continue
                    sylls = [_syllable(ch, system) for ch in other]
                    if wj == wi:
                        sylls[0] = spelling
                    parts.append(" ".join(sylls))
                out.append(" ".join(parts))
        break
    seen: set[str] = set()
    return [r for r in out if not (r in seen or seen.add(r))][:10]
