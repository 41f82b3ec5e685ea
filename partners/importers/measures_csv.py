"""The Russia/Belarus measures table as a CSV file: read every row, report every problem.

The same columns are written by the download of a version (``to_csv``), so a list manager edits
the table in force and uploads it back. Nothing here touches the database: ``partners.services``
writes nothing at all when a single problem is found.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, fields

from partners.importers.base import MAX_FILE_BYTES, Problem

COLUMNS: tuple[str, ...] = (
    "measure",
    "category",
    "destinations",
    "hs_prefix",
    "description_en",
    "description_ja",
    "effective_from",
    "effective_to",
    "legal_basis",
    "confirmed",
)
REQUIRED = ("measure", "category", "destinations", "description_en", "effective_from")
#: The measures cover these destinations only; a third country is a tier (Appended Table 2-4).
DESTINATIONS = frozenset({"RU", "BY"})
LIST_CONTROLLED = "list_controlled"
MAX_ROWS = 5_000
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_HS = re.compile(r"^[0-9]{2,8}$")
_LIMITS = {"description_en": 300, "description_ja": 300, "legal_basis": 300}


@dataclass(frozen=True)
class ParsedMeasureRow:
    measure: str
    category: str
    destinations: str
    hs_prefix: str
    description_en: str
    description_ja: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    legal_basis: str
    confirmed: bool

    @property
    def key(self) -> tuple[str, str, datetime.date]:
        return (self.measure, self.hs_prefix, self.effective_from)


@dataclass
class MeasuresParse:
    rows: list[ParsedMeasureRow]
    problems: list[Problem]


def _date(value: str, line: int, column: str, problems: list[Problem]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(line, column, f"'{value}' is not a date in the form 2022-03-18"))
        return None


def _row(raw: dict, line: int, categories: frozenset[str]) -> tuple[dict, list[Problem]]:
    """The cleaned values of one CSV line and the problems found in it."""
    problems: list[Problem] = []
    value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    for column in REQUIRED:
        if not value[column]:
            problems.append(Problem(line, column, "this column must not be empty"))
    if not value["legal_basis"]:
        problems.append(Problem(line, "legal_basis", "name the notice the row rests on"))
    if value["measure"] and not _SLUG.match(value["measure"]):
        problems.append(
            Problem(line, "measure", "use lower-case letters, digits and hyphens (a slug)")
        )
    if value["category"] and value["category"] not in categories:
        problems.append(
            Problem(
                line,
                "category",
                f"'{value['category']}' is not one of {', '.join(sorted(categories))}",
            )
        )
    destinations = value["destinations"].upper().replace(",", " ").split()
    unknown = [d for d in destinations if d not in DESTINATIONS]
    if unknown:
        problems.append(
            Problem(line, "destinations", f"only RU and BY are allowed, not {' '.join(unknown)}")
        )
    value["destinations"] = (
        " ".join(sorted(set(destinations), key=["RU", "BY"].index))
        if (destinations and not unknown)
        else value["destinations"]
    )
    hs_prefix = value["hs_prefix"].replace(".", "").replace(" ", "")
    if hs_prefix and not _HS.match(hs_prefix):
        problems.append(
            Problem(line, "hs_prefix", f"'{value['hs_prefix']}' is not 2 to 8 digits of an HS code")
        )
    if hs_prefix and value["category"] == LIST_CONTROLLED:
        problems.append(
            Problem(
                line,
                "hs_prefix",
                "the list-controlled measure covers every listed item; leave the HS prefix empty",
            )
        )
    value["hs_prefix"] = hs_prefix
    for column, limit in _LIMITS.items():
        if len(value[column]) > limit:
            problems.append(Problem(line, column, f"longer than {limit} characters"))
    starts = (
        _date(value["effective_from"], line, "effective_from", problems)
        if value["effective_from"]
        else None
    )
    ends = (
        _date(value["effective_to"], line, "effective_to", problems)
        if value["effective_to"]
        else None
    )
    if starts and ends and ends <= starts:
        problems.append(Problem(line, "effective_to", "must be after effective_from"))
    confirmed = value["confirmed"].lower()
    if confirmed not in _TRUE | _FALSE:
        problems.append(Problem(line, "confirmed", f"'{value['confirmed']}' is not yes or no"))
    value.update(effective_from=starts, effective_to=ends, confirmed=confirmed in _TRUE)
    return value, problems


def parse(data: bytes, *, categories: frozenset[str]) -> MeasuresParse:
    """Every row of the CSV and every problem, each with its line and column."""
    problems: list[Problem] = []
    if not data.strip():
        return MeasuresParse([], [Problem(None, None, "the file is empty")])
    if len(data) > MAX_FILE_BYTES:
        return MeasuresParse([], [Problem(None, None, "the file is too large")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return MeasuresParse(
            [], [Problem(None, None, f"the file is not UTF-8 text ({exc.reason})")]
        )
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return MeasuresParse(
            [], [Problem(1, column, "this column is missing from the header") for column in missing]
        )
    reader.fieldnames = header
    rows: list[ParsedMeasureRow] = []
    seen: dict[tuple, int] = {}
    category_of: dict[str, tuple[str, int]] = {}
    for index, raw in enumerate(reader):
        line = index + 2  # the header is line 1
        if index >= MAX_ROWS:
            problems.append(Problem(line, None, f"more than {MAX_ROWS} rows"))
            break
        if None in raw:
            problems.append(Problem(line, None, "this line has more fields than the header"))
            continue
        value, row_problems = _row(raw, line, categories)
        problems.extend(row_problems)
        if row_problems:
            continue
        row = ParsedMeasureRow(**{f.name: value[f.name] for f in fields(ParsedMeasureRow)})
        if row.key in seen:
            problems.append(
                Problem(
                    line,
                    "measure",
                    f"the same measure, HS prefix and date as line {seen[row.key]}",
                )
            )
            continue
        seen[row.key] = line
        known = category_of.setdefault(row.measure, (row.category, line))
        if known[0] != row.category:
            problems.append(
                Problem(
                    line,
                    "category",
                    f"measure '{row.measure}' is '{known[0]}' on line {known[1]}",
                )
            )
            continue
        rows.append(row)
    if not rows and not problems:
        problems.append(Problem(None, None, "the file has a header but no rows"))
    return MeasuresParse(rows, problems)


def to_csv(rows) -> str:
    """The rows (model instances or parsed rows) in the upload format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.measure,
                row.category,
                row.destinations,
                row.hs_prefix,
                row.description_en,
                row.description_ja,
                row.effective_from.isoformat(),
                row.effective_to.isoformat() if row.effective_to else "",
                row.legal_basis,
                "yes" if row.confirmed else "no",
            ]
        )
    return out.getvalue()
