"""The list importers on the real published files and on malformed files built here."""

import io
import zipfile
from collections import Counter

import pytest

from partners.importers import IMPORTERS, get_importer, meti_eul
from partners.importers.base import ParsedEntry, Problem
from partners.importers.meti_eul import parse_workbook
from partners.importers.ofac_sdn import parse_directory
from tests.partners.conftest import EUL_2025_01, EUL_2025_09, HEADER, OFAC_DIR, good_row


def by_number(result):
    return {entry.number: entry for entry in result.entries}


# --- the 2025-09 End User List ------------------------------------------------------------------


def test_eul_2025_09_imports_all_835_entries_without_problems(eul_2025_09):
    assert eul_2025_09.problems == []
    assert len(eul_2025_09.entries) == 835
    # No. is "=ROW()-1": the numbers are the row positions 1…835.
    assert [e.number for e in eul_2025_09.entries] == list(range(1, 836))


def test_eul_2025_09_tallies_match_the_ministry(eul_2025_09):
    # domain.md §3: tally for 2025 by country, and 595 WMD-only, 54 CW-only, 186 both.
    assert Counter(e.country for e in eul_2025_09.entries) == {
        "IR": 257,
        "KP": 154,
        "CN": 127,
        "PK": 103,
        "RU": 100,
        "AE": 29,
        "HK": 22,
        "SY": 19,
        "LB": 9,
        "TW": 5,
        "EG": 3,
        "AF": 2,
        "YE": 2,
        "IN": 2,
        "IL": 1,
    }
    split = Counter((bool(e.concern_codes), e.conventional_weapons) for e in eul_2025_09.entries)
    assert split == {(True, False): 595, (False, True): 54, (True, True): 186}
    assert {e.kind for e in eul_2025_09.entries} == {"organization"}


def test_eul_2025_09_no_1_al_qaida(eul_2025_09):
    entry = by_number(eul_2025_09)[1]
    assert entry.country == "AF"
    assert entry.country_label == "アフガニスタン Islamic Republic of Afghanistan"
    assert entry.name == "Al Qa'ida/Islamic Army"
    assert entry.local_name == ""
    assert entry.aliases == [
        "Al Qaeda",
        "Islamic Salvation Foundation",
        "The Base",
        "The Group for the Preservation of the Holy Sites",
        "The Islamic Army for the Liberation of Holy Places",
        "The World Islamic Front for Jihad against Jews and Crusaders",
        "Usama Bin Laden Network",
        "Usama Bin Laden Organisation",
    ]
    assert entry.concern_codes == ["B", "C", "M", "N"]
    assert entry.conventional_weapons is True


def test_eul_2025_09_no_45_amir_kabir(eul_2025_09):
    entry = by_number(eul_2025_09)[45]
    assert (entry.country, entry.name, entry.local_name) == (
        "IR",
        "Amir Kabir University of Technology",
        "",
    )
    assert entry.aliases == ["Amirkabir University of Technology"]
    assert entry.concern_codes == ["B", "C", "M", "N"]
    assert entry.conventional_weapons is False


def test_eul_2025_09_no_414_local_name_in_brackets_on_its_own_line(eul_2025_09):
    entry = by_number(eul_2025_09)[414]
    assert (entry.country, entry.name, entry.local_name) == (
        "KP",
        "Pyongyang Public Library",
        "平壌市図書館",
    )
    assert entry.aliases == []
    assert entry.concern_codes == ["B", "C", "M", "N"]
    assert entry.conventional_weapons is False


