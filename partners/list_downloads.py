"""A published (or superseded) list revision as a file anyone may download: CSV, XLSX or JSON.

The bytes depend on the revision alone, never on the time or the reader's language, so two
downloads of one revision are byte-identical and the SHA-256 the page shows is the file's:

* the column headers and the attribution are bilingual (Japanese and English), as METI's own
  workbook is;
* entries are in the list's order (their number);
* the XLSX's document dates are the revision's publication here, and its zip members carry
  XlsxWriter's fixed timestamp;
* nothing states the revision's current status (a superseded revision's file stays the same).

Every file carries its source attribution (``attribution``): JSON in its ``metadata`` object;
CSV in a header block of ``#``-prefixed key/value rows, a blank row, then the table; XLSX on a
second sheet ``source``. Text cells of CSV and XLSX go through the project's CSV guard
(``exportctl.audit.exports.inert``), so a name starting with ``=`` is never run as a formula.

The bytes are built once per revision, format and process (``_built`` keeps the last 12): a
revision's entries never change once published. Measured: the End User List (835 entries) takes
about 20 ms as CSV or JSON and 220-300 ms as XLSX; the OFAC SDN snapshot (8,976 entries) 0.4 s
as CSV, 0.6 s as JSON (6 MB) and 0.9 s as XLSX, so the downloads page, which shows every file's
SHA-256, costs those once per process and nothing after.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

import xlsxwriter

from exportctl.audit.exports import XLSX_TYPE, inert
from partners.models import ListedEntry, ListSource, ListVersion, ListVersionStatus

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_TYPE,
    "json": "application/json",
}
#: The statuses whose revisions anyone may download: the one in force and those it replaced.
PUBLIC_STATUSES = (ListVersionStatus.PUBLISHED, ListVersionStatus.SUPERSEDED)

#: Who published each list and on what terms (``partners/data/SOURCES.md``), as the list page
#: states it. A source not named here is credited to its authority and page as recorded.
ATTRIBUTIONS = {
    "meti-eul": {
        "publisher": "経済産業省 / Ministry of Economy, Trade and Industry, Japan (METI)",
        "source_url": "https://www.meti.go.jp/policy/anpo/",
        "licence": (
            "公共データ利用規約（政府標準利用規約 第2.0版、CC BY 4.0 互換）に基づき出典を記載して利用 / "
            "Reused with credit under the Government of Japan Standard Terms of Use 2.0 "
            "(compatible with CC BY 4.0)"
        ),
    },
    "ofac-sdn": {
        "publisher": ("U.S. Department of the Treasury, Office of Foreign Assets Control (OFAC)"),
        "source_url": "https://ofac.treasury.gov/",
        "licence": "米国政府の著作物（パブリックドメイン） / A work of the US government: public domain",
    },
}

#: (key in JSON, bilingual header of CSV and XLSX).
COLUMNS = (
    ("number", "No."),
    ("kind", "種別 / Kind"),
    ("country", "国・地域コード / Country code"),
    ("country_label", "国名、地域名 / Country or Region"),
    ("name", "企業名、組織名 / Company or Organization"),
    ("local_name", "現地語表記 / Name in the local script"),
    ("aliases", "別名 / Also Known As"),
    ("concern_codes", "懸念区分 / Type of WMD"),
    ("conventional_weapons", "通常兵器 / Conventional Weapons"),
    ("details", "公表時の付記 / Details as published"),
)


def attribution(source: ListSource) -> dict[str, str]:
    known = ATTRIBUTIONS.get(source.code)
    if known is not None:
        return dict(known)
    return {"publisher": source.authority, "source_url": source.url, "licence": ""}


def public_versions(source_code: str):
    """The revisions of a source anyone may download, newest publication first."""
    return (
        ListVersion.objects.select_related("source")
        .filter(source__code=source_code, status__in=PUBLIC_STATUSES)
        .order_by("-published_at", "-pk")
    )


def public_version(source_code: str, label: str) -> ListVersion | None:
    """The published or superseded revision so labelled (the latest published of two alike)."""
    return public_versions(source_code).filter(label=label).first()


def metadata(version: ListVersion) -> dict:
    source = version.source
    return {
        "list": source.code,
        "list_name": source.name,
        "revision": version.label,
        "issued_on": version.issued_on.isoformat() if version.issued_on else None,
        "applies_from": (version.effective_from.isoformat() if version.effective_from else None),
        "published_here_at": version.published_at.isoformat() if version.published_at else None,
        "entry_count": version.entry_count,
        "ministry_file_name": version.file_name,
        "ministry_file_sha256": version.file_sha256,
        "attribution": attribution(source),
    }


def _entries(version: ListVersion) -> list[dict]:
    rows = ListedEntry.objects.filter(version=version).order_by("number", "pk")
    return [
        {
            "number": e.number,
            "kind": e.kind,
            "country": e.country,
            "country_label": e.country_label,
            "name": e.name,
            "local_name": e.local_name,
            "aliases": list(e.aliases),
            "concern_codes": sorted(e.concern_codes),
            "conventional_weapons": e.conventional_weapons,
            "details": e.details,
        }
        for e in rows
    ]


def _cell(key: str, value) -> object:
    """A JSON entry's value as one spreadsheet cell; text through the CSV guard."""
    if key == "number":
        return value
    if key == "aliases":
        value = "; ".join(value)
    elif key == "concern_codes":
        value = ",".join(value)
    elif key == "conventional_weapons":
        value = "CW" if value else ""
    elif key == "details":
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return inert(str(value))


