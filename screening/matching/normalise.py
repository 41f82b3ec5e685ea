"""From a raw name to the forms and keys the index and the scorer compare.

One raw name gives one or more ``NameForm``s:

* ``full``    — the name as written, parenthesised acronyms and legal-form remarks taken out;
* ``acronym`` — an acronym given in parentheses ("Aerospace Industries Organization (AIO)");
* ``local``   — a local-script name given in parentheses ("…Physics（中国工程物理研究院）");
* ``alt``     — a spelling given in parentheses right after a word ("Valery(Valeriy/Valerii)"),
  or one side of a name written "A/B".

Each form keeps its tokens (folded, transliterated, abbreviations expanded, legal forms and stop
words removed), the legal form as a separate feature, and — for CJK names — the folded CJK string
used for character bigrams.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA

from .lexicon import (
    ABBREVIATIONS,
    AMBIGUOUS_LEGAL_WORDS,
    CJK_LEGAL_FORMS,
    FUZZY_LEGAL_WORDS,
    GENERIC_WORDS,
    GLUED_LEGAL_SUFFIXES,
    INTERIOR_LEGAL_FORMS,
    KANJI_GLOSSARY,
    LEGAL_FORMS,
    LEGAL_SET_WORDS,
    LEGAL_WORD_SETS,
    LONG_LEGAL_WORDS,
    MAX_LEGAL_FORM_TOKENS,
    NOT_LEGAL_WORDS,
    NUMBER_WORDS,
    PARTICLES,
    PLACE_WORDS,
    ROMAN_NUMERALS,
    STOP_WORDS,
    TITLES,
)
from .scripts import (
    CJK_RUN_RE,
    HAN_RE,
    HANGUL_RE,
    KANA_RE,
    fold_cjk,
    has_cjk,
    korean_romanisations,
    nfkc_casefold,
    romanise_japanese,
    transliterate,
)

_PAREN_RE = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_DOTTED_RE = re.compile(r"\b(?:[a-z]\.){2,}(?:[a-z]\b)?")
_ORDINAL_RE = re.compile(r"\b(\d+)(?:st|nd|rd|th|e|er|eme|ая|ый)\b")
_POSSESSIVE_RE = re.compile(r"['’]s\b")
_APOSTROPHES_RE = re.compile(r"['`´’‘ʼʻ\"]")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SCRIPT_NOTE_RE = re.compile(r"^\s*(?:original script|local name|native)\s*[:：]\s*", re.I)
_CJK_KEEP_RE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ffー々a-z0-9]")
_FOLDED_CJK_LEGAL = {fold_cjk(k): v for k, v in CJK_LEGAL_FORMS.items()}
_CJK_LEGAL_ORDER = sorted(_FOLDED_CJK_LEGAL, key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class NameForm:
    tokens: tuple[str, ...]
    legal_form: str | None = None
    variant: str = "full"
    cjk: str = ""  # folded CJK characters (legal forms removed), "" when none
    romanised: bool = False  # tokens were read from another script (kana, Arabic, Cyrillic…)
    kana: bool = False  # tokens were read from Japanese kana
    source_text: str = ""
    # Tokens are syllables read from Han or hangul ("xiaohong", "jong"): a one-letter difference is
    # another syllable, another name, so they pair by spelling only.
    syllabic: bool = False
    # How the form was read: "rr" / "mr" / "dprk" / "surname" for a hangul name's romanisations.
    reading: str = ""
    # Abbreviations read as their full words: ((as written, read as), ...)
    expanded: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


@dataclass(slots=True)
class _Parsed:
    main: str
    extra: list[tuple[str, str]] = field(default_factory=list)  # (text, variant)


_PATRONYMIC_RE = re.compile(
    r".{3,}(?:ovich|evich|ovych|evych|ovna|evna|ievich|ovitch|ogly|oglu|ovic)$"
)


def token_class(token: str) -> str:
    if token.isdigit():
        return "number"
    if len(token) == 1:
        return "initial"
    if token in PARTICLES:
        return "particle"
    if token in GENERIC_WORDS:
        return "generic"
    if token in PLACE_WORDS:
        return "place"
    if _PATRONYMIC_RE.match(token) and not token.endswith("ovic"):
        return "patronymic"
    return "name"


def _is_acronym(content: str) -> bool:
    compact = re.sub(r"[\s.&-]", "", content)
    return (
        2 <= len(compact) <= 10
        and " " not in content.strip()
        and compact.isalnum()
        and (compact.isupper() or any(ch.isdigit() for ch in compact))
    )


def _split_parentheses(raw: str) -> _Parsed:
    """Take parenthesised remarks out of a name and say what each one is.

    ``raw`` is NFKC-folded but not case-folded: an acronym is recognised by its capitals.
    """
    parsed = _Parsed(main=raw)
    pieces: list[str] = []
    swaps: list[tuple[str, str]] = []  # (word as written, alternative spelling)
    pos = 0
    for m in _PAREN_RE.finditer(raw):
        content = _SCRIPT_NOTE_RE.sub("", m.group(1)).strip()
        pieces.append(raw[pos : m.start()])
        pos = m.end()
        if not content:
            continue
        glued = m.start() > 0 and raw[m.start()] in "([" and raw[m.start() - 1].isalpha()
        if has_cjk(content) or not _latin_or_translit(content):
            parsed.extra.append((content, "local"))
        elif _is_acronym(content):
            parsed.extra.append((content, "acronym"))
        elif _only_legal_form(content):
            pieces.append(" " + content + " ")
        elif glued and all(len(a.split()) == 1 for a in content.split("/")):
            # "Valery(Valeriy/Valerii) MEDVEDEV": alternatives for the word just before.
            word = re.split(r"\s", "".join(pieces))[-1]
            swaps.extend((word, alt.strip()) for alt in content.split("/") if alt.strip())
        else:
            # A qualifier such as "(Schweiz)" or "(Asia)": part of the name.
            pieces.append(" " + content + " ")
    pieces.append(raw[pos:])
    parsed.main = re.sub(r"\s+", " ", "".join(pieces)).strip()
    words = parsed.main.split(" ")
    for word, alt in swaps:
        parsed.extra.append((" ".join(alt if w == word else w for w in words), "alt"))
    if len(swaps) > 1:
        subst = dict(reversed(swaps))
        parsed.extra.append((" ".join(subst.get(w, w) for w in words), "alt"))
    return parsed


def _is_latin(text: str) -> bool:
    """True unless a letter of another script (Arabic, Cyrillic, Devanagari…) appears."""
    if text.isascii():
        return True
    return not any(
        ch.isalpha() and not ch.isascii() and not unicodedata.name(ch, "").startswith("LATIN")
        for ch in text
    )


def _latin_or_translit(content: str) -> bool:
    return any(ch.isascii() and ch.isalpha() for ch in content)


def _only_legal_form(content: str) -> bool:
    tokens = _raw_tokens(transliterate(nfkc_casefold(content)))
    return bool(tokens) and " ".join(tokens) in LEGAL_FORMS or tokens == ["proprietary"]


def _raw_tokens(folded_ascii: str) -> list[str]:
    s = folded_ascii.replace("&", " and ")
    s = _POSSESSIVE_RE.sub("", s)
    s = _APOSTROPHES_RE.sub("", s)
    s = _DOTTED_RE.sub(lambda m: m.group(0).replace(".", ""), s)
    s = _ORDINAL_RE.sub(r"\1", s)
    return _join_letter_runs(_TOKEN_RE.findall(s))


def _join_letter_runs(tokens: list[str]) -> list[str]:
    """ "U S A", "U.S.A." and "USA" agree: a run of single letters is one word."""
    out: list[str] = []
    run = ""
    for t in tokens:
        if len(t) == 1 and t.isalpha():
            run += t
            continue
        if run:
            out.append(run)
            run = ""
        out.append(t)
    if run:
        out.append(run)
    return out


@lru_cache(maxsize=100_000)
def _legal_word(token: str) -> str:
    """A legal-form word written with one slip ("compnay", "limitde") as the word itself."""
    if len(token) < 6 or token in NOT_LEGAL_WORDS or token in LEGAL_FORMS:
        return token
    for word in FUZZY_LEGAL_WORDS:
        if abs(len(word) - len(token)) <= 1 and OSA.distance(token, word, score_cutoff=1) <= 1:
            return word
    return token


def _expand(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        t = ABBREVIATIONS.get(t, t)
        number = NUMBER_WORDS.get(t) or ROMAN_NUMERALS.get(t)
        if number and out and out[-1] in _TENS and len(number) == 1 and t in NUMBER_WORDS:
            out[-1] = str(int(out[-1]) + int(number))  # "forty four" → 44
            continue
        out.extend((number or t).split())
    return out


_TENS = frozenset({"20", "30", "40", "50"})


def strip_legal_forms(tokens: list[str]) -> tuple[list[str], str | None]:
    """Remove legal forms (and stop words left dangling) from both ends; return the class found."""
    legal: str | None = None
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for size in range(min(MAX_LEGAL_FORM_TOKENS, len(tokens) - 1), 0, -1):
            tail = " ".join(tokens[-size:])
            if tail in LEGAL_FORMS:
                legal = legal or LEGAL_FORMS[tail]
                tokens = tokens[:-size]
                changed = True
                break
            head = " ".join(tokens[:size])
            if head in LEGAL_FORMS and size < len(tokens):
                legal = legal or LEGAL_FORMS[head]
                tokens = tokens[size:]
                changed = True
                break
        while len(tokens) > 1 and tokens[-1] in STOP_WORDS:
            tokens = tokens[:-1]
            changed = True
    return tokens, legal


def _latin_form(
    text: str,
    variant: str,
    *,
    romanised: bool = False,
    cjk: str = "",
    legal: str | None = None,
    kana: bool = False,
    syllabic: bool = False,
    reading: str = "",
) -> NameForm | None:
    raw_tokens = _raw_tokens(text.lower())
    expanded = tuple(
        dict.fromkeys((t, ABBREVIATIONS[t]) for t in raw_tokens if ABBREVIATIONS.get(t, t) != t)
    )
    tokens = _expand(raw_tokens)
    if not tokens:
        return None
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    tokens = _unglue_legal_form([_legal_word(t) for t in tokens])
    tokens, legal_set = _legal_word_sets(tokens)
    tokens, legal_found = strip_legal_forms(tokens)
    tokens, legal_found = _interior_legal_word(tokens, legal_set or legal_found)
    if len(tokens) > 1 and any(t in INTERIOR_LEGAL_FORMS for t in tokens):
        inner = [t for t in tokens if t not in INTERIOR_LEGAL_FORMS]
        if inner:
            legal_found = legal_found or next(
                LEGAL_FORMS[t] for t in tokens if t in INTERIOR_LEGAL_FORMS and t in LEGAL_FORMS
            )
            tokens = inner
    kept = [t for t in tokens if t not in STOP_WORDS]
    tokens = kept or tokens
    seen: set[str] = set()
    deduped = []
    for t in tokens:  # "Sergey Sergey Shoigu": a repeated word adds nothing
        if t in seen and t not in PARTICLES and not t.isdigit():
            continue
        seen.add(t)
        deduped.append(t)
    tokens = deduped
    return NameForm(
        tuple(tokens),
        legal_found or legal,
        variant,
        cjk,
        romanised,
        kana,
        text,
        syllabic,
        reading,
        expanded,
    )


def _legal_word_sets(tokens: list[str]) -> tuple[list[str], str | None]:
    """Multi-word legal forms recognised by their words, wherever they stand.

    A party may write a name's words in any order, and the words of a legal form then land apart
    ("Company Aviadvigatel Joint Stock", "LTD TRADE CO"). Every multi-word legal form whose words
    are all present is taken out as a set, longest first ("Open Joint Stock Company" before
    "Joint Stock"), as long as a word of the name is left.
    """
    legal = None
    present = set(tokens)
    if len(present & LEGAL_SET_WORDS) < 2:
        return tokens, None  # every set has two words or more
    for words, cls in LEGAL_WORD_SETS:
        if len(tokens) > len(words) - 1 and words <= present:
            rest = [t for t in tokens if t not in words]
            if rest and not all(t in STOP_WORDS for t in rest):
                tokens, present = rest, set(rest)
                legal = legal or cls
    return tokens, legal


def _interior_legal_word(tokens: list[str], legal: str | None) -> tuple[list[str], str | None]:
    """A one-word legal form in the middle of a name that has no other legal form is the name's
    legal form ("TOP SARL TECHNOLOGIES", "Region AO GNPP" with the words reordered), unless it is
    also a word of names (``AMBIGUOUS_LEGAL_WORDS``)."""
    if legal is not None or len(tokens) < 3:
        return tokens, legal
    for k in range(1, len(tokens) - 1):
        t = tokens[k]
        if t in LEGAL_FORMS and t not in AMBIGUOUS_LEGAL_WORDS and t not in STOP_WORDS:
            return tokens[:k] + tokens[k + 1 :], LEGAL_FORMS[t]
    return tokens, legal


def _unglue_legal_form(tokens: list[str]) -> list[str]:
    """ "SiemensAG", "Aktiengeselschaft": a legal form glued to the name or misspelt."""
    last = tokens[-1]
    if last in LEGAL_FORMS:
        return tokens
    for form in GLUED_LEGAL_SUFFIXES:
        if last.endswith(form) and len(last) - len(form) >= 5:
            return tokens[:-1] + [last[: -len(form)], form]
    if len(tokens) > 1 and len(last) >= 10 and last not in NOT_LEGAL_WORDS:
        for form in LONG_LEGAL_WORDS:
            if abs(len(form) - len(last)) <= 2 and OSA.distance(last, form, score_cutoff=2) <= 2:
                return tokens[:-1] + [form]
    return tokens


def _cjk_form(text: str, variant: str) -> list[NameForm]:
    """A name written in Han/kana: a bigram key from the folded characters, plus a Latin reading."""
    folded = fold_cjk(text)
    legal = None
    for lf in _CJK_LEGAL_ORDER:
        if lf in folded and folded.replace(lf, ""):
            legal = legal or _FOLDED_CJK_LEGAL[lf]
            folded = folded.replace(lf, "")
    cjk_key = _CJK_KEEP_RE.sub("", folded)
    reading_source = text
    for lf in CJK_LEGAL_FORMS:
        reading_source = reading_source.replace(lf, " ")
    forms = []
    if KANA_RE.search(text) or _glossary_share(reading_source) >= 0.5:
        # Japanese: kana read aloud, kanji organisation words translated.
        reading = romanise_japanese(reading_source)
        has_kana = bool(KANA_RE.search(text))
        form = _latin_form(
            reading, variant, romanised=has_kana, cjk=cjk_key, legal=legal, kana=has_kana
        )
    else:
        # Chinese (or a kanji personal name): pinyin, one token per written word.
        # Not flagged as a cross-script reading: pinyin is the standard romanisation.
        form = _latin_form(
            transliterate(reading_source), variant, cjk=cjk_key, legal=legal, syllabic=True
        )
    if form is not None:
        forms.append(form)
    if not forms:
        forms.append(NameForm((), legal, variant, cjk_key, False, False, text))
    return forms


def _glossary_share(text: str) -> float:
    """Share of the Han characters that the organisation glossary can translate."""
    han = HAN_RE.findall(text)
    if not han:
        return 0.0
    covered = 0
    i = 0
    while i < len(text):
        for size in (4, 3, 2):
            if text[i : i + size] in KANJI_GLOSSARY:
                covered += size
                i += size
                break
        else:
            i += 1
    return covered / len(han)


HEAD_REMARK_MIN_CHARS = 5
_FLAT_PUNCTUATION_RE = re.compile(r"[.,()\[\]\-]")


def flatten(raw: str) -> str:
    """A name as a party may type it: case folded, ``.,()-`` as spaces, full-width folded.

    A party's name is read from this flat text only, so case and punctuation can never change
    its score (``analyse_query``).
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = unicodedata.normalize("NFKC", text.upper()).casefold()
    return " ".join(_FLAT_PUNCTUATION_RE.sub(" ", text).split())


