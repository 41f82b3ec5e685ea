"""METI's End User List (外国ユーザーリスト) spreadsheet.

The Ministry publishes one sheet, ``ユーザーリスト``, with a header row and one entry per row. The
real files differ from one revision to the next, and this parser takes each as published:

* ``No.`` is a ``=ROW()-1`` formula in the 2025-09 file (openpyxl gives the formula text, not a
  value), a plain number in the 2025-01 file. ``=ROW()±k`` is evaluated from the row position.
* The country cell holds the Japanese name and the English name on two lines; both must be in
  ``COUNTRIES`` and agree, otherwise the row is a problem (a new country needs a code review).
* The name cell holds the English name, and for some entries the local-script name in brackets
  (full-width or ASCII, on the same line or the next). A bracket whose text holds a letter of
  another script becomes ``local_name``; a Latin bracket such as "(DEC)" stays in the name.
* Aliases start with ``・`` and carry stray spaces. A line without a bullet is a local-script
  form of the alias above when it is in another script (its own alias), a wrapped continuation of
  the alias above when it is Latin, and an alias of its own when the cell has no bullets at all.
  A local-script bracket inside an alias becomes an alias of its own as well.
* The concern cell holds Japanese words and codes in any layout
  ("生物、化学、ミサイル、核\\nB,C,M,N", "ミサイル、核 M、N", "ミサイルM", full-width "Ｎ").
  Codes must be B, C, M or N, and the words, when present, must say the same thing.
* The conventional-weapons column (``通常兵器\\nCW`` or empty) exists from 2025-09 on; older files
  have no such column and no entry is flagged.

Columns are found by their header text, so a reordered sheet is read correctly and a missing
column is reported. All text is NFKC-normalised (full-width letters, brackets and commas become
ordinary ones) and runs of whitespace become one space.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .base import (
    CONCERN_CODES,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ParsedEntry,
    ParseResult,
    Problem,
    clean_text,
    dedupe,
    has_non_latin_letter,
)

SHEET_NAME = "ユーザーリスト"

#: An xlsx is a zip of XML; refuse one that would expand beyond this (a zip bomb).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: One worksheet's XML. The published sheet is about 300 KB; a sheet at the row and column
#: bounds with long names is under 20 MB. Every cell in the XML is parsed, even outside the
#: columns read, so a sheet packed with cells costs CPU in proportion to this size.
MAX_SHEET_XML_BYTES = 32 * 1024 * 1024

#: Every country or region on the list, keyed by each way the Ministry writes it (casefolded).
COUNTRIES: dict[str, str] = {}
_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "AE": ("アラブ首長国連邦", "United Arab Emirates", "UAE"),
    "AF": ("アフガニスタン", "Islamic Republic of Afghanistan", "Afghanistan"),
    "CN": ("中国", "People's Republic of China", "China"),
    "EG": ("エジプト", "Arab Republic of Egypt", "Egypt"),
    "HK": ("香港", "Hong Kong"),
    "IL": ("イスラエル", "State of Israel", "Israel"),
    "IN": ("インド", "India", "Republic of India"),
    "IR": ("イラン", "Islamic Republic of Iran", "Iran"),
    "KP": ("北朝鮮", "North Korea", "Democratic People's Republic of Korea"),
    "LB": ("レバノン", "Republic of Lebanon", "Lebanon", "Lebanese Republic"),
    "PK": ("パキスタン", "Islamic Republic of Pakistan", "Pakistan"),
    "RU": ("ロシア", "Russian Federation", "Russia"),
    "SY": ("シリア", "Syrian Arab Republic", "Syria"),
    "TW": ("台湾", "Taiwan"),
    "YE": ("イエメン", "Republic of Yemen", "Yemen"),
}
for _code, _names in _COUNTRY_NAMES.items():
    for _name in _names:
        COUNTRIES[clean_text(_name).replace("’", "'").casefold()] = _code

#: The Japanese words of the concern cell and the code each stands for.
CONCERN_WORDS: dict[str, str] = {"生物": "B", "化学": "C", "ミサイル": "M", "核": "N"}

CW_MARKS = frozenset({"CW", "○", "〇", "◯", "●"})


@dataclass(frozen=True)
class _Field:
    key: str
    label: str
    required: bool
    pattern: re.Pattern[str]


FIELDS: tuple[_Field, ...] = (
    _Field("number", "No.", True, re.compile(r"^(no\.?|番号)(\s|$)")),
    _Field("country", "国名、地域名 / Country or Region", True, re.compile(r"国名|country")),
    _Field(
        "name",
        "企業名、組織名 / Company or Organization",
        True,
        re.compile(r"企業名|組織名|company|organi[sz]ation"),
    ),
    _Field("aliases", "別名 / Also Known As", True, re.compile(r"別名|also known")),
    _Field("concern", "懸念区分 / Type of WMD", True, re.compile(r"懸念区分|type of wmd")),
    _Field("cw", "通常兵器 / Conventional Weapons", False, re.compile(r"通常兵器|conventional")),
)
#: How many rows from the top may hold the header.
HEADER_SEARCH_ROWS = 10
#: The widest sheet read. The list has six columns; openpyxl pads every row it returns to the
#: sheet's width, so a sheet that declares (or reaches) column XFD costs 16,384 cells per row.
MAX_COLUMNS = 64

_ROW_FORMULA_RE = re.compile(r"^=\s*ROW\(\s*\)\s*(?:([+-])\s*(\d+))?$", re.IGNORECASE)


def parse_workbook(path_or_file: str | os.PathLike[str] | IO[bytes]) -> ParseResult:
    """Parse one End User List workbook. Never raises for a bad file: everything wrong with it is
    in ``problems``, and ``entries`` must then not be used."""
    result = ParseResult()
    data = _read_bounded(path_or_file, result)
    if data is None:
        return result
    workbook = _open_workbook(data, result)
    if workbook is None:
        return result
    try:
        _parse_open_workbook(workbook, result)
    finally:
        workbook.close()
    if not result.problems and not result.entries:
        result.problems.append(Problem(None, None, "the sheet holds no entries"))
    return result


# --- file level -------------------------------------------------------------------------------


def _read_bounded(source: Any, result: ParseResult) -> bytes | None:
    limit_mb = MAX_FILE_BYTES // (1024 * 1024)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            result.problems.append(Problem(None, None, f"cannot read the file: {exc.strerror}"))
            return None
        if size > MAX_FILE_BYTES:
            result.problems.append(
                Problem(
                    None, None, f"the file is {size:,} bytes; files over {limit_mb} MB are refused"
                )
            )
            return None
        return path.read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(MAX_FILE_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        result.problems.append(
            Problem(None, None, f"the file is over {limit_mb} MB; larger files are refused")
        )
        return None
    return data


NOT_XLSX = "the file is not an Excel workbook (.xlsx)"


def check_container(data: bytes) -> list[Problem]:
    """What is wrong with the file as a container, found without parsing a cell: not a
    workbook, a zip bomb, an oversized sheet. Cheap enough for the upload request itself, so such
    a file is refused at once and never stored; the worker then parses only plausible workbooks."""
    result = ParseResult(entries=[])
    _checked_archive(data, result)
    return result.problems


def _checked_archive(data: bytes, result: ParseResult) -> io.BytesIO | None:
    """The workbook's bytes, if the archive passes the container checks (problems otherwise)."""
    not_xlsx = NOT_XLSX
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        result.problems.append(Problem(None, None, not_xlsx))
        return None
    try:
        with zipfile.ZipFile(buffer) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
            sheet_sizes = {
                info.filename: info.file_size
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            }
    except (zipfile.BadZipFile, OSError) as exc:
        result.problems.append(Problem(None, None, f"{not_xlsx}: {exc}"))
        return None
    if expanded > MAX_UNCOMPRESSED_BYTES:
        result.problems.append(
            Problem(
                None,
                None,
                f"the workbook expands to {expanded:,} bytes; over "
                f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB is refused (possible zip bomb)",
            )
        )
        return None
    for name, size in sorted(sheet_sizes.items()):
        if size > MAX_SHEET_XML_BYTES:
            result.problems.append(
                Problem(
                    None,
                    None,
                    f"the worksheet {name} expands to {size:,} bytes; over "
                    f"{MAX_SHEET_XML_BYTES // (1024 * 1024)} MB is refused",
                )
            )
            return None
    if "xl/workbook.xml" not in names:
        result.problems.append(Problem(None, None, not_xlsx))
        return None
    return buffer


