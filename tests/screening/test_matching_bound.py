"""The score bound that lets a search skip candidates (issue 15, speed) never changes a hit.

``ListIndex.search`` skips a candidate whose upper bound (``scoring.score_bound``) cannot reach the
reporting floor nor beat the limit-th best entry so far. Over thousands of real queries (the
benchmark's variant sets and ordinary people's names, both halves) the hits with pruning are the
very hits without it: the same entries, scores, order, matched names and explanations; and the bound
is never below the score it bounds.
"""

from __future__ import annotations

import pytest

from screening.matching import ListIndex
from screening.matching.bench import data
from screening.matching.normalise import analyse_query
from screening.matching.scoring import PERSON_KINDS, bound_side, score_bound, score_sides

PER_CLASS = 250
NEGATIVES_PER_HALF = 600


@pytest.fixture(scope="module")
def queries(sample_queries) -> list[str]:
    return sample_queries(PER_CLASS, NEGATIVES_PER_HALF)


def _hits(index: ListIndex, query: str, prune: bool, **kw) -> list[tuple]:
    return [
        (h.entry_id, h.score, h.matched_name, h.explanation)
        for h in index.search(query, prune=prune, **kw)
    ]


def test_the_sample_covers_every_class_and_both_halves(eul_rows, queries):
    sets = data.variant_sets(eul_rows)
    assert all(len(rows) >= 50 for rows in sets.values())
    assert len(queries) >= 3000
    halves = {half for rows in sets.values() for *_, half in rows}
    assert halves == {"tuning", "held_out"}


@pytest.mark.parametrize(
    "search_args",
    [
        {"limit": 3, "min_score": 0.0, "kind": "organization"},  # how the variants are scored
        {"limit": 1, "min_score": 0.78, "kind": "person"},  # how false alerts are counted
        {"limit": 10},  # the search's defaults (reporting floor 0.5)
        {"limit": 5, "min_score": 0.5, "country": "IR"},  # a country that may raise a score
    ],
)
def test_pruning_returns_the_same_hits(lists_index, queries, search_args):
    args = search_args
    differ = [
        q
        for q in queries
        if _hits(lists_index, q, True, **args) != _hits(lists_index, q, False, **args)
    ]
    assert not differ, differ[:10]


def test_pruning_returns_the_same_hits_on_the_end_user_list(eul_index, queries):
    differ = [q for q in queries if _hits(eul_index, q, True) != _hits(eul_index, q, False)]
    assert not differ, differ[:10]


def test_the_bound_is_never_below_the_score(lists_index, queries):
    checked = skipped = 0
    for q in queries[::3]:
        forms = analyse_query(q)
        for fid in lists_index._scored_candidates(forms):
            lside = lists_index._listed_side(fid)
            person = lists_index.names[int(lists_index.form_name[fid])].kind in PERSON_KINDS
            for form in forms:
                qside = lists_index._query_side(form)
                if not qside.tokens or not lside.tokens:
                    continue
                upper = score_bound(bound_side(qside), bound_side(lside))
                if upper is None:
                    skipped += 1
                    continue
                checked += 1
                score = score_sides(qside, lside, listed_person=person).score
                assert upper >= score - 1e-9, (q, lside.tokens, upper, score)
    assert checked > 2 * skipped  # the bound covers most candidates
