"""The one interface every list importer implements.

An importer turns the publisher's file (or directory of files) into a ``ParseResult``: the parsed
entries and every problem found. It never touches the database; ``partners.services`` decides what
to write, and writes nothing at all when there is a single problem. Importers report *every*
problem they find rather than stopping at the first, so that one round trip to the publisher's
file is enough to see everything that is wrong with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The concern codes of the End User List: biological, chemical, missile, nuclear.
CONCERN_CODES: tuple[str, ...] = ("B", "C", "M", "N")

#: Guards against oversized uploads and zip bombs. The real files are well below these.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file. ``row`` is the 1-based row in the publisher's file (the
    spreadsheet row, or the CSV line); ``column`` is the spreadsheet column letter or the CSV
    field name. Both are ``None`` when the problem concerns the file as a whole."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        row = "-" if self.row is None else str(self.row)
        column = self.column or "-"
        return f"row {row}, column {column}: {self.reason}"


@dataclass
class ParsedEntry:
    number: int
    kind: str
    country: str
    country_label: str
    name: str
    local_name: str = ""
    aliases: list[str] = field(default_factory=list)
    concern_codes: list[str] = field(default_factory=list)
    conventional_weapons: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def canonical(self) -> dict[str, Any]:
        """The content that identifies this entry's *meaning*. The number is left out on purpose:
        the End User List renumbers entries between revisions, and an unchanged entry must keep
        its hash when it moves."""
        return {
            "kind": self.kind,
            "country": self.country,
            "country_label": self.country_label,
            "name": self.name,
            "local_name": self.local_name,
            "aliases": list(self.aliases),
            "concern_codes": sorted(self.concern_codes),
            "conventional_weapons": self.conventional_weapons,
            "details": self.details,
        }

    @property
    def row_hash(self) -> str:
        payload = json.dumps(
            self.canonical(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class ParseResult:
    entries: list[ParsedEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


#: An importer takes a path or a binary file object and returns a ParseResult.
Importer = Callable[[Any], ParseResult]


_SPACE_RE = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """NFKC (full-width letters, brackets and commas, ideographic spaces and Kangxi radicals become
    their ordinary forms) and whitespace collapsed to single spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACE_RE.sub(" ", text).strip()


def is_latin_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def has_non_latin_letter(text: str) -> bool:
    """True when ``text`` holds a letter of another script (Han, kana, Hangul, Cyrillic, Arabic…).
    Digits and punctuation do not count, so "(4.27貿易会社)" is local script and "(DEC)" is not."""
    return any(ch.isalpha() and not is_latin_letter(ch) for ch in text)


def dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out
