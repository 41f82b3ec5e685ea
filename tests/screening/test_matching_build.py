"""Building the index fast changes nothing it holds (issue 15: a million names in 30 s).

* A plain name (ASCII, no parentheses, brackets or slash) is read by ``normalise._plain_form``,
  the general path with the steps that cannot apply skipped: on every real list name, every
  variant query and ordinary people's names it gives exactly what the general path gives.
* Worker processes send a chunk's forms back as flat arrays; the index is the same as one built
  here, and each indexed form is the analysed form of its name.
* The column storage and the vocabulary's document frequencies keep their meaning.
"""

from collections import Counter

import numpy as np
import pytest

from screening.matching import ListIndex, normalise
from screening.matching import index as index_module
from screening.matching.bench import data
from screening.matching.index import VARIANTS, ListedName
from screening.matching.storage import Categorical, NameTable, StringColumn

#: Names whose reading turns on a step the plain path shortcuts (or on its refusal to take them).
EDGE_NAMES = [
    "A.B.CD Trading",  # dotted letters glued to a word: the flat text reads "ab cd" apart
    "U.S.A. Trading",
    "a.'b.c ltd",  # an apostrophe that, once dropped, makes a dotted abbreviation
    "Smith & Sons Ltd",
    "O'Neil's Holdings",
    'The "Star" Company',
    "1st Bank of Trade",
    "21st Century Fox Inc.",
    "Dr. Ivan Ivanov",
    "Mr Mr",
    "SiemensAG",
    "Volkswagen Aktiengeselschaft",
    "Global Corporatoin Limitde",
    "Co Ltd",
    "Ltd",
    "The",
    "Sergey Sergey Shoigu",
    "Abu Abu Bakr",
    "The Bank of Trade and",
    "Nova Trading Co., Ltd.",
    "LTD TRADE CO",
    "Company Aviadvigatel Joint Stock",
    "TOP SARL TECHNOLOGIES",
    "Region AO GNPP",
    "AL-NOOR Est.",
    "forty four Holdings",
    "Louis XIV Trading",
    "Intl. Univ. of Tech.",
    "  John\t  SMITH \n",
    "J. R. R. Tolkien",
    "A B C Company",
    "",
    "   ",
    "-",
    "...",
]


@pytest.fixture(scope="module")
def ofac_rows() -> list[ListedName]:
    rows, _ = data.ofac_names()
    return rows


@pytest.fixture(scope="module")
def real_names(eul_rows, ofac_rows) -> list[str]:
    """Every name of the real lists in the repository, the variant queries made from them, and
    ordinary people's names."""
    ofac = ofac_rows
    un = [r["full_name"] for r in data.read_csv("positives_un_untreated.csv")]
    un += [r["full_name"] for r in data.read_csv("positives_un_treated.csv")]
    variants = [q for rows in data.variant_sets(eul_rows).values() for q, *_ in rows]
    negatives = data.negative_names()
    names = [ln.name for ln in eul_rows + ofac] + un + variants
    names += negatives["tuning"] + negatives["held_out"]
    return list(dict.fromkeys(names))


def test_a_plain_name_reads_as_the_general_path_reads_it(real_names, eul_rows, ofac_rows):
    # The large benchmark's names too: real words in new orders, with and without legal forms.
    # Listed, a name is read as written; searched, as its flat text (``analyse_query``).
    synthetic = [ln.name for ln in data.synthetic_names(eul_rows + ofac_rows, 20_000)]
    names = real_names + synthetic + EDGE_NAMES
    plain = plain_query = 0
    differ = []
    for name in names:
        plain += normalise._plain_forms(name) is not None
        if normalise.analyse_listed(name) != normalise._analyse_listed(name):
            differ.append(("listed", name))
        flat = normalise.flatten(name)
        plain_query += normalise._plain_forms(flat) is not None
        if normalise.analyse_query(name) != normalise._analyse_flat(flat):
            differ.append(("query", name))
    assert differ == []
    # The fast path is the one most names take.
    assert plain >= 0.8 * len(names) and plain_query >= 0.8 * len(names)


def test_a_name_whose_flat_text_reads_otherwise_takes_the_general_path():
    # "A.B.CD": the dots glue "abcd"; typed flat, "a b cd" gives another form too.
    assert normalise._plain_forms("A.B.CD Trading") is None
    forms = normalise.analyse_listed("A.B.CD Trading")
    assert len(forms) == 2 and forms == normalise._analyse_listed("A.B.CD Trading")
    for name in ("Aerospace Industries Organization (AIO)", "Valery(Valeriy/Valerii) MEDVEDEV"):
        assert normalise._plain_forms(name) is None
    assert normalise._plain_forms("Закрытое акционерное общество") is None


