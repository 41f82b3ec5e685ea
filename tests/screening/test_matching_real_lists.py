"""The matching engine against the real End User List and the labelled development sets.

Small, fast slices of the benchmark (``python -m screening.matching.bench.scorecard``): each assertion
is a floor the engine meets today, so a regression in normalising, candidates or scoring fails.
"""

from __future__ import annotations

import pytest

from partners.data import DATA_DIR as DATA
from screening.matching import ListedName, ListIndex
from screening.matching.bench import data
from screening.matching.bench.scorecard import best_threshold, f1_at, is_right, norm_text


@pytest.fixture(scope="module")
def eul_rows() -> list[ListedName]:
    assert (DATA / data.EUL_FILE).is_file()
    rows, _ = data.eul_names(DATA / data.EUL_FILE)
    return rows


@pytest.fixture(scope="module")
def eul_index(eul_rows) -> ListIndex:
    return ListIndex.build(eul_rows, version="2025-09-29")


def test_eul_reader_yields_the_835_entries(eul_rows):
    entries = {r.entry_id for r in eul_rows}
    assert len(entries) == 835
    amir = [r for r in eul_rows if r.entry_id == "METI-EUL:45"]
    assert {(r.name, r.name_kind, r.country) for r in amir} == {
        ("Amir Kabir University of Technology", "primary", "IR"),
        ("Amirkabir University of Technology", "alias", "IR"),
    }


def test_every_eul_alias_and_local_name_finds_its_own_entry_first(eul_rows, eul_index):
    queries = [r for r in eul_rows if r.name_kind in ("alias", "local")]
    assert len(queries) > 1000
    misses = [
        r.name
        for r in queries
        if not is_right(
            eul_index.search(r.name, limit=5, min_score=0.0), r.entry_id, norm_text(r.name)
        )
    ]
    assert misses == []


def test_every_eul_primary_name_is_alerted_on_its_entry(eul_rows, eul_index):
    for r in eul_rows:
        if r.name_kind != "primary":
            continue
        hits = eul_index.search(r.name, country=r.country, limit=5)
        assert is_right(hits, r.entry_id, norm_text(r.name)), r.name
        assert hits[0].score >= eul_index.alert_threshold, r.name


def test_variant_spelling_of_a_real_entry(eul_index):
    hit = eul_index.search("Amirkabir Univ. of Technology", country="IR")[0]
    assert hit.entry_id == "METI-EUL:45"
    assert hit.score >= eul_index.alert_threshold
    hit = eul_index.search("中國工程物理研究院")[0]
    assert hit.matched_name == "中国工程物理研究院"


def test_harmless_names_raise_no_eul_alert(eul_index):
    harmless = [
        "Toyota Motor Corporation",
        "Siemens AG",
        "Panasonic Holdings Corporation",
        "Robert Bosch GmbH",
        "Samsung Electronics Co., Ltd.",
        "Tokyo Electron Limited",
        "Keyence Corporation",
        "Kyocera Corporation",
        "Hitachi, Ltd.",
        "Nikon Corporation",
    ]
    alerted = {q: eul_index.search(q, min_score=eul_index.alert_threshold) for q in harmless}
    assert {q: h for q, h in alerted.items() if h} == {}


def test_un_treated_names_find_their_untreated_row():
    plain = data.read_csv("positives_un_untreated.csv")[:150]
    treated = data.read_csv("positives_un_treated.csv")[:150]
    index = ListIndex.build(
        ListedName(f"UN:{i}", r["full_name"], kind="person") for i, r in enumerate(plain)
    )
    right = sum(
        is_right(
            index.search(t["full_name"], limit=5, min_score=0.0),
            f"UN:{i}",
            norm_text(p["full_name"]),
        )
        for i, (t, p) in enumerate(zip(treated, plain, strict=True))
    )
    assert right / len(plain) >= 0.98


def test_synthetic_people_rarely_alert_on_the_eul(eul_index):
    people = [r["full_name"] for r in data.read_csv("negatives_global_dev.csv")[:1000]]
    alerts = [q for q in people if eul_index.search(q, min_score=eul_index.alert_threshold)]
    assert len(alerts) <= 2, alerts


def test_katakana_names_find_their_english_name_in_the_top_five():
    rows = data.read_csv("mof_ja_en_dev.csv")
    index = ListIndex.build(ListedName(r["id"], r["name_en"], kind=r["type"]) for r in rows)
    persons = [r for r in rows if r["type"] == "individual"][:150]
    found = sum(
        any(h.entry_id == r["id"] for h in index.search(r["name_ja"], limit=5, min_score=0.0))
        for r in persons
    )
    assert found / len(persons) >= 0.85


def test_name_bench_f1_at_the_alert_threshold():
    rows = data.read_csv("name_bench_cases.csv")
    index = ListIndex.build(ListedName(str(i), r["name2"]) for i, r in enumerate(rows))
    labels = [r["is_match"] == "true" for r in rows]
    scores = [index.score_name(r["name1"], r["name2"]) for r in rows]
    assert f1_at(scores, labels, index.alert_threshold) >= 0.80
    best_f1, _ = best_threshold(scores, labels)
    assert best_f1 >= f1_at(scores, labels, index.alert_threshold)
