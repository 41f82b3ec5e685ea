"""Data for the matching benchmark: the real lists as ListedName rows, the labelled sets, and a
large synthetic list built from real list tokens.

The End User List and the SDN list are read through the project's importers
(``partners.importers.meti_eul`` / ``ofac_sdn``) when they are present; otherwise through the small
private readers below, which exist only so the benchmark can run before the importers land.
"""

from __future__ import annotations

import csv
import importlib
import random
import re
from collections.abc import Iterator
from pathlib import Path

from ..index import ListedName

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = REPO_ROOT / "partners" / "data"  # partners.data: origin and licence in SOURCES.md
EUL_FILE = "meti-eul/20250929_4.xlsx"
OFAC_DIR = "ofac-sdn-2021"

_EUL_COUNTRIES = {
    "afghanistan": "AF",
    "united arab emirates": "AE",
    "yemen": "YE",
    "israel": "IL",
    "iran": "IR",
    "korea": "KP",
    "china": "CN",
    "pakistan": "PK",
    "russia": "RU",
    "hong kong": "HK",
    "syria": "SY",
    "lebanon": "LB",
    "taiwan": "TW",
    "egypt": "EG",
    "india": "IN",
}
_CJK_PAREN_RE = re.compile(r"[（(]([^()（）]*[\u3400-\u9fff\u3040-\u30ff][^()（）]*)[）)]")


def _importer(module: str):
    if not (REPO_ROOT / "partners" / "importers" / f"{module}.py").exists():
        return None
    try:
        return importlib.import_module(f"partners.importers.{module}")
    except Exception:  # an importer mid-edit by its author must not stop the benchmark
        return None


def eul_names(path: Path | None = None) -> tuple[list[ListedName], str]:
    """ListedName rows of the End User List (name, each alias, local-script name)."""
    path = path or DATA_DIR / EUL_FILE
    module = _importer("meti_eul")
    if module is not None:
        try:
            result = module.parse_workbook(path)
            rows = []
            for e in result.entries:
                eid = f"METI-EUL:{e.number}"
                common = dict(
                    country=e.country,
                    kind="organization",
                    source="METI-EUL",
                    concern_codes=tuple(e.concern_codes),
                )
                rows.append(ListedName(eid, e.name, name_kind="primary", **common))
                if e.local_name:
                    rows.append(ListedName(eid, e.local_name, name_kind="local", **common))
                rows.extend(ListedName(eid, a, name_kind="alias", **common) for a in e.aliases)
            if rows:
                return rows, "partners.importers.meti_eul"
            fallback = "scorecard private reader (importer returned no entries)"
        except Exception as exc:  # an importer mid-edit must not stop the benchmark
            fallback = f"scorecard private reader (importer failed: {exc!r})"
        return list(_read_eul(path)), fallback
    return list(_read_eul(path)), "scorecard private reader"


def _read_eul(path: Path) -> Iterator[ListedName]:
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=1):
        if not row or not row[2]:
            continue
        english = str(row[1] or "").split("\n")[-1].lower()
        country = next((iso for k, iso in _EUL_COUNTRIES.items() if k in english), None)
        codes = tuple(re.findall(r"\b[BCMN]\b", str(row[4] or "")))
        eid = f"METI-EUL:{number}"
        common = dict(country=country, kind="organization", source="METI-EUL", concern_codes=codes)
        name = str(row[2]).replace("\n", " ").strip()
        local = _CJK_PAREN_RE.search(name)
        if local:
            yield ListedName(eid, local.group(1).strip(), name_kind="local", **common)
            name = (name[: local.start()] + name[local.end() :]).strip()
        yield ListedName(eid, name, name_kind="primary", **common)
        for alias in str(row[3] or "").split("\n"):
            alias = alias.strip().lstrip("・").strip()
            if alias:
                yield ListedName(eid, alias, name_kind="alias", **common)