def analyse_query(raw: str) -> list[NameForm]:
    """The forms a party's name is searched under: read from its flat text (see ``flatten``).

    A CJK name followed by a remark ("…国（自称）", "…のために（非政府組織（NGO））") is also
    searched without the remark: its first word when that word is long enough to be a name of its
    own (a personal name's words are shorter: "さゆり 小川" is one name, not "さゆり"), or when it
    is quoted (「ソボル」（自称）).
    """
    flat = flatten(raw)
    plain = _plain_forms(flat)  # most names: ASCII, no slash (the flat text has no brackets)
    return plain if plain is not None else _analyse_flat(flat)


def _analyse_flat(flat: str) -> list[NameForm]:
    """``analyse_query`` of a flat text by the general path (the reference for plain ones)."""
    forms = analyse_name(flat)
    chunks = flat.split(" ")
    if len(chunks) > 1 and has_cjk(flat):
        head = chunks[0].strip("「」『』\"'")
        quoted = chunks[0][:1] in "「『" and len(head) >= 2  # 「ソボル」（自称）: a quoted name
        if len(CJK_RUN_RE.sub("", head)) == 0 and (quoted or len(head) >= HEAD_REMARK_MIN_CHARS):
            seen = {(f.tokens, f.cjk) for f in forms}
            for form in analyse_name(head):
                if (form.tokens, form.cjk) not in seen:
                    forms.append(form)
    return forms