def _open_workbook(data: bytes, result: ParseResult):
    buffer = _checked_archive(data, result)
    if buffer is None:
        return None
    try:
        buffer.seek(0)
        return load_workbook(buffer, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        result.problems.append(Problem(None, None, f"{NOT_XLSX}: {exc}"))
        return None


# --- sheet level ------------------------------------------------------------------------------


def _parse_open_workbook(workbook, result: ParseResult) -> None:
    # The Ministry's sheet by its name; otherwise the first sheet with a recognisable header.
    sheets = [workbook[SHEET_NAME]] if SHEET_NAME in workbook.sheetnames else workbook.worksheets
    for sheet in sheets:
        if not _dimensions_within_bounds(sheet, result):
            return
        head = [
            tuple(row)
            for row in sheet.iter_rows(
                max_row=HEADER_SEARCH_ROWS, max_col=_width(sheet), values_only=True
            )
        ]
        found = _find_header(head)
        if found is None:
            continue
        header_row, columns = found
        _parse_rows(sheet, header_row, columns, result)
        return
    result.problems.append(
        Problem(
            None,
            None,
            f"no sheet has the End User List header (expected a sheet '{SHEET_NAME}' with the columns "
            + ", ".join(f.label for f in FIELDS if f.required)
            + ")",
        )
    )


def _width(sheet) -> int:
    """The columns to read: the declared width, or the bound when the sheet declares none."""
    return min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)