@pytest.mark.parametrize(
    ("number", "country", "name", "local_name", "alias", "codes", "cw"),
    [
        (5, "AE", "Delta Engineering Concern FZE (DEC)", "", None, ["N"], False),
        (33, "YE", "Houthi", "", None, ["M"], False),
        (34, "IL", "Nuclear Research Center Negev (NRCN)", "", None, ["N"], False),
        (39, "IR", "ADVANCED TECHNOLOGIES COMPANY OF IRAN", "", "IATC", ["N"], False),
        (
            40,
            "IR",
            "Aerospace Industries Organization (AIO)",
            "",
            "Sazemane Sanaye Hava Faza",
            ["M"],
            True,
        ),
        (
            384,
            "KP",
            "Korean Committee for Space Technology",
            "朝鮮宇宙空間技術委員会",
            "KCST",
            ["B", "C", "M", "N"],
            True,
        ),
        (394, "KP", "Namchongang Trading Corporation", "南川江貿易会社", "NCG", ["N"], False),
        (
            513,
            "CN",
            "China Electronics Technology Group Corporation 14th Research Institute (CETC 14)",
            "中国電子科技集団公司第十四研究所",
            "NRIET",
            [],
            True,
        ),
        (
            518,
            "CN",
            "China North Industries Group Corporation Limited",
            "中国兵器工業集団有限公司",
            "China North Industries Corporation (NORINCO)",
            ["C", "M"],
            True,
        ),
        (
            519,
            "CN",
            "Chinese Academy of Engineering Physics",
            "中国工程物理研究院",
            "Ninth Academy",
            ["N"],
            False,
        ),
        (541, "CN", "Harbin Institute of Technology (HIT)", "哈爾浜工業大学", None, ["M"], True),
        (
            705,
            "HK",
            "ADVANTAGE TRADING CO., LIMITED",
            "",
            "Jin Ying Trading Co., Ltd.",
            ["M"],
            False,
        ),
        (727, "LB", "Best Electronics S.A.L", "", None, ["B", "C", "M"], False),
        (785, "RU", "Main Intelligence Directorate", "", "GRU", ["C"], False),
        (788, "RU", "Ministry of Defence of the Russian Federation", "", None, ["M", "N"], True),
        (806, "RU", "Rosoboronexport OJSC (ROE)", "", "ROSOBORONEXPORT JSC", ["M"], True),
    ],
)
def test_eul_2025_09_sample_of_domain_brief(
    eul_2025_09, number, country, name, local_name, alias, codes, cw
):
    entry = by_number(eul_2025_09)[number]
    assert (entry.country, entry.name, entry.local_name) == (country, name, local_name)
    if alias is None:
        assert entry.aliases == []
    else:
        assert alias in entry.aliases
    assert entry.concern_codes == codes
    assert entry.conventional_weapons is cw


def test_eul_aliases_lose_bullets_and_stray_spaces(eul_2025_09):
    # Published with a trailing space after every alias.
    assert by_number(eul_2025_09)[2].aliases[:3] == [
        "FOUNDATION FOR CONSTRUCTION",
        "NATION BUILDING",
        "RECONSTRUCTION FOUNDATION",
    ]


def test_eul_local_script_alias_line_is_an_alias_of_its_own(eul_2025_09):
    # "・Amroggang Development Bank\n(鴨緑江開発銀行)\n・Amrokkang Development Bank"
    assert by_number(eul_2025_09)[301].aliases == [
        "Amnokkang Development Bank",
        "Amroggang Development Bank",
        "鴨緑江開発銀行",
        "Amrokkang Development Bank",
    ]


def test_eul_wrapped_alias_line_is_joined(eul_2025_09):
    # "・Aktsionernoe Obshchestvo Uralskiy Zavod Transportnogo\nMashinostroeniya"
    assert by_number(eul_2025_09)[774].aliases == [
        "Urals Plant of Transportation Machinery Joint Stock Company",
        "Aktsionernoe Obshchestvo Uralskiy Zavod Transportnogo Mashinostroeniya",
        "the Urals Plant of Transport Engineering",
        "JSC Ural Plant of Transport Mechanical Engineering",
    ]


def test_eul_nested_brackets_in_local_name(eul_2025_09):
    entry = by_number(eul_2025_09)[366]
    assert entry.name == "Korea Rungrado (General) Trading Co."
    assert entry.local_name == "朝鮮綾羅島貿易(総)会社"