def _latin_remark(m: re.Match) -> str:
    content = m.group(1)
    if _SCRIPT_NOTE_RE.match(content) or has_cjk(content) or not _latin_or_translit(content):
        return " "
    return m.group(0)


def analyse_listed(raw: str) -> list[NameForm]:
    """The forms a listed name is indexed under: its parsed forms (parenthesised acronyms, local
    names and spellings apart), and its flat form, the way a party would type it."""
    if isinstance(raw, str):
        plain = _plain_forms(raw)
        if plain is not None:
            return plain
    return _analyse_listed(raw)


def _analyse_listed(raw: str) -> list[NameForm]:
    """``analyse_listed`` by the general path, for any name (the reference for plain ones)."""
    forms = analyse_name(raw)
    seen = {(f.tokens, f.cjk) for f in forms}
    # Local-script names and script notes in parentheses are forms of their own already; the flat
    # form is the Latin name with its Latin remarks (acronyms, qualifiers) inline.
    folded = unicodedata.normalize("NFKC", raw or "")
    latin = _PAREN_RE.sub(_latin_remark, folded)
    if not latin.strip():
        return forms
    flat = flatten(latin)
    if flat == folded.strip():
        return forms  # the same text gives the same forms (most names: no remark, no punctuation)
    for form in analyse_name(flat):
        if (form.tokens, form.cjk) not in seen:
            seen.add((form.tokens, form.cjk))
            forms.append(form)
    return forms