def _dimensions_within_bounds(sheet, result: ParseResult) -> bool:
    """Check the sheet's declared dimension (its ``<dimension ref="A1:F1200">``) before any cell
    is read; a sheet beyond ``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns is refused whole.

    A sheet that declares no dimension is read within the same bounds instead: ``_parse_rows``
    stops after ``MAX_ROWS`` rows and no row is read wider than ``MAX_COLUMNS``."""
    max_row = sheet.max_row or 0
    max_column = sheet.max_column or 0
    if max_row > MAX_ROWS + HEADER_SEARCH_ROWS:
        result.problems.append(
            Problem(
                None,
                None,
                f"sheet '{sheet.title}' has {max_row:,} rows; more than {MAX_ROWS:,} is refused",
            )
        )
        return False
    if max_column > MAX_COLUMNS:
        letter = get_column_letter(max_column)
        result.problems.append(
            Problem(
                None,
                letter,
                f"sheet '{sheet.title}' extends to column {letter} ({max_column:,} columns); "
                f"more than {MAX_COLUMNS} columns is refused",
            )
        )
        return False
    return True


def _find_header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, list[int]]] | None:
    """The first row in which at least three cells name a known column: its number and, for each
    field, the (0-based) columns whose header names it."""
    for index, row in enumerate(rows, start=1):
        columns: dict[str, list[int]] = {}
        for col, value in enumerate(row):
            text = clean_text(value).casefold()
            if not text:
                continue
            for fld in FIELDS:
                if fld.pattern.search(text):
                    columns.setdefault(fld.key, []).append(col)
                    break
        if len(columns) >= 3:
            return index, columns
    return None


