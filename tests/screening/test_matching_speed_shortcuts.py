"""More shortcuts of a search (issue 15, speed), each checked against what it stands in for.

* A list kept whole finds a form by its words written together in a dict
  (``ListIndex._compact_fids``): the forms the hashed exact key finds, collisions ruled out.
* A query form's sides are remembered per spelling (``ListIndex._query_sides``): they equal the
  side and the bound side computed afresh.
* The candidates' pre-scores are added a batch at a time (``index._add_in_turn``): the same sums
  and the same order of the forms as adding them one by one.
* A query side's memo (``scoring._words_bound``) keeps what it computed for one candidate for the
  next: the bound equals the one computed with a fresh memo.
* The whole-name comparison of the bound (``scoring._glued_bound``) skips names whose lengths are
  too far apart: it equals the comparison itself.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from rapidfuzz.distance import Levenshtein

from screening.matching.index import _add_in_turn
from screening.matching.normalise import analyse_query, token_class
from screening.matching.scoring import (
    CLASS_FACTOR,
    ScoredSide,
    _glued_bound,
    _words_bound,
    bound_side,
)

PER_CLASS = 40
NEGATIVES_PER_HALF = 200


@pytest.fixture(scope="module")
def queries(sample_queries) -> list[str]:
    return sample_queries(PER_CLASS, NEGATIVES_PER_HALF, listed=200)


def test_the_compact_dict_finds_what_the_hashed_key_finds(eul_index, queries):
    index = eul_index
    assert index._sides is not None  # a list kept whole: the dict is asked
    keys = {"".join(index._form_tokens(fid)) for fid in range(len(index.form_name))}
    keys |= {form.compact for q in queries for form in analyse_query(q)}
    found = 0
    for key in keys:
        hashed = [
            fid
            for fid in index.compact.get(key).tolist()
            if "".join(index._form_tokens(fid)) == key
        ]
        assert list(index._compact_fids(key)) == hashed, key
        found += bool(hashed)
    assert found >= 2000 and len(keys) - found >= 200  # both answers are asked


def test_remembered_query_sides_equal_fresh_ones(eul_index, queries):
    index = eul_index
    checked = 0
    for q in queries + queries[::7]:  # some asked twice: remembered
        for form in analyse_query(q):
            side, bound = index._query_sides(form)
            weights = tuple(
                index.vocab.idf_of(t) * CLASS_FACTOR[token_class(t)] for t in form.tokens
            )
            fresh = ScoredSide(form.tokens, weights, form.romanised, form.kana, form.syllabic)
            assert side == fresh, q
            assert bound == (bound_side(fresh) if fresh.tokens else None), q
            checked += 1
    assert checked >= 1000


def test_adding_in_turn_equals_adding_one_by_one():
    rng = random.Random(5)  # noqa: S311
    for _ in range(2000):
        before = [(rng.randrange(60), rng.random() * 3) for _ in range(rng.randrange(8))]
        fids = rng.sample(range(60), rng.randrange(30))
        values = [rng.random() for _ in fids]
        one: dict[int, float] = defaultdict(float)
        batch: dict[int, float] = defaultdict(float)
        for fid, v in before:
            one[fid] += v
            batch[fid] += v
        for fid, v in zip(fids, values, strict=True):
            one[fid] += v
        _add_in_turn(batch, fids, values)
        assert list(batch.items()) == list(one.items())  # same sums, same order


def test_a_kept_memo_gives_the_bound_a_fresh_one_gives(eul_index, queries):
    index = eul_index
    checked = 0
    for q in queries:
        for form in analyse_query(q):
            qside = index._query_side(form)
            if not qside.tokens or qside.kana:
                continue
            memo: dict = {}
            for fid in index.candidates([form])[:20]:
                lside = index._listed_side(fid)
                if not lside.tokens or lside.kana:
                    continue
                romanised = qside.romanised or lside.romanised
                total = sum(lside.weights)
                kept = _words_bound(qside, lside, total, romanised, memo)
                assert kept == _words_bound(qside, lside, total, romanised, {}), q
                checked += 1
    assert checked >= 3000


def test_the_glued_bound_equals_the_whole_name_comparison(eul_index, queries):
    index = eul_index
    texts = ["".join(index._form_tokens(fid)) for fid in range(len(index.form_name))]
    rng = random.Random(9)  # noqa: S311
    skipped = reached = 0
    for q in queries:
        for form in analyse_query(q):
            glued = form.compact
            others = rng.sample(texts, 30) + [glued, glued[:-1], glued + "x", glued[1:]]
            for other in others:
                want = Levenshtein.normalized_similarity(glued, other, score_cutoff=0.9)
                assert _glued_bound(2, 1, glued, other) == want, (glued, other)
                skipped += 10 * abs(len(glued) - len(other)) > max(len(glued), len(other))
                reached += want > 0.0
    assert skipped >= 10_000 and reached >= 500  # the skip and the comparison both answer