def analyse_name(raw: str) -> list[NameForm]:
    """Every form under which ``raw`` should be indexed or searched, the main one first."""
    raw = unicodedata.normalize("NFKC", raw or "").strip()
    if not raw:
        return []
    parsed = _split_parentheses(raw)
    texts: list[tuple[str, str]] = []
    main = parsed.main
    if "/" in main and not has_cjk(main):
        parts = [p.strip() for p in main.split("/") if p.strip()]
        if len(parts) > 1 and all(len(p) > 2 for p in parts):
            texts.append((main.replace("/", " "), "full"))
            texts.extend((p, "alt") for p in parts)
        else:
            texts.append((main, "full"))
    else:
        texts.append((main, "full"))
    texts.extend(parsed.extra)
    forms: list[NameForm] = []
    seen: set[tuple] = set()
    for text, variant in texts:
        text = text.casefold()
        latin = CJK_RUN_RE.sub(" ", text) if has_cjk(text) else ""
        if has_cjk(text) and sum(ch.isalpha() and ch.isascii() for ch in latin) >= 4:
            # A Latin name and its local-script name side by side, without parentheses.
            made = [_latin_form(transliterate(latin), variant)]
            made += _cjk_form("".join(CJK_RUN_RE.findall(text)), "local")
        elif has_cjk(text):
            made = _cjk_form(text, "local" if variant == "full" else variant)
        elif HANGUL_RE.search(text):
            made = [
                _latin_form(
                    reading,
                    variant if k == 0 else "alt",
                    syllabic=True,
                    reading=("rr", "mr", "dprk")[k] if k < 3 else "surname",
                )
                for k, reading in enumerate(korean_romanisations(text))
            ]
        else:
            ascii_text = transliterate(text)
            made = [_latin_form(ascii_text, variant, romanised=not _is_latin(text))]
        for form in made:
            if form is None:
                continue
            key = (form.tokens, form.cjk)
            if key in seen:
                continue
            seen.add(key)
            forms.append(form)
    return forms