def _metadata_rows(meta: dict) -> list[tuple[str, str]]:
    flat = {k: v for k, v in meta.items() if k != "attribution"}
    flat.update({f"attribution_{k}": v for k, v in meta["attribution"].items()})
    return [(key, "" if value is None else str(value)) for key, value in flat.items()]


def _json(version: ListVersion) -> bytes:
    document = {"metadata": metadata(version), "entries": _entries(version)}
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
    return (text + "\n").encode()


def _csv(version: ListVersion) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for key, value in _metadata_rows(metadata(version)):
        writer.writerow([f"# {key}", inert(value)])
    writer.writerow([])
    writer.writerow([header for _, header in COLUMNS])
    for entry in _entries(version):
        writer.writerow([_cell(key, entry[key]) for key, _ in COLUMNS])
    # A BOM, so spreadsheet programs read the Japanese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


def _fixed_time(version: ListVersion) -> datetime.datetime:
    when = version.published_at or datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    return when.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)


def _xlsx(version: ListVersion) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    when = _fixed_time(version)
    workbook.set_properties(
        {
            "title": f"{version.source.name} {version.label}",
            "author": attribution(version.source)["publisher"],
            "created": when,
        }
    )
    bold = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet("entries")
    for col, (_, header) in enumerate(COLUMNS):
        sheet.write_string(0, col, header, bold)
    for row, entry in enumerate(_entries(version), start=1):
        for col, (key, _) in enumerate(COLUMNS):
            value = _cell(key, entry[key])
            if isinstance(value, int):
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, value)
    sheet.freeze_panes(1, 0)
    about = workbook.add_worksheet("source")
    for row, (key, value) in enumerate(_metadata_rows(metadata(version))):
        about.write_string(row, 0, key, bold)
        about.write_string(row, 1, inert(value))
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 90)
    workbook.close()
    return out.getvalue()


_BUILDERS = {"csv": _csv, "xlsx": _xlsx, "json": _json}


@dataclass(frozen=True)
class Download:
    content: bytes
    sha256: str
    content_type: str
    file_name: str


@lru_cache(maxsize=12)
def _built(public_id: UUID, fmt: str, stamp: tuple) -> Download:
    """Keyed by the revision and what its metadata states that could still be corrected."""
    version = ListVersion.objects.select_related("source").get(public_id=public_id)
    content = _BUILDERS[fmt](version)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{version.source.code}-{version.label}")
    return Download(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        content_type=FORMATS[fmt],
        file_name=f"{stem}.{fmt}",
    )


def download(version: ListVersion, fmt: str) -> Download:
    """The file of a published or superseded revision in ``fmt`` (csv, xlsx or json)."""
    if fmt not in _BUILDERS:
        raise ValueError(f"unknown format {fmt!r}")
    if version.status not in PUBLIC_STATUSES:
        raise ValueError("only a published or superseded revision is downloadable")
    return _built(version.public_id, fmt, (version.effective_from, version.published_at))


def clear() -> None:
    _built.cache_clear()