def _parse_rows(sheet, header_row: int, found: dict[str, list[int]], result: ParseResult) -> None:
    columns: dict[str, int] = {}
    for fld in FIELDS:
        cols = found.get(fld.key, [])
        if len(cols) > 1:
            letters = ", ".join(get_column_letter(c + 1) for c in cols)
            result.problems.append(
                Problem(
                    header_row,
                    get_column_letter(cols[1] + 1),
                    f"column '{fld.label}' appears more than once (columns {letters})",
                )
            )
        elif not cols and fld.required:
            result.problems.append(Problem(header_row, None, f"missing column '{fld.label}'"))
        if cols:
            columns[fld.key] = cols[0]

    first_row_for_number: dict[int, int] = {}
    rows = sheet.iter_rows(
        min_row=header_row + 1,
        max_row=header_row + MAX_ROWS + 1,
        max_col=_width(sheet),
        values_only=True,
    )
    for r, values in enumerate(rows, start=header_row + 1):
        if r - header_row > MAX_ROWS:
            result.problems.append(
                Problem(r, None, f"more than {MAX_ROWS:,} rows; the rest of the sheet was not read")
            )
            result.entries.clear()
            return

        def cell(key: str, values: tuple[Any, ...] = values) -> Any:
            col = columns.get(key)
            if col is None or col >= len(values):
                return None
            return values[col]

        content_keys = [k for k in columns if k != "number"]
        if all(clean_text(cell(k)) == "" for k in content_keys):
            continue  # a blank row (or a No. formula filled down past the last entry)

        number, entry = _parse_row(r, columns, cell, result)
        if number is not None:
            first = first_row_for_number.setdefault(number, r)
            if first != r:
                result.problems.append(
                    Problem(
                        r,
                        _letter(columns, "number"),
                        f"number {number} is used twice (first in row {first})",
                    )
                )
                continue
        if entry is not None:
            result.entries.append(entry)


def _letter(columns: dict[str, int], key: str) -> str | None:
    col = columns.get(key)
    return None if col is None else get_column_letter(col + 1)


# --- row level --------------------------------------------------------------------------------


def _parse_row(
    r: int, columns: dict[str, int], cell, result: ParseResult
) -> tuple[int | None, ParsedEntry | None]:
    """The row's number (when readable) and its entry (when the row has no problem)."""
    problems: list[Problem] = []

    def problem(key: str, reason: str) -> None:
        problems.append(Problem(r, _letter(columns, key), reason))

    number = None
    if "number" in columns:
        number = _parse_number(cell("number"), r)
        if number is None:
            problem("number", f"cannot read the number {cell('number')!r}")

    country, country_label = "", ""
    if "country" in columns:
        country, country_label, reason = _parse_country(cell("country"))
        if reason:
            problem("country", reason)

    name, local_name = "", ""
    if "name" in columns:
        name, local_name = _parse_name(cell("name"))
        if not name:
            problem("name", "the name is empty")

    aliases = _parse_aliases(cell("aliases")) if "aliases" in columns else []

    codes: list[str] = []
    if "concern" in columns:
        codes, reasons = _parse_concern(cell("concern"))
        for reason in reasons:
            problem("concern", reason)

    cw = False
    if "cw" in columns:
        cw, reason = _parse_cw(cell("cw"))
        if reason:
            problem("cw", reason)

    if "concern" in columns and not codes and not cw and not problems:
        problem("concern", "the entry has no concern type and no conventional-weapons mark")

    result.problems.extend(problems)
    if problems or number is None:
        return number, None
    return number, ParsedEntry(
        number=number,
        kind="organization",
        country=country,
        country_label=country_label,
        name=name,
        local_name=local_name,
        aliases=aliases,
        concern_codes=codes,
        conventional_weapons=cw,
        details={},
    )


def _parse_number(value: Any, row: int) -> int | None:
    number: int | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = clean_text(value)
        match = _ROW_FORMULA_RE.match(text)
        if match:
            sign, offset = match.groups()
            number = row + (int(offset) * (1 if sign == "+" else -1) if offset else 0)
        elif text.isdigit():
            number = int(text)
    if number is None or number < 1:
        return None
    return number


def _split_country(text: str) -> list[str]:
    """ "イラン\\nIran" or "イラン Iran" → ["イラン", "Iran"]."""
    parts: list[str] = []
    for line in text.splitlines():
        line = clean_text(line)
        if not line:
            continue
        cut = next((i for i, ch in enumerate(line) if ch.isascii() and ch.isalpha()), None)
        if cut is None or cut == 0:
            parts.append(line)
        else:
            parts.extend(p for p in (line[:cut].strip(), line[cut:].strip()) if p)
    return parts