def ofac_names(path: Path | None = None) -> tuple[list[ListedName], str]:
    path = path or DATA_DIR / OFAC_DIR
    module = _importer("ofac_sdn")
    if module is not None:
        try:
            result = module.parse_directory(path)
            rows = []
            for e in result.entries:
                eid = f"OFAC-SDN:{e.number}"
                common = dict(country=e.country or None, kind=e.kind, source="OFAC-SDN")
                rows.append(ListedName(eid, e.name, name_kind="primary", **common))
                rows.extend(ListedName(eid, a, name_kind="alias", **common) for a in e.aliases)
            if rows:
                return rows, "partners.importers.ofac_sdn"
            fallback = "scorecard private reader (importer returned no entries)"
        except Exception as exc:  # an importer mid-edit must not stop the benchmark
            fallback = f"scorecard private reader (importer failed: {exc!r})"
        return list(_read_ofac(path)), fallback
    return list(_read_ofac(path)), "scorecard private reader"


def _read_ofac(path: Path) -> Iterator[ListedName]:
    kinds = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
    entries: dict[str, str] = {}
    with open(path / "sdn.csv", encoding="latin-1", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 3 or not row[0].strip().isdigit():
                continue
            kind = kinds.get(row[2].strip().strip('"'), "organization")
            entries[row[0].strip()] = kind
            yield ListedName(
                f"OFAC-SDN:{row[0].strip()}",
                row[1].strip(),
                kind=kind,
                source="OFAC-SDN",
                name_kind="primary",
            )
    with open(path / "alt.csv", encoding="latin-1", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 4 or row[0].strip() not in entries:
                continue
            yield ListedName(
                f"OFAC-SDN:{row[0].strip()}",
                row[3].strip(),
                kind=entries[row[0].strip()],
                source="OFAC-SDN",
                name_kind="alias",
            )


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / "matching" / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def synthetic_names(base: list[ListedName], n: int, seed: int = 7) -> list[ListedName]:
    """``n`` plausible names made of real list tokens, in the shapes real names have.

    Persons: given names and surnames drawn from the persons' tokens; organisations: one or two
    distinctive words, generic words, and sometimes a legal form — all from the real lists.
    """
    from ..normalise import token_class

    rng = random.Random(seed)
    person_tokens: list[str] = []
    org_distinct: list[str] = []
    org_generic: list[str] = []
    legal = ["LLC", "Co., Ltd.", "JSC", "GmbH", "FZE", "Limited", "Corporation", "OOO", ""]
    for ln in base:
        words = re.findall(r"[^\W\d_][^\W_]*", ln.name)
        if ln.kind == "person":
            person_tokens.extend(w for w in words if len(w) > 1)
        else:
            for w in words:
                cls = token_class(w.lower())
                if cls == "generic":
                    org_generic.append(w)
                elif cls == "name" and len(w) > 2:
                    org_distinct.append(w)
    out = []
    for i in range(n):
        if rng.random() < 0.55:
            k = rng.choice((2, 2, 3, 3, 4))
            name = " ".join(rng.choice(person_tokens) for _ in range(k))
            kind = "person"
        else:
            words = [rng.choice(org_distinct) for _ in range(rng.choice((1, 1, 2)))]
            words += [rng.choice(org_generic) for _ in range(rng.choice((0, 1, 2, 2, 3)))]
            name = " ".join(words + [rng.choice(legal)]).strip()
            kind = "organization"
        out.append(ListedName(f"SYN:{i}", name, kind=kind, source="synthetic"))
    return out


# ---------------------------------------------------------------------------- variant benchmark
#: The benchmark's own table of common words and their abbreviations, as an exporter writes them.
#: (The engine has its own, larger table in ``lexicon.ABBREVIATIONS``.)
BENCH_ABBREVIATIONS: dict[str, str] = {
    "university": "Univ.",
    "technology": "Tech.",
    "institute": "Inst.",
    "industries": "Ind.",
    "international": "Intl.",
    "company": "Co.",
    "corporation": "Corp.",
    "limited": "Ltd.",
    "engineering": "Eng.",
    "manufacturing": "Mfg.",
    "laboratory": "Lab.",
    "department": "Dept.",
    "association": "Assn.",
    "development": "Dev.",
    "national": "Natl.",
    "research": "Res.",
    "science": "Sci.",
    "academy": "Acad.",
    "management": "Mgmt.",
    "holdings": "Hldgs.",
    "center": "Ctr.",
    "incorporated": "Inc.",
    "brothers": "Bros.",
}
#: Legal forms as written at the end (or start) of a company name, longest first.
BENCH_LEGAL_FORMS = (
    "Co., Ltd.",
    "Co.,Ltd.",
    "Co. Ltd.",
    "Co., Limited",
    "Co. Limited",
    "Company Limited",
    "Pvt. Ltd.",
    "Pte. Ltd.",
    "Private Limited",
    "L.L.C.",
    "LLC",
    "FZE",
    "FZCO",
    "FZC",
    "JSC",
    "OJSC",
    "PJSC",
    "CJSC",
    "Ltd.",
    "Ltd",
    "Limited",
    "Inc.",
    "Corp.",
    "Corporation",
    "Co.",
    "Company",
    "GmbH",
    "PLC",
    "S.A.L",
    "S.A.",
    "SARL",
    "LLP",
)
#: What a legal form is swapped for (a different form, as a party might write it).
SWAP_LEGAL_FORMS = ("LLC", "FZE", "Co., Ltd.", "JSC", "Inc.", "GmbH", "Ltd.", "Corp.", "Company")
_LEGAL_ALT = "|".join(re.escape(f) for f in BENCH_LEGAL_FORMS)
_LEGAL_TAIL_RE = re.compile(rf"(?i)[\s,]+({_LEGAL_ALT})\s*$")
_LEGAL_HEAD_RE = re.compile(rf"(?i)^({_LEGAL_ALT})\s+")
_WORD_RE = re.compile(r"[A-Za-z]+")
_UNIT_RE = re.compile(r"\([^()]*\)|\S+")
_CASE_PUNCT_RE = re.compile(r"[.,()\-]")
VARIANT_CLASSES = (
    "order",
    "case_punctuation",
    "edit_transposition",
    "edit_deletion",
    "edit_substitution",
    "edit_insertion",
    "abbreviation",
    "legal_dropped",
    "legal_swapped",
    "legal_moved",
    "fullwidth",
    "script",
)


def stable_hash(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def half_of(key: str) -> str:
    """The half a listed entry (or a negative name) belongs to: 'tuning' or 'held_out'."""
    return "tuning" if stable_hash(key) % 2 == 0 else "held_out"


def _order(name: str, rng: random.Random) -> str | None:
    units = _UNIT_RE.findall(name)
    if len(units) < 2:
        return None
    for _ in range(10):
        shuffled = units[:]
        rng.shuffle(shuffled)
        if shuffled != units:
            return " ".join(shuffled)
    return None


def _case_punctuation(name: str, rng: random.Random) -> str | None:
    out = " ".join(_CASE_PUNCT_RE.sub(" ", name.upper()).split())
    return out if out != name else None


def _edit(kind: str):
    letters = "abcdefghijklmnopqrstuvwxyz"

    def apply(name: str, rng: random.Random) -> str | None:
        words = [m for m in _WORD_RE.finditer(name) if len(m.group(0)) >= 6]
        if not words:
            return None
        m = rng.choice(words)
        w = m.group(0)
        upper = w.isupper()
        if kind == "transposition":
            spots = [i for i in range(len(w) - 1) if w[i].lower() != w[i + 1].lower()]
            if not spots:
                return None
            i = rng.choice(spots)
            new = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        elif kind == "deletion":
            i = rng.randrange(len(w))
            new = w[:i] + w[i + 1 :]
        elif kind == "substitution":
            i = rng.randrange(len(w))
            ch = rng.choice([c for c in letters if c != w[i].lower()])
            new = w[:i] + (ch.upper() if upper or (i == 0 and w[0].isupper()) else ch) + w[i + 1 :]
        else:
            i = rng.randrange(len(w) + 1)
            ch = rng.choice(letters)
            new = w[:i] + (ch.upper() if upper else ch) + w[i:]
        return name[: m.start()] + new + name[m.end() :]

    return apply


def _abbreviation(name: str, rng: random.Random) -> str | None:
    def short(m: re.Match) -> str:
        w = m.group(0)
        abbr = BENCH_ABBREVIATIONS.get(w.lower())
        if abbr is None:
            return w
        return abbr.upper() if w.isupper() else abbr

    out = re.sub(r"[A-Za-z]+", short, name)
    return out if out != name else None


def _legal(kind: str):
    def apply(name: str, rng: random.Random) -> str | None:
        tail = _LEGAL_TAIL_RE.search(name)
        head = None if tail else _LEGAL_HEAD_RE.search(name)
        if not tail and not head:
            return None
        if tail:
            form, rest = tail.group(1), name[: tail.start()].rstrip(" ,")
        else:
            form, rest = head.group(1), name[head.end() :]
        if not _WORD_RE.search(rest):
            return None
        if kind == "dropped":
            return rest
        if kind == "moved":
            return f"{form} {rest}" if tail else f"{rest} {form}"
        others = [f for f in SWAP_LEGAL_FORMS if f.lower().rstrip(".") != form.lower().rstrip(".")]
        new = rng.choice(others)
        return f"{rest} {new}" if tail else f"{new} {rest}"

    return apply


def _fullwidth(name: str, rng: random.Random) -> str | None:
    out = "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in name
    )
    return out if out != name else None


def _script(name: str, rng: random.Random) -> str | None:
    import opencc

    if not re.search(r"[\u4e00-\u9fff]", name):
        return None
    for config in ("s2t", "t2s", "jp2t"):
        out = opencc.OpenCC(config).convert(name)
        if out != name:
            return out
    return None


_MAKERS = {
    "order": _order,
    "case_punctuation": _case_punctuation,
    "edit_transposition": _edit("transposition"),
    "edit_deletion": _edit("deletion"),
    "edit_substitution": _edit("substitution"),
    "edit_insertion": _edit("insertion"),
    "abbreviation": _abbreviation,
    "legal_dropped": _legal("dropped"),
    "legal_swapped": _legal("swapped"),
    "legal_moved": _legal("moved"),
    "fullwidth": _fullwidth,
    "script": _script,
}


def variant_sets(listed: list[ListedName]) -> dict[str, list[tuple[str, str, str, str]]]:
    """One variant per listed entry per class, from the entry's real names.

    Returns class → [(variant, entry id, the real name it was made from, half)]. For each class the
    entry's source name is chosen deterministically (a hash of the entry id and the class) among
    its names the class applies to: Latin primary names and aliases, or local-script names for
    the script class. The half is a hash of the entry id, so every variant of one entry lands in
    the same half.
    """
    by_entry: dict[str, list[ListedName]] = {}
    for ln in listed:
        by_entry.setdefault(ln.entry_id, []).append(ln)
    out: dict[str, list[tuple[str, str, str, str]]] = {c: [] for c in VARIANT_CLASSES}
    for eid in sorted(by_entry, key=stable_hash):
        half = half_of(eid)
        for cls in VARIANT_CLASSES:
            rng = random.Random(stable_hash(f"{eid}|{cls}"))
            wanted_kind = ("local",) if cls == "script" else ("primary", "alias")
            names = [ln.name for ln in by_entry[eid] if ln.name_kind in wanted_kind]
            rng.shuffle(names)
            for name in names:
                variant = _MAKERS[cls](name, rng)
                if variant and variant.strip() and variant != name:
                    out[cls].append((variant, eid, name, half))
                    break
    return out


def negative_names(limit_per_half: int | None = None) -> dict[str, list[str]]:
    """Ordinary people on no list (OpenSanctions' global sample, several scripts), in two halves
    by a hash of the name."""
    halves: dict[str, list[str]] = {"tuning": [], "held_out": []}
    for r in read_csv("negatives_global_dev.csv"):
        name = r["full_name"].strip()
        if name:
            halves[half_of(name)].append(name)
    if limit_per_half:
        halves = {k: v[:limit_per_half] for k, v in halves.items()}
    return halves
