"""Tabular exports for auditors, in constant memory, readable by a person.

CSV is streamed row by row from a server-side cursor (``QuerySet.iterator``). XLSX cannot be
streamed (it is a zip whose directory comes last), so it is written by xlsxwriter in
``constant_memory`` mode — one row in memory at a time — to a temporary file that is then streamed
and deleted when the response closes. Either way 100,000 rows never sit in memory together.

What a reader sees: headers and labels in the language of the request that asked (the rows of a
streamed CSV are written after the view returned, so the language is carried along), times in
local time (``settings.TIME_ZONE``, as on the screens) to the second, and in XLSX real date and
number cells, a frozen header row and columns as wide as their content.
"""

import csv
import datetime
import decimal
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext

CHUNK_SIZE = 2000

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"), after NFKC has folded
# the full-width forms a Japanese IME types (＝＋－＠) and the small forms (﹦﹢﹣﹫) into these.
# U+2212 MINUS SIGN has no NFKC fold, yet some spreadsheets accept it as a minus.
_FORMULA_STARTS = frozenset("=+-@\u2212")
# Unicode categories skipped, like whitespace, before the first character is judged: control
# characters (a cell may begin with CR, LF, tab or NUL) and invisible format characters (a zero
# width space, a byte order mark), neither of which a reader can see in front of an "=".
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})


@dataclass(frozen=True)
class Column:
    """One column: its header (a lazy translation) and how to read its value from a row object.

    The value may be text, a number, a date, an aware datetime (shown in local time), a bool or
    ``None``; labels of choices should be returned already translated (``get_FOO_display``)."""

    header: str
    value: Callable[[object], object]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def local_datetime(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in local time, naive (a spreadsheet has no time zones), to the second."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def _first_visible(text: str) -> str:
    """The first character a spreadsheet would judge, once leading whitespace (any Unicode
    space, U+3000 included), control and format characters are set aside, after NFKC."""
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            continue
        return char
    return ""


def inert(text: str) -> str:
    """A text cell that starts with = + - @ would be run as a formula by a spreadsheet (CSV
    injection), and so would one where that character follows leading spaces or line breaks
    (spreadsheets trim them), or is its full-width form. Such a cell, and any cell that starts
    with a tab or a carriage return, gets a leading apostrophe, which shows it is text. Only text
    goes through here: numbers, negative ones included, are written as numbers."""
    if text[:1] in ("\t", "\r") or _first_visible(text) in _FORMULA_STARTS:
        return "'" + text
    return text


def _typed(value) -> object:
    """The value as a cell holds it: None, bool, a number, a date, a naive local datetime, or
    inert text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return local_datetime(value)
    if isinstance(value, datetime.date):
        return value
    return inert(str(value))


def _csv_text(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _display_width(value) -> int:
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    text = str(value) if value is not None else ""
    longest = max((line for line in text.splitlines()), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _rows(columns: Sequence[Column], objects: Iterable) -> Iterable[list]:
    yield [str(column.header) for column in columns]
    for obj in objects:
        yield [_typed(column.value(obj)) for column in columns]


def _in_language(language: str | None, rows: Iterable[list]) -> Iterable[list]:
    with translation.override(language):
        yield from rows


def csv_response(*, filename: str, columns: Sequence[Column], objects: Iterable):
    writer = csv.writer(_Echo())
    language = translation.get_language()

    def lines():
        yield "\ufeff"  # a BOM, so spreadsheet programs read the Japanese text as UTF-8
        for row in _in_language(language, _rows(columns, objects)):
            yield writer.writerow([_csv_text(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(*, filename: str, sheet: str, columns: Sequence[Column], objects: Iterable):
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    workbook = xlsxwriter.Workbook(
        spool,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    when = workbook.add_format({"num_format": XLSX_DATETIME_FORMAT, "valign": "top"})
    day = workbook.add_format({"num_format": XLSX_DATE_FORMAT, "valign": "top"})
    text = workbook.add_format({"valign": "top"})
    widths = [MIN_WIDTH] * len(columns)
    last_row = 0
    for row_number, row in enumerate(_rows(columns, objects)):
        last_row = row_number
        for col, value in enumerate(row):
            widths[col] = max(widths[col], min(_display_width(value) + 2, MAX_WIDTH))
            if row_number == 0:
                worksheet.write_string(0, col, value, header)
            elif value is None:
                continue
            elif isinstance(value, datetime.datetime):
                worksheet.write_datetime(row_number, col, value, when)
            elif isinstance(value, datetime.date):
                worksheet.write_datetime(row_number, col, value, day)
            elif isinstance(value, int | float | decimal.Decimal):
                worksheet.write_number(row_number, col, value, text)
            else:
                worksheet.write_string(row_number, col, value, text)
    # Column widths, the frozen header and the filter are written when the workbook closes, so
    # they may be set after the rows even in constant-memory mode.
    for col, width in enumerate(widths):
        worksheet.set_column(col, col, width)
    worksheet.freeze_panes(1, 0)
    if columns:
        worksheet.autofilter(0, 0, last_row, len(columns) - 1)
    workbook.close()
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )


def export_response(*, fmt: str, filename: str, sheet: str, columns, objects):
    if fmt == "xlsx":
        return xlsx_response(filename=filename, sheet=sheet, columns=columns, objects=objects)
    return csv_response(filename=filename, columns=columns, objects=objects)