def test_eul_concern_codes_without_separator_and_full_width(eul_2025_09):
    entries = by_number(eul_2025_09)
    assert entries[102].concern_codes == ["M"]  # "ミサイルM"
    assert entries[658].concern_codes == ["N"]  # "核\nＮ"


def test_eul_entry_whose_name_is_japanese_only(eul_2025_09):
    entry = by_number(eul_2025_09)[447]
    assert (entry.name, entry.local_name, entry.country) == ("セソン技術貿易", "", "KP")


# --- the 2025-01 End User List ------------------------------------------------------------------


def test_eul_2025_01_imports_all_748_entries_without_a_cw_column(eul_2025_01):
    assert eul_2025_01.problems == []
    assert len(eul_2025_01.entries) == 748
    assert [e.number for e in eul_2025_01.entries] == list(range(1, 749))
    assert not any(e.conventional_weapons for e in eul_2025_01.entries)
    assert by_number(eul_2025_01)[1].concern_codes == ["C"]


def test_eul_2025_01_codes_on_one_line_with_the_words(eul_2025_01):
    entries = by_number(eul_2025_01)
    assert entries[473].concern_codes == ["M", "N"]  # "ミサイル、核 M、N"
    yinke = entries[561]  # "ミサイル、核 M、N", and an alias without a bullet
    assert yinke.name == "YINKE HK ELECTRONICS COMPANY LIMITED"
    assert yinke.local_name == "盈科香港電子有限公司"
    assert yinke.aliases == ["YINKE ELECTRONICS CO., LTD"]
    assert yinke.concern_codes == ["M", "N"]


def test_eul_2025_01_name_with_a_stray_bullet(eul_2025_01):
    # Published as "・Green Pine Associated Corporation （青松連合）".
    entry = by_number(eul_2025_01)[292]
    assert (entry.name, entry.local_name) == ("Green Pine Associated Corporation", "青松連合")


def test_row_hash_ignores_the_number(eul_2025_01, eul_2025_09):
    # Amir Kabir University is No. 40 in 2025-01 and No. 45 in 2025-09, otherwise unchanged.
    old, new = by_number(eul_2025_01)[40], by_number(eul_2025_09)[45]
    assert old.row_hash == new.row_hash
    assert len(new.row_hash) == 64
    assert by_number(eul_2025_01)[1].row_hash != by_number(eul_2025_09)[1].row_hash


def test_row_hash_covers_every_content_field():
    base = dict(
        number=1,
        kind="organization",
        country="IR",
        country_label="イラン Iran",
        name="X",
        local_name="",
        aliases=["Y"],
        concern_codes=["M"],
        conventional_weapons=False,
        details={},
    )
    reference = ParsedEntry(**base).row_hash
    for change in (
        {"name": "Z"},
        {"local_name": "甲"},
        {"aliases": ["Y", "W"]},
        {"concern_codes": ["M", "N"]},
        {"conventional_weapons": True},
        {"country": "KP"},
        {"kind": "person"},
        {"details": {"a": 1}},
    ):
        assert ParsedEntry(**{**base, **change}).row_hash != reference, change
    assert ParsedEntry(**{**base, "number": 99}).row_hash == reference


def test_file_object_reads_like_a_path(eul_2025_01):
    result = parse_workbook(io.BytesIO(EUL_2025_01.read_bytes()))
    assert result.problems == []
    assert [e.row_hash for e in result.entries] == [e.row_hash for e in eul_2025_01.entries]


# --- malformed workbooks ------------------------------------------------------------------------


