"""The difference between two revisions of a list, and the published-version selector."""

from types import SimpleNamespace

import pytest

from partners.selectors import (
    diff_entries,
    identity_key,
    list_version_diff,
    published_version,
)
from partners.services import list_version_import, list_version_publish
from tests.partners.conftest import EUL_2025_01, EUL_2025_09


@pytest.fixture(scope="module")
def eul_diff(eul_2025_01, eul_2025_09):
    return diff_entries(eul_2025_01.entries, eul_2025_09.entries)


def test_diff_2025_01_to_2025_09_counts(eul_diff):
    assert eul_diff.summary() == {
        "added": 93,
        "removed": 6,
        "changed": 186,
        "unchanged": 556,
        "net": 87,
    }
    assert eul_diff.net_change == 87
    assert eul_diff.changed_field_counts() == {
        "name": 2,
        "local_name": 2,
        "aliases": 25,
        "concern_codes": 3,
        "conventional_weapons": 170,
        "country": 0,
    }


def test_diff_changed_concern_codes(eul_diff):
    changes = {
        c.new.name: (c.old.concern_codes, c.new.concern_codes, c.fields)
        for c in eul_diff.changed
        if "concern_codes" in c.fields
    }
    assert changes == {
        "Al Qa'ida/Islamic Army": (
            ["C"],
            ["B", "C", "M", "N"],
            ("concern_codes", "conventional_weapons"),
        ),
        "Ummah Tameer E-Nau (UTN)": (["N"], ["B", "C", "N"], ("concern_codes",)),
        "PISHRO MOBTAKER PEYVAND": (["M"], ["N"], ("concern_codes",)),
    }


def test_diff_new_cw_flags(eul_diff):
    flagged = [c for c in eul_diff.changed if "conventional_weapons" in c.fields]
    assert len(flagged) == 170
    assert all(not c.old.conventional_weapons and c.new.conventional_weapons for c in flagged)
    by_name = {c.new.name: c for c in flagged}
    # Renumbered between the revisions: No. 36 → No. 40.
    aio = by_name["Aerospace Industries Organization (AIO)"]
    assert (aio.old.number, aio.new.number, aio.fields) == (36, 40, ("conventional_weapons",))
    # 70 entries are new with a CW mark, so 240 in all carry it.
    assert sum(1 for e in eul_diff.added if e.conventional_weapons) == 70


def test_diff_removed_entries(eul_diff):
    assert [(e.number, e.country, e.name) for e in eul_diff.removed] == [
        (239, "IR", "Sho'a' Aviation"),
        (241, "IR", "Special Industries Group (SIG)"),
        (267, "IN", "Directorate of Purchase and Stores, DAE"),
        (
            455,
            "CN",
            "Academy of Military Medical Sciences, Institute of Microbiology and Epidemiology",
        ),
        (472, "CN", "Beijing Starneto Technology Co., Ltd."),
        # Renamed "Link Lines (Pvt.) Limited" in 2025-09, sharing no name: removed + added.
        (608, "PK", "Link Lines Pvt Ltd."),
    ]
    assert "Link Lines (Pvt.) Limited" in {e.name for e in eul_diff.added}


def test_diff_renamed_entry_is_matched_through_its_names(eul_diff):
    renamed = {(c.old.name, c.new.name): c for c in eul_diff.changed if "name" in c.fields}
    npu = renamed[
        ("Northwestern Polytechnical University", "Northwestern Polytechnical University (NPU)")
    ]
    assert npu.matched_by == "alias"
    assert npu.fields == ("name", "conventional_weapons")
    assert set(renamed) == {
        ("Northwestern Polytechnical University", "Northwestern Polytechnical University (NPU)"),
        ('"Severniy press" JSC', 'Joint Stock Company"Severniy press"'),
    }


def test_diff_ignores_spaces_inside_local_script_names(eul_diff):
    # "南溪穀科技有限公 司" (2025-01) and "南溪穀科技有限公司" (2025-09) are the same name.
    assert "NANXIGU TECHNOLOGY CO., LIMITED" not in {
        c.new.name for c in eul_diff.changed if "local_name" in c.fields
    }


def _entry(number, name, country="IR", aliases=(), codes=("M",), cw=False, local=""):
    return SimpleNamespace(
        number=number,
        name=name,
        country=country,
        aliases=list(aliases),
        concern_codes=list(codes),
        conventional_weapons=cw,
        local_name=local,
    )


def test_diff_country_change_and_ambiguous_names():
    old = [
        _entry(1, "Alpha Trading", country="HK"),
        _entry(2, "Twin Co."),
        _entry(3, "Twin Co."),
        _entry(4, "Gamma Ltd", aliases=["G Ltd"]),
    ]
    new = [
        _entry(7, "Alpha Trading", country="CN"),
        _entry(8, "Twin Co."),
        _entry(9, "Gamma Limited", aliases=["G Ltd"], codes=["M", "N"]),
    ]
    diff = diff_entries(old, new)
    assert [(c.old.number, c.new.number, c.fields, c.matched_by) for c in diff.changed] == [
        (1, 7, ("country",), "name-any-country"),
        (4, 9, ("name", "concern_codes"), "alias"),
    ]
    # "Twin Co." is two entries in the old list: which one remains cannot be told.
    assert [e.number for e in diff.removed] == [2, 3]
    assert [e.number for e in diff.added] == [8]


def test_identity_key_ignores_case_punctuation_and_width():
    assert identity_key("Delta Engineering Concern FZE （DEC）") == identity_key(
        "DELTA ENGINEERING CONCERN FZE (DEC)"
    )
    assert identity_key("Korea Ryonbong") != identity_key("Korea Ryongbong")


def test_list_version_diff_between_stored_versions(db):
    old = list_version_import(
        source_code="meti-eul", file=EUL_2025_01, file_name=EUL_2025_01.name, actor=None
    )
    new = list_version_import(
        source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
    )
    diff = list_version_diff(old=old, new=new)
    assert diff.summary() == {
        "added": 93,
        "removed": 6,
        "changed": 186,
        "unchanged": 556,
        "net": 87,
    }
    first = list_version_diff(old=None, new=old)
    assert (first.added_count, first.removed_count, first.changed_count) == (748, 0, 0)


def test_list_version_diff_refuses_two_sources(db, small_ofac_dir):
    eul = list_version_import(
        source_code="meti-eul", file=EUL_2025_01, file_name=EUL_2025_01.name, actor=None
    )
    sdn = list_version_import(
        source_code="ofac-sdn", file=small_ofac_dir, file_name="sdn", actor=None
    )
    with pytest.raises(ValueError, match="two versions of the same list source"):
        list_version_diff(old=eul, new=sdn)


def test_published_version(db):
    assert published_version("meti-eul") is None
    version = list_version_import(
        source_code="meti-eul", file=EUL_2025_01, file_name=EUL_2025_01.name, actor=None
    )
    assert published_version("meti-eul") is None
    list_version_publish(version=version, actor=None)
    assert published_version("meti-eul") == version
    assert published_version("ofac-sdn") is None
