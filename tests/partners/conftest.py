"""Fixtures of the partners tests: the real list files (parsed once per session), a user to act
as the ministry's list manager, and a builder of small End User List workbooks for the
malformed-file cases."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from partners.data import EUL_2025_01, EUL_2025_09
from partners.data import OFAC_SDN_DIR as OFAC_DIR
from partners.importers.base import ParseResult
from partners.importers.meti_eul import parse_workbook
from partners.importers.ofac_sdn import parse_directory

HEADER = [
    "No.",
    "国名、地域名\nCountry or Region",
    "企業名､組織名\nCompany or Organization",
    "別名\nAlso Known As",
    "懸念区分\nType of WMD",
    "通常兵器\nConventional Weapons",
]


@pytest.fixture(scope="session")
def eul_2025_09() -> ParseResult:
    return parse_workbook(EUL_2025_09)


@pytest.fixture(scope="session")
def eul_2025_01() -> ParseResult:
    return parse_workbook(EUL_2025_01)


@pytest.fixture(scope="session")
def ofac() -> ParseResult:
    return parse_directory(OFAC_DIR)


@pytest.fixture
def list_manager(db):
    from exportctl.accounts.models import User
    from exportctl.accounts.roles import Role
    from tests.factories import _add_roles

    user = User.objects.create_user(
        "lists@meti.example.jp", "correct horse battery staple", is_staff=True
    )
    _add_roles(user, [Role.LIST_MANAGER])
    return user


@pytest.fixture
def second_list_manager(db):
    """Another list manager: the second pair of eyes on a publication that removes entries."""
    from exportctl.accounts.models import User
    from exportctl.accounts.roles import Role
    from tests.factories import _add_roles

    user = User.objects.create_user("lists2@meti.example.jp", "correct horse battery staple")
    _add_roles(user, [Role.LIST_MANAGER])
    return user


def _write_workbook(
    path: Path, rows: list[list[Any]], header: list[str] | None, sheet_title: str
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def make_workbook(tmp_path) -> Callable[..., Path]:
    """``make_workbook(rows, header=HEADER, sheet_title="ユーザーリスト")`` → the path of a new
    .xlsx whose first row is ``header`` and whose following rows are ``rows``."""
    counter = iter(range(1000))

    def make(
        rows: list[list[Any]],
        header: list[str] | None = HEADER,
        sheet_title: str = "ユーザーリスト",
    ) -> Path:
        # Named as METI names its workbooks, by the revision date: one day later for each new
        # workbook, so that each is a newer revision than the one before.
        revision = datetime.date(2025, 1, 1) + datetime.timedelta(days=next(counter))
        name = f"{revision:%Y%m%d}_eul.xlsx"
        return _write_workbook(tmp_path / name, rows, header, sheet_title)

    return make


@pytest.fixture
def small_ofac_dir(tmp_path) -> Path:
    """A two-entry SDN directory in the legacy layout, for tests that need an OFAC version but
    not the whole list."""
    directory = tmp_path / "sdn-small"
    directory.mkdir()
    (directory / "sdn.csv").write_text(
        '10,"EXAMPLE SHIPPING CO.",-0- ,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
        '11,"DOE, John",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a'
    )
    (directory / "alt.csv").write_text('10,1,"aka","EXSHIP",-0- \r\n\x1a')
    (directory / "add.csv").write_text('10,1,-0- ,"Tehran","Iran",-0- \r\n\x1a')
    return directory


def good_row(name: str = "Example Trading Co.", country: str = "イラン\nIran") -> list[Any]:
    return ["=ROW()-1", country, name, "・Example Co.", "ミサイル\nM", None]