# ---------------------------------------------------------------------------- plain names
# Most listed names are plain: ASCII, without parentheses, brackets or a slash ("Ivan PETROV",
# "Nova Trading Co., Ltd."). Such a name has one form, and its flat text gives the same words, so
# ``analyse_listed`` reads it once, through ``_plain_form``: the steps of ``_latin_form`` with
# the ones that cannot apply skipped. The general path stays the reference (``_analyse_listed``);
# tests/screening/test_matching_build.py holds the two equal on every real list name.
_NOT_PLAIN_CHARS_RE = re.compile(r"[()\[\]/]")
_SPACES_RE = re.compile(r"\s+")
_DIGIT_RE = re.compile(r"[0-9]")
_EXPANDABLE = frozenset(ABBREVIATIONS) | frozenset(NUMBER_WORDS) | frozenset(ROMAN_NUMERALS)
_LEGAL_FIRST_WORDS = frozenset(k.split(" ")[0] for k in LEGAL_FORMS)
_LEGAL_LAST_WORDS = frozenset(k.split(" ")[-1] for k in LEGAL_FORMS)
_NOT_PLAIN = object()


@lru_cache(maxsize=100_000)
def _unglued_tail(last: str, multi: bool) -> tuple[str, ...] | None:
    """What ``_unglue_legal_form`` puts in place of the last word (None: the words stay)."""
    tokens = ["", last] if multi else [last]
    out = _unglue_legal_form(tokens)
    return None if out is tokens else tuple(out[len(tokens) - 1 :])