def _parse_country(value: Any) -> tuple[str, str, str]:
    """(ISO code, label as published on one line, problem or '')."""
    raw = unicodedata.normalize("NFKC", str(value or ""))
    label = clean_text(raw)
    if not label:
        return "", "", "the country or region is empty"
    parts = _split_country(raw)
    codes = {COUNTRIES.get(p.replace("’", "'").casefold()) for p in parts}
    if None in codes:
        return "", label, f"unknown country or region {label!r}"
    if len(codes) != 1:
        return "", label, f"the country names disagree: {label!r}"
    return codes.pop() or "", label, ""  # type: ignore[return-value]


def _split_local(text: str) -> tuple[str, list[str]]:
    """Take the top-level brackets whose text is in another script out of ``text``: the Latin rest
    and the bracketed local-script texts. Brackets may nest ("朝鮮綾羅島貿易(総)会社")."""
    keep: list[str] = []
    local: list[str] = []
    depth, start = 0, -1
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                inner = text[start + 1 : i]
                if has_non_latin_letter(inner):
                    local.append(clean_text(inner))
                else:
                    keep.append(text[start : i + 1])
                start = -1
        elif depth == 0:
            keep.append(ch)
    if depth > 0:  # an unclosed bracket: keep it as written
        keep.append(text[start:])
    return _tidy_latin("".join(keep)), [t for t in local if t]


def _tidy_latin(text: str) -> str:
    text = clean_text(text)
    text = re.sub(r"\s*\(\s*", " (", text)
    text = re.sub(r"\s+\)", ")", text)
    return text.strip()


def _parse_name(value: Any) -> tuple[str, str]:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = text.lstrip("・").strip()
    name, local = _split_local(text)
    if not name and local:
        # The whole cell is a bracketed local-script name: it is the name.
        return local[0], ""
    return name, " / ".join(local)


def _parse_aliases(value: Any) -> list[str]:
    text = unicodedata.normalize("NFKC", str(value or ""))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    bulleted = any(line.startswith("・") for line in lines)
    items: list[str] = []
    for line in lines:
        if line.startswith("・"):
            items.append(line.lstrip("・").strip())
        elif not bulleted or not items:
            items.append(line)
        elif has_non_latin_letter(line):
            items.append(line)  # the local-script form of the alias above
        else:
            items[-1] = f"{items[-1]} {line}"  # a wrapped line
    aliases: list[str] = []
    for item in items:
        latin, local = _split_local(item)
        if latin:
            aliases.append(latin)
        aliases.extend(local)
    return dedupe(aliases)


_CODE_TOKEN_RE = re.compile(r"[A-Za-z]+")
_WORD_SEPARATORS_RE = re.compile(r"[、,，/・\s]+")


def _parse_concern(value: Any) -> tuple[list[str], list[str]]:
    """(sorted codes, problems). The codes line decides; the Japanese words must agree with it."""
    text = clean_text(value)
    if not text:
        return [], []
    reasons: list[str] = []
    codes: set[str] = set()
    for token in _CODE_TOKEN_RE.findall(text):
        token = token.upper()
        if token in CONCERN_CODES:
            codes.add(token)
        else:
            reasons.append(f"unknown concern code {token!r} (expected B, C, M or N)")
    words: set[str] = set()
    for word in _WORD_SEPARATORS_RE.split(_CODE_TOKEN_RE.sub(" ", text)):
        if not word:
            continue
        if word in CONCERN_WORDS:
            words.add(CONCERN_WORDS[word])
        else:
            reasons.append(f"unknown concern type {word!r}")
    if not codes:
        codes = words
    elif words and words != codes and not reasons:
        reasons.append(
            f"the concern words say {','.join(sorted(words))} but the codes say "
            f"{','.join(sorted(codes))}"
        )
    return sorted(codes), reasons


def _parse_cw(value: Any) -> tuple[bool, str]:
    text = clean_text(value)
    if not text:
        return False, ""
    marks = {t for t in re.split(r"[\s、,/]+", text.replace("通常兵器", " ")) if t}
    if marks and marks <= CW_MARKS:
        return True, ""
    if not marks:  # "通常兵器" alone
        return True, ""
    return False, f"unrecognised conventional-weapons mark {text!r} (expected 通常兵器 CW or empty)"