def test_malformed_rows_report_every_problem(make_workbook):
    path = make_workbook(
        [
            good_row("First Co."),  # row 2
            ["=ROW()-1", "フランス\nFrance", "Second Co.", None, "核\nN", None],  # row 3
            ["=ROW()-1", "イラン\nIran", None, None, "核\nN", None],  # row 4
            ["=ROW()-1", "イラン\nIran", "Fourth Co.", None, "核\nX", None],  # row 5
            [3, "イラン\nIran", "Fifth Co.", None, "核\nN", None],  # row 6 (No. 3 twice)
            ["=ROW()-1", "イラン\nIran", "Sixth Co.", None, "核\nN", "maybe"],  # row 7
            ["=ROW()-1", "イラン\nKorea", "Seventh Co.", None, "核\nN", None],  # row 8
            ["=ROW()-1", "イラン\nIran", "Eighth Co.", None, "核\nM", None],  # row 9
            ["=ROW()-1", "イラン\nIran", "Ninth Co.", None, None, None],  # row 10
        ]
    )
    result = parse_workbook(path)
    assert result.problems == [
        Problem(3, "B", "unknown country or region 'フランス France'"),
        Problem(4, "C", "the name is empty"),
        Problem(5, "E", "unknown concern code 'X' (expected B, C, M or N)"),
        Problem(6, "A", "number 3 is used twice (first in row 4)"),
        Problem(
            7, "F", "unrecognised conventional-weapons mark 'maybe' (expected 通常兵器 CW or empty)"
        ),
        Problem(8, "B", "unknown country or region 'イラン Korea'"),
        Problem(9, "E", "the concern words say N but the codes say M"),
        Problem(10, "E", "the entry has no concern type and no conventional-weapons mark"),
    ]
    assert str(result.problems[0]) == (
        "row 3, column B: unknown country or region 'フランス France'"
    )


def test_duplicate_numbers_are_reported(make_workbook):
    path = make_workbook(
        [
            [1, "イラン\nIran", "A Co.", None, "核\nN", None],
            [2, "イラン\nIran", "B Co.", None, "核\nN", None],
            [1, "イラン\nIran", "C Co.", None, "核\nN", None],
        ]
    )
    assert parse_workbook(path).problems == [
        Problem(4, "A", "number 1 is used twice (first in row 2)")
    ]


def test_missing_column_is_reported_and_other_rows_still_checked(make_workbook):
    header = [h for h in HEADER if not h.startswith("別名")]
    path = make_workbook(
        [
            ["=ROW()-1", "イラン\nIran", "A Co.", "核\nN", None],
            ["=ROW()-1", "Atlantis", "B Co.", "核\nN", None],
        ],
        header=header,
    )
    assert parse_workbook(path).problems == [
        Problem(1, None, "missing column '別名 / Also Known As'"),
        Problem(3, "B", "unknown country or region 'Atlantis'"),
    ]


def test_reordered_columns_are_read_by_their_header(make_workbook):
    header = [HEADER[2], HEADER[0], HEADER[4], HEADER[1], HEADER[3]]
    path = make_workbook(
        [
            [
                "Pyongyang Public Library\n(平壌市図書館)",
                "=ROW()-1",
                "核\nN",
                "北朝鮮\nNorth Korea",
                "・PPL ",
            ],
        ],
        header=header,
    )
    result = parse_workbook(path)
    assert result.problems == []
    (entry,) = result.entries
    assert (
        entry.number,
        entry.country,
        entry.name,
        entry.local_name,
        entry.aliases,
        entry.concern_codes,
        entry.conventional_weapons,
    ) == (1, "KP", "Pyongyang Public Library", "平壌市図書館", ["PPL"], ["N"], False)


def test_duplicated_column_is_reported(make_workbook):
    path = make_workbook([good_row() + ["x"]], header=HEADER + ["Type of WMD"])
    assert parse_workbook(path).problems == [
        Problem(1, "G", "column '懸念区分 / Type of WMD' appears more than once (columns E, G)")
    ]


def test_sheet_without_the_header_is_reported(make_workbook):
    path = make_workbook([["a", "b", "c"], [1, 2, 3]], header=None, sheet_title="Sheet1")
    result = parse_workbook(path)
    assert result.entries == []
    assert result.problems == [
        Problem(
            None,
            None,
            "no sheet has the End User List header (expected a sheet 'ユーザーリスト' with the "
            "columns No., 国名、地域名 / Country or Region, 企業名、組織名 / Company or Organization, "
            "別名 / Also Known As, 懸念区分 / Type of WMD)",
        )
    ]


