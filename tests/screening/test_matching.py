"""The name-matching engine on real list names (no Django needed)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from screening.matching import ListedName, ListIndex, analyse_name

EUL = "METI-EUL"


def eul_row(number: int, name: str, *, aliases=(), local=None, country=None, codes=()):
    eid = f"{EUL}:{number}"
    common = dict(country=country, kind="organization", source=EUL, concern_codes=tuple(codes))
    rows = [ListedName(eid, name, name_kind="primary", **common)]
    rows += [ListedName(eid, a, name_kind="alias", **common) for a in aliases]
    if local:
        rows.append(ListedName(eid, local, name_kind="local", **common))
    return rows


@pytest.fixture(scope="module")
def index() -> ListIndex:
    """Rows as they stand in the End User List of 2025-09-29 (domain.md §11)."""
    rows = (
        eul_row(
            45,
            "Amir Kabir University of Technology",
            aliases=["Amirkabir University of Technology"],
            country="IR",
            codes="BCMN",
        )
        + eul_row(
            40,
            "Aerospace Industries Organization (AIO)",
            aliases=["Sazemane Sanaye Hava Faza"],
            country="IR",
            codes="M",
        )
        + eul_row(
            519,
            "Chinese Academy of Engineering Physics",
            local="中国工程物理研究院",
            aliases=["Ninth Academy"],
            country="CN",
            codes="N",
        )
        + eul_row(541, "Harbin Institute of Technology (HIT)", country="CN", codes="M")
        + eul_row(
            806,
            "Rosoboronexport OJSC (ROE)",
            aliases=["ROSOBORONEXPORT JSC"],
            country="RU",
            codes="M",
        )
        + eul_row(
            705,
            "ADVANTAGE TRADING CO., LIMITED",
            aliases=["Jin Ying Trading Co., Ltd."],
            country="HK",
            codes="M",
        )
        + eul_row(727, "Best Electronics S.A.L", country="LB", codes="BCM")
        + eul_row(414, "Pyongyang Public Library", local="平壌市図書館", country="KP")
        + eul_row(39, "Advanced Technologies Company of Iran", aliases=["IATC"], country="IR")
        + eul_row(5, "Delta Engineering Concern FZE (DEC)", country="AE", codes="N")
        + [
            ListedName(
                "MOF:1",
                "トソン・テクノロジー・トレーディング・コーポレーション",
                kind="organization",
                source="MOF",
                name_kind="local",
            )
        ]
    )
    return ListIndex.build(rows, version="2025-09-29")


def top(index: ListIndex, query: str, **kw):
    hits = index.search(query, **kw)
    assert hits, f"no hit for {query!r}"
    return hits[0]


def test_exact_spelling_is_alerted_but_not_a_perfect_one(index):
    hit = top(index, "Amir Kabir University of Technology", country="IR")
    assert hit.entry_id == "METI-EUL:45"
    assert hit.matched_name == "Amir Kabir University of Technology"
    assert index.alert_threshold <= hit.score < 1.0


def test_variant_spelling_and_abbreviations_find_the_entry(index):
    hit = top(index, "Amirkabir Univ. of Technology", country="IR")
    assert hit.entry_id == "METI-EUL:45"
    assert hit.score >= index.alert_threshold
    assert hit.explanation["query_normalised"] == "amirkabir university technology"
    hit = top(index, "Amir-Kabir Univ. of Tech.")
    assert hit.entry_id == "METI-EUL:45"
    assert hit.score >= index.alert_threshold


def test_one_hit_per_entry_with_its_best_name(index):
    hits = index.search("Amirkabir University of Technology", limit=10)
    assert [h.entry_id for h in hits].count("METI-EUL:45") == 1
    assert hits[0].matched_name == "Amirkabir University of Technology"
    assert hits[0].explanation["name_kind"] == "alias"


@pytest.mark.parametrize(
    "query",
    ["中国工程物理研究院", "中國工程物理研究院", "中國工程物理硏究院"],
    ids=["simplified", "traditional", "japanese-variant"],
)
def test_local_script_query_hits_the_entry(index, query):
    hit = top(index, query)
    assert hit.entry_id == "METI-EUL:519"
    assert hit.matched_name == "中国工程物理研究院"
    assert hit.score >= index.alert_threshold
    assert hit.explanation[
        "listed_cjk" if hit.explanation["method"] == "cjk_bigrams" else "listed_normalised"
    ]


def test_japanese_shinjitai_finds_a_korean_local_name(index):
    hit = top(index, "平壤市图书馆")  # simplified Chinese form of 平壌市図書館
    assert hit.entry_id == "METI-EUL:414"
    assert hit.score >= index.alert_threshold


def test_katakana_query_finds_its_romanised_counterpart():
    index = ListIndex.build(
        [
            ListedName("MOF:7", "TOSONG TECHNOLOGY TRADING CORPORATION", kind="organization"),
            ListedName("MOF:8", "Milosevic Borislav", kind="person"),
            ListedName("MOF:9", "Korea Tangun Trading Corporation", kind="organization"),
        ]
    )
    hit = top(index, "トソン・テクノロジー・トレーディング・コーポレーション", min_score=0.0)
    assert hit.entry_id == "MOF:7"
    assert hit.explanation["query_reading"] == "romanised from Japanese"
    hit = top(index, "ミロシェヴィッチ・ボリスラフ", min_score=0.0)
    assert hit.entry_id == "MOF:8"


@pytest.mark.parametrize(
    "query",
    [
        "Toyota Motor Corporation",
        "Siemens AG",
        "Sony Group Corporation",
        "Mitsubishi Heavy Industries, Ltd.",
        "University of Tokyo",
    ],
)
def test_unrelated_harmless_names_stay_under_the_threshold(index, query):
    assert index.search(query, min_score=index.alert_threshold) == []


def test_legal_form_only_differences_still_match(index):
    for query in (
        "Rosoboronexport",
        "Rosoboronexport JSC",
        "ROSOBORONEXPORT OJSC",
        "Rosoboronexport Open Joint Stock Company",
    ):
        hit = top(index, query)
        assert hit.entry_id == "METI-EUL:806", query
        assert hit.score >= index.alert_threshold, query
    hit = top(index, "Best Electronics SAL")
    assert hit.entry_id == "METI-EUL:727"
    assert hit.explanation["qualifiers"]["legal_form"] == "compatible (sal / sal)"


def test_contradicting_legal_form_costs_a_little(index):
    same = top(index, "Best Electronics S.A.L.").score
    other = top(index, "Best Electronics GmbH").score
    assert other < same
    assert top(index, "Best Electronics GmbH").explanation["qualifiers"]["legal_form"] == (
        "contradicts (gmbh vs sal)"
    )
    assert other >= index.alert_threshold  # still raised: the name is the same


def test_country_is_a_qualifier_not_a_filter(index):
    agree = top(index, "Harbin Institute of Technology", country="CN")
    differ = top(index, "Harbin Institute of Technology", country="US")
    assert agree.entry_id == differ.entry_id == "METI-EUL:541"
    assert agree.score > differ.score
    assert agree.explanation["qualifiers"]["country"] == "agrees (CN)"
    assert differ.explanation["qualifiers"]["country"] == "differs (US vs CN)"


def test_parenthesised_acronym_is_its_own_form(index):
    forms = analyse_name("Aerospace Industries Organization (AIO)")
    assert [(f.variant, f.tokens) for f in forms] == [
        ("full", ("aerospace", "industries", "organization")),
        ("acronym", ("aio",)),
    ]
    hit = top(index, "AIO")
    assert hit.entry_id == "METI-EUL:40"
    assert hit.explanation["form"] == "acronym"
    assert "acronym" in hit.explanation["qualifiers"]
    assert top(index, "Aerospace Industries Organisation").entry_id == "METI-EUL:40"


def test_legal_forms_are_a_feature_not_tokens():
    cases = {
        "Goldman Sachs & Co. L.L.C.": (("goldman", "sachs"), "llc"),
        "ООО Ромашка": (("romashka",), "llc"),
        "Delta Engineering Concern FZE": (("delta", "engineering", "concern"), "fze"),
        "SiemensAG": (("siemens",), "ag"),
        "Kabushiki Kaisha Toshiba": (("toshiba",), "kk"),
        "UEC (Pvt.) Ltd.": (("uec",), "ltd"),
    }
    for raw, (tokens, legal) in cases.items():
        form = analyse_name(raw)[0]
        assert (form.tokens, form.legal_form) == (tokens, legal), raw
    cjk = analyse_name("优势贸易有限公司")[0]
    assert (cjk.cjk, cjk.legal_form) == ("优势贸易", "ltd")


def test_explanation_lists_every_token_pair_and_leftover(index):
    hit = top(index, "Advantage Trading Company Hong Kong", country="HK")
    ex = hit.explanation
    assert ex["entry_id"] == "METI-EUL:705"
    assert ex["list_version"] == "2025-09-29"
    assert ex["source"] == EUL
    assert ex["matched_name"] == "ADVANTAGE TRADING CO., LIMITED"
    assert ex["listed_normalised"] == "advantage trading"
    # "Company" is a legal form wherever it stands: read as the party's legal form, not a word.
    assert ex["query_normalised"] == "advantage trading hong kong"
    assert ex["query_legal_form"] == "co"
    assert [(p["query"], p["listed"], p["method"]) for p in ex["pairs"]] == [
        ("advantage", "advantage", "exact"),
        ("trading", "trading", "exact"),
    ]
    assert [u["token"] for u in ex["unmatched_query"]] == ["hong", "kong"]
    assert ex["unmatched_listed"] == []
    assert ex["band"] in {"strong", "alert", "possible", "weak"}
    assert sum(p["contribution"] for p in ex["pairs"]) + sum(
        u["cost"] for u in ex["unmatched_query"]
    ) == pytest.approx(1.0, abs=0.01)


def test_typo_is_explained_as_an_edit(index):
    hit = top(index, "Rosoboronexprot")
    assert hit.entry_id == "METI-EUL:806"
    pair = hit.explanation["pairs"][0]
    assert (pair["query"], pair["listed"], pair["method"]) == (
        "rosoboronexprot",
        "rosoboronexport",
        "edit",
    )
    assert 0.8 < pair["similarity"] < 1.0


def test_index_pickles_and_searches_the_same(index):
    clone = pickle.loads(pickle.dumps(index))
    for query in ("Amirkabir Univ. of Technology", "中國工程物理研究院", "Siemens AG"):
        assert [(h.entry_id, h.score) for h in clone.search(query)] == [
            (h.entry_id, h.score) for h in index.search(query)
        ]


def test_module_imports_without_django_settings():
    import subprocess
    import sys

    code = "import screening.matching, sys; print('django' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert out.stdout.strip() == "False"