def test_the_plain_path_memos_give_what_the_steps_give(real_names):
    words = Counter()
    for name in real_names[:5000] + EDGE_NAMES:
        for form in normalise._analyse_listed(name):
            words.update(form.tokens)
    words.update(["siemensag", "aktiengeselschaft", "corporatoin", "gmbh", "fooltd", "xag"])
    for word in words:
        for tokens in ([word], ["x", word]):
            tail = normalise._unglued_tail(word, len(tokens) > 1)
            assert (tokens[:-1] + list(tail) if tail else tokens) == normalise._unglue_legal_form(
                list(tokens)
            ), tokens
    # Cold or warm, the memos read a name the same way.
    sample = real_names[:3000] + EDGE_NAMES
    warm = [normalise.analyse_listed(n) for n in sample]
    normalise._unglued_tail.cache_clear()
    normalise._legal_word.cache_clear()
    assert [normalise.analyse_listed(n) for n in sample] == warm


def _index_forms(index: ListIndex, fid: int) -> tuple:
    return (
        index._form_tokens(fid),
        VARIANTS[index.form_variant[fid]],
        index.form_legal[fid],
        index.cjk.get(fid, ""),
        bool(index.form_romanised[fid]),
        bool(index.form_kana[fid]),
    )


def test_each_indexed_form_is_an_analysed_form_of_its_name(eul_index, eul_rows):
    expected = [
        (ni, (f.tokens, f.variant, f.legal_form, f.cjk, f.romanised, f.kana))
        for ni, ln in enumerate(eul_rows)
        for f in normalise.analyse_listed(ln.name)
    ]
    assert len(eul_index.form_name) == len(expected)
    got = [
        (int(eul_index.form_name[fid]), _index_forms(eul_index, fid))
        for fid in range(len(eul_index.form_name))
    ]
    assert got == expected
    # The exact-key lookup finds every form under its joined words.
    for fid, (_, (tokens, *_)) in enumerate(expected):
        if tokens:
            assert fid in eul_index.compact.get("".join(tokens)).tolist()


def test_worker_processes_build_the_index_built_here(eul_rows, monkeypatch):
    listed = eul_rows[:3000]
    here = ListIndex.build(listed, brute_force_limit=0, workers=1)
    monkeypatch.setattr(index_module, "PARALLEL_BUILD_MIN", 1)
    monkeypatch.setattr(index_module, "ANALYSE_CHUNK", 700)
    shared = ListIndex.build(listed, brute_force_limit=0, workers=2)
    for name in (
        "form_name",
        "form_variant",
        "form_romanised",
        "form_kana",
        "form_weight",
        "tok_offsets",
        "tok_ids",
        "post_offsets",
        "post_forms",
    ):
        assert np.array_equal(getattr(here, name), getattr(shared, name)), name
    assert np.array_equal(here.form_legal.codes, shared.form_legal.codes)
    assert here.form_legal.values == shared.form_legal.values
    assert np.array_equal(here.compact.hashes, shared.compact.hashes)
    assert np.array_equal(here.compact.fids, shared.compact.fids)
    assert here.vocab.tokens == shared.vocab.tokens
    assert list(here.cjk.items()) == list(shared.cjk.items()) and here.cjk
    assert here.cjk_bigrams == shared.cjk_bigrams


def test_a_small_list_built_by_workers_keeps_its_forms(eul_rows, monkeypatch):
    listed = eul_rows[:500]
    monkeypatch.setattr(index_module, "PARALLEL_BUILD_MIN", 1)
    monkeypatch.setattr(index_module, "ANALYSE_CHUNK", 200)
    index = ListIndex.build(listed, workers=2)
    assert index._name_forms == [tuple(normalise.analyse_listed(ln.name)) for ln in listed]


def test_document_frequency_counts_each_form_once(eul_index):
    df: Counter = Counter()
    offsets, ids = eul_index.tok_offsets, eul_index.tok_ids
    for fid in range(len(eul_index.form_name)):
        df.update(set(ids[offsets[fid] : offsets[fid + 1]].tolist()))
    assert eul_index.vocab.df.tolist() == [df[t] for t in range(len(eul_index.vocab.tokens))]


def test_a_name_table_holds_every_name_as_given(eul_rows):
    table = NameTable.of(eul_rows, ListedName)
    assert list(table) == eul_rows
    countries = table.column("country")
    assert countries.values == list(dict.fromkeys(ln.country for ln in eul_rows))
    assert StringColumn.of(["", "ü", "中国", "x"])[1:] == ["ü", "中国", "x"]
    cat = Categorical.of(iter(["b", None, "b", "a", None]))
    assert cat.values == ["b", None, "a"] and cat.codes.tolist() == [0, 1, 0, 2, 1]
    assert cat.codes.dtype == np.int16
    assert len(Categorical.of([])) == 0 and len(StringColumn.of([])) == 0