def test_header_only_sheet_has_no_entries(make_workbook):
    assert parse_workbook(make_workbook([])).problems == [
        Problem(None, None, "the sheet holds no entries")
    ]


def test_non_xlsx_file_is_refused(tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_text("No.,Country,Name\n1,Iran,Example\n")
    assert parse_workbook(path).problems == [
        Problem(None, None, "the file is not an Excel workbook (.xlsx)")
    ]
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert parse_workbook(other_zip).problems == [
        Problem(None, None, "the file is not an Excel workbook (.xlsx)")
    ]


def test_missing_file_is_reported(tmp_path):
    (problem,) = parse_workbook(tmp_path / "absent.xlsx").problems
    assert problem.row is None
    assert problem.reason.startswith("cannot read the file")


def test_file_over_20_mb_is_refused(tmp_path):
    path = tmp_path / "huge.xlsx"
    with open(path, "wb") as fh:
        fh.truncate(20 * 1024 * 1024 + 1)
    assert parse_workbook(path).problems == [
        Problem(None, None, "the file is 20,971,521 bytes; files over 20 MB are refused")
    ]
    stream = io.BytesIO(b"\0" * (20 * 1024 * 1024 + 1))
    assert parse_workbook(stream).problems == [
        Problem(None, None, "the file is over 20 MB; larger files are refused")
    ]


def test_workbook_expanding_too_far_is_refused(make_workbook, monkeypatch):
    path = make_workbook([good_row()])
    monkeypatch.setattr(meti_eul, "MAX_UNCOMPRESSED_BYTES", 1000)
    (problem,) = parse_workbook(path).problems
    assert problem.row is None
    assert problem.reason.endswith("over 0 MB is refused (possible zip bomb)")


def test_sheet_over_the_row_limit_is_refused(make_workbook, monkeypatch):
    path = make_workbook([good_row(f"Co. {i}") for i in range(30)])
    monkeypatch.setattr(meti_eul, "MAX_ROWS", 5)
    result = parse_workbook(path)
    assert result.problems == [
        Problem(None, None, "sheet 'ユーザーリスト' has 31 rows; more than 5 is refused")
    ]
    assert result.entries == []


def test_row_limit_also_holds_while_reading(make_workbook, monkeypatch):
    # A sheet whose stated dimension is small but which has more rows than the limit.
    path = make_workbook([good_row(f"Co. {i}") for i in range(30)])
    monkeypatch.setattr(meti_eul, "MAX_ROWS", 20)
    monkeypatch.setattr(meti_eul, "HEADER_SEARCH_ROWS", 15)
    result = parse_workbook(path)
    assert result.problems == [
        Problem(22, None, "more than 20 rows; the rest of the sheet was not read")
    ]
    assert result.entries == []


# --- OFAC SDN -------------------------------------------------------------------------------------


def test_ofac_directory_imports_8976_entries(ofac):
    assert ofac.problems == []
    assert len(ofac.entries) == 8976
    assert Counter(e.kind for e in ofac.entries) == {
        "person": 4620,
        "organization": 3673,
        "vessel": 406,
        "aircraft": 277,
    }
    # 11,910 alternate names, two of which repeat another of the same entry.
    assert sum(len(e.aliases) for e in ofac.entries) == 11908
    assert all(e.concern_codes == [] and not e.conventional_weapons for e in ofac.entries)


def test_ofac_entry_with_alias_country_and_details(ofac):
    entries = by_number(ofac)
    bank = entries[306]
    assert (bank.name, bank.kind, bank.country, bank.country_label) == (
        "BANCO NACIONAL DE CUBA",
        "organization",
        "CH",
        "Switzerland",
    )
    assert bank.aliases == ["NATIONAL BANK OF CUBA"]
    assert bank.details["programs"] == ["CUBA"]
    assert bank.details["remarks"] == "a.k.a. 'BNC'."
    assert bank.details["countries"] == ["CH", "ES", "JP", "PA"]
    assert len(bank.details["addresses"]) == 4

    person = entries[1572]
    assert (person.name, person.kind, person.country) == ("NORIEGA, Manuel Antonio", "person", "PA")

    vessel = entries[4234]
    assert (vessel.name, vessel.kind, vessel.country) == ("HERMANN", "vessel", "")
    assert vessel.details["call_sign"] == "CL2685"
    assert vessel.details["vessel_flag"] == "Cuba"


def _write_ofac(directory, sdn, alt="", add=""):
    directory.mkdir()
    (directory / "sdn.csv").write_text(sdn + "\x1a")
    (directory / "alt.csv").write_text(alt)
    (directory / "add.csv").write_text(add)
    return directory


def test_ofac_malformed_files_report_every_problem(tmp_path):
    directory = _write_ofac(
        tmp_path / "sdn",
        sdn=(
            '10,"GOOD CO.",-0- ,"SDGT] [IRGC",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
            '10,"TWIN CO.",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
            'x1,"BAD NUMBER",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
            '12,-0- ,-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
            '13,"SHORT ROW"\n'
        ),
        alt='10,1,"aka","GOOD COMPANY",-0- \n99,2,"aka","ORPHAN",-0- \n',
        add='10,1,-0- ,"Tehran","Iran",-0- \n98,2,-0- ,"Paris","France",-0- \n',
    )
    result = parse_directory(directory)
    assert result.problems == [
        Problem(5, "sdn.csv", "sdn.csv: expected 12 fields, found 2"),
        Problem(2, "sdn.csv:ent_num", "entry number 10 is used twice (first on line 1)"),
        Problem(3, "sdn.csv:ent_num", "the entry number 'x1' is not a number"),
        Problem(4, "sdn.csv:SDN_Name", "the name is empty"),
        Problem(2, "alt.csv:ent_num", "alias of unknown entry '99'"),
        Problem(2, "add.csv:ent_num", "address of unknown entry '98'"),
    ]


def test_ofac_small_directory_parses(tmp_path):
    directory = _write_ofac(
        tmp_path / "sdn",
        sdn='10,"GOOD CO.",-0- ,"SDGT] [IRGC",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
        alt='10,1,"fka","OLD CO.",-0- \n',
        add='10,1,-0- ,"Tehran","Iran",-0- \n',
    )
    result = parse_directory(directory)
    assert result.problems == []
    (entry,) = result.entries
    assert (entry.number, entry.name, entry.kind, entry.country, entry.aliases) == (
        10,
        "GOOD CO.",
        "organization",
        "IR",
        ["OLD CO."],
    )
    assert entry.details["programs"] == ["SDGT", "IRGC"]
    assert entry.details["formerly_known_as"] == ["OLD CO."]


def test_ofac_missing_files_are_reported(tmp_path):
    directory = tmp_path / "empty"
    directory.mkdir()
    assert parse_directory(directory).problems == [
        Problem(None, "sdn.csv", "sdn.csv is missing"),
        Problem(None, "alt.csv", "alt.csv is missing"),
        Problem(None, "add.csv", "add.csv is missing"),
    ]
    assert parse_directory(tmp_path / "absent").problems == [
        Problem(None, None, f"{tmp_path / 'absent'} is not a directory")
    ]


# --- registry -----------------------------------------------------------------------------------


def test_registry_maps_source_codes_to_importers():
    assert set(IMPORTERS) == {"meti-eul", "ofac-sdn"}
    assert get_importer("meti-eul").parse is parse_workbook
    assert get_importer("ofac-sdn").parse is parse_directory
    assert get_importer("meti-eul").advisory is False
    assert get_importer("ofac-sdn").advisory is True
    with pytest.raises(KeyError, match="no importer for list source 'un-1718'"):
        get_importer("un-1718")


def test_real_files_are_where_the_tests_expect_them():
    assert EUL_2025_09.is_file() and EUL_2025_01.is_file() and OFAC_DIR.is_dir()
