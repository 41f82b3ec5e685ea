"""Tabular exports for auditors, in constant memory.

CSV is streamed row by row from a server-side cursor (``QuerySet.iterator``). XLSX cannot be
streamed (it is a zip whose directory comes last), so it is written by xlsxwriter in
``constant_memory`` mode — one row in memory at a time — to a temporary file that is then streamed
and deleted when the response closes. Either way 100,000 rows never sit in memory together.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse

CHUNK_SIZE = 2000

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> object:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    # A cell starting with = + - @ would be run as a formula by a spreadsheet (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _rows(columns: Sequence[Column], objects: Iterable) -> Iterable[list]:
    yield [column.header for column in columns]
    for obj in objects:
        yield [_cell(column.value(obj)) for column in columns]


def csv_response(*, filename: str, columns: Sequence[Column], objects: Iterable):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a BOM, so spreadsheet programs read the Japanese text as UTF-8
        for row in _rows(columns, objects):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(*, filename: str, sheet: str, columns: Sequence[Column], objects: Iterable):
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    workbook = xlsxwriter.Workbook(
        spool, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for row_number, row in enumerate(_rows(columns, objects)):
        worksheet.write_row(row_number, 0, row, bold if row_number == 0 else None)
    workbook.close()
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )


def export_response(*, fmt: str, filename: str, sheet: str, columns, objects):
    if fmt == "xlsx":
        return xlsx_response(filename=filename, sheet=sheet, columns=columns, objects=objects)
    return csv_response(filename=filename, columns=columns, objects=objects)
