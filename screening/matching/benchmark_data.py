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

from .index import ListedName

REPO_ROOT = Path(__file__).resolve().parents[2]
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
            fallback = "benchmark_data private reader (importer returned no entries)"
        except Exception as exc:  # an importer mid-edit must not stop the benchmark
            fallback = f"benchmark_data private reader (importer failed: {exc!r})"
        return list(_read_eul(path)), fallback
    return list(_read_eul(path)), "benchmark_data private reader"


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
            fallback = "benchmark_data private reader (importer returned no entries)"
        except Exception as exc:  # an importer mid-edit must not stop the benchmark
            fallback = f"benchmark_data private reader (importer failed: {exc!r})"
        return list(_read_ofac(path)), fallback
    return list(_read_ofac(path)), "benchmark_data private reader"


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
    from .normalise import token_class

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
