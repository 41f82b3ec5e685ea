"""List importers: one module per list source, all returning ``base.ParseResult``.

``IMPORTERS`` maps a ``ListSource.code`` to its importer and to the facts of the source that the
services write when the source is first imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Importer, ParsedEntry, ParseResult, Problem
from .meti_eul import parse_workbook
from .ofac_sdn import parse_directory


@dataclass(frozen=True)
class SourceSpec:
    code: str
    name: str
    authority: str
    advisory: bool
    url: str
    parse: Importer
    #: What the importer reads: one uploaded "file", or a "directory" of files.
    takes: str
    #: Whether each revision must carry its revision date (METI dates every revision and names
    #: the file by it; the OFAC snapshot's files state none).
    dated: bool = False


IMPORTERS: dict[str, SourceSpec] = {
    "meti-eul": SourceSpec(
        code="meti-eul",
        name="METI End User List (外国ユーザーリスト)",
        authority="Ministry of Economy, Trade and Industry",
        advisory=False,
        url="https://www.meti.go.jp/policy/anpo/",
        parse=parse_workbook,
        takes="file",
        dated=True,
    ),
    "ofac-sdn": SourceSpec(
        code="ofac-sdn",
        name="OFAC SDN list",
        authority="US Department of the Treasury, Office of Foreign Assets Control",
        advisory=True,
        url="https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists",
        parse=parse_directory,
        takes="directory",
    ),
}


def get_importer(source_code: str) -> SourceSpec:
    try:
        return IMPORTERS[source_code]
    except KeyError:
        known = ", ".join(sorted(IMPORTERS))
        raise KeyError(f"no importer for list source {source_code!r} (known: {known})") from None


__all__ = [
    "IMPORTERS",
    "Importer",
    "ParseResult",
    "ParsedEntry",
    "Problem",
    "SourceSpec",
    "get_importer",
    "parse_directory",
    "parse_workbook",
]