def _plain_form(text: str):
    """``_latin_form(text, "full")`` for the casefolded text of a plain name; ``_NOT_PLAIN`` when
    a dotted abbreviation ("U.S.A.") makes its flat text read otherwise."""
    s = text
    if "&" in s:
        s = s.replace("&", " and ")
    if "'" in s or '"' in s or "`" in s:
        s = _POSSESSIVE_RE.sub("", s)
        s = _APOSTROPHES_RE.sub("", s)
    if "." in s and _DOTTED_RE.search(s):
        return _NOT_PLAIN
    if _DIGIT_RE.search(s):
        s = _ORDINAL_RE.sub(r"\1", s)
    raw_tokens = _join_letter_runs(_TOKEN_RE.findall(s))
    if _EXPANDABLE.isdisjoint(raw_tokens):
        expanded: tuple[tuple[str, str], ...] = ()
        tokens = raw_tokens
    else:
        expanded = tuple(
            dict.fromkeys((t, ABBREVIATIONS[t]) for t in raw_tokens if ABBREVIATIONS.get(t, t) != t)
        )
        tokens = _expand(raw_tokens)
    if not tokens:
        return None
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    tokens = [t if len(t) < 6 else _legal_word(t) for t in tokens]
    tail = _unglued_tail(tokens[-1], len(tokens) > 1)
    if tail is not None:
        tokens = tokens[:-1] + list(tail)
    tokens, legal_set = _legal_word_sets(tokens)
    if len(tokens) > 1 and (
        tokens[-1] in _LEGAL_LAST_WORDS
        or tokens[0] in _LEGAL_FIRST_WORDS
        or tokens[-1] in STOP_WORDS
    ):
        tokens, legal_found = strip_legal_forms(tokens)
    else:
        legal_found = None  # what strip_legal_forms finds: neither end can be a legal form
    tokens, legal_found = _interior_legal_word(tokens, legal_set or legal_found)
    if len(tokens) > 1 and not INTERIOR_LEGAL_FORMS.isdisjoint(tokens):
        inner = [t for t in tokens if t not in INTERIOR_LEGAL_FORMS]
        if inner:
            legal_found = legal_found or next(
                LEGAL_FORMS[t] for t in tokens if t in INTERIOR_LEGAL_FORMS and t in LEGAL_FORMS
            )
            tokens = inner
    if not STOP_WORDS.isdisjoint(tokens):
        kept = [t for t in tokens if t not in STOP_WORDS]
        tokens = kept or tokens
    if len(set(tokens)) < len(tokens):
        seen: set[str] = set()
        deduped = []
        for t in tokens:
            if t in seen and t not in PARTICLES and not t.isdigit():
                continue
            seen.add(t)
            deduped.append(t)
        tokens = deduped
    return NameForm(
        tuple(tokens), legal_found or None, "full", "", False, False, text, False, "", expanded
    )


def _plain_forms(raw: str) -> list[NameForm] | None:
    """``analyse_listed(raw)`` for a plain name; None for any other."""
    if not raw.isascii() or _NOT_PLAIN_CHARS_RE.search(raw):
        return None
    raw = raw.strip()
    if not raw:
        return []
    form = _plain_form(_SPACES_RE.sub(" ", raw).strip().lower())
    if form is _NOT_PLAIN:
        return None
    return [] if form is None else [form]
