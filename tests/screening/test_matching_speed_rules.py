"""The shortcuts that make a search cheaper (issue 15, speed) find exactly what the long way finds.

Each rule is checked against the computation it stands in for, on real names: listed names from
``partners/data`` and the benchmark's variant and ordinary-people sets.

* The brute-force pass compares only the listed forms whose letter counts let ``fuzz.ratio`` reach
  its cutoff (``LetterCounts``): its matches, scores and order are those of rapidfuzz's
  ``process.extract`` over every listed form.
* A listed word's similarity to the query's words skips the pairs too many edits apart
  (``scoring._similar_to``): it equals ``token_similarity`` over every pair.
* ``scoring.may_join`` says no only when ``merged_variants`` (every word left over) joins nothing.
* The score bound covers word joins: it is never below the score, joins included.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from rapidfuzz import fuzz, process

from screening.matching import ListIndex
from screening.matching.bench import scorecard
from screening.matching.index import BRUTE_FORCE_PER_PASS, LetterCounts
from screening.matching.normalise import analyse_query
from screening.matching.phonetics import skeleton
from screening.matching.scoring import (
    PERSON_KINDS,
    _similar_to,
    bound_side,
    may_join,
    merged_variants,
    score_bound,
    score_sides,
    token_similarity,
)

PER_CLASS = 60
NEGATIVES_PER_HALF = 300


@pytest.fixture(scope="module")
def index(lists_index) -> ListIndex:
    return lists_index


@pytest.fixture(scope="module")
def queries(sample_queries) -> list[str]:
    return sample_queries(PER_CLASS, NEGATIVES_PER_HALF, listed=300)


def _extract_everything(index: ListIndex, form) -> list[tuple[int, float]]:
    """What the brute-force pass found before the letter-count bound: extract over all forms."""
    if form.romanised:
        query = " ".join(sorted(skeleton(t) for t in form.tokens))
        choices, cutoff = index.skeletons, 55
    else:
        query, choices, cutoff = " ".join(sorted(form.tokens)), index.texts, 70
    found = process.extract(
        query, choices, scorer=fuzz.ratio, limit=BRUTE_FORCE_PER_PASS, score_cutoff=cutoff
    )
    return [(fid, sc / 100.0) for _, sc, fid in found]


def test_the_brute_force_finds_what_a_full_extract_finds(index, queries):
    checked = romanised = 0
    differ = []
    for q in queries:
        for form in analyse_query(q):
            if not form.tokens:
                continue
            got: dict[int, float] = defaultdict(float)
            index._brute_force(form, got)
            checked += 1
            romanised += form.romanised
            if list(got.items()) != _extract_everything(index, form):
                differ.append(q)
    assert not differ, differ[:10]
    assert checked >= 1500 and romanised >= 50  # both passes (spelling and skeleton) are checked


@pytest.mark.parametrize("max_letters", [LetterCounts.MAX_LETTERS, 6])
def test_no_form_the_cutoff_reaches_is_left_out(index, queries, max_letters):
    """Also with most letters sharing one count (as names in many scripts would)."""
    letters = LetterCounts.of(index.texts, max_letters=max_letters)
    assert (letters.shared is not None) == (max_letters == 6)
    for q in queries[::4]:
        for form in analyse_query(q):
            if not form.tokens or form.romanised:
                continue
            query = " ".join(sorted(form.tokens))
            scores = process.cdist([query], index.texts, scorer=fuzz.ratio)[0]
            reached = {int(f) for f in (scores >= 70).nonzero()[0]}
            assert reached <= set(letters.may_reach(query, 70)), q


def test_the_letter_counts_leave_out_most_forms(index, queries):
    """The bound is worth its cost: most listed forms are never compared."""
    compared = total = 0
    for q in queries[:400]:
        for form in analyse_query(q):
            if form.tokens and not form.romanised:
                compared += len(index._text_letters.may_reach(" ".join(sorted(form.tokens)), 70))
                total += len(index.texts)
    assert compared < 0.1 * total


def test_similar_to_equals_every_pair_compared(index, queries):
    rng = random.Random(3)  # noqa: S311
    vocab = index.vocab.tokens
    checked = 0
    for q in queries[::2]:
        for form in analyse_query(q):
            side = index._query_side(form)
            if not side.tokens:
                continue
            words = set(rng.sample(vocab, 20))
            for fid in index.candidates([form])[:10]:
                words.update(index._form_tokens(fid))
            for romanised in (False, True):
                memo: dict = {}
                for ct in words:
                    sims = [token_similarity(qt, ct, romanised)[0] for qt in side.tokens]
                    bits = sum(1 << i for i, sim in enumerate(sims) if sim > 0.0)
                    want = (max(sims, default=0.0), bits)
                    assert _similar_to(side, ct, romanised, memo) == want, (q, ct, romanised)
                    checked += 1
    assert checked >= 50_000


def test_may_join_says_no_only_when_nothing_joins(index, queries):
    joins = said_no = 0
    for q in queries:
        for form in analyse_query(q):
            qside = index._query_side(form)
            if not qside.tokens:
                continue
            for fid in index.candidates([form])[:15]:
                lside = index._listed_side(fid)
                if not lside.tokens:
                    continue
                qb, lb = bound_side(qside), bound_side(lside)
                q_all, l_all = list(range(len(qside.tokens))), list(range(len(lside.tokens)))
                for side, other, mine, theirs in ((qb, lb, q_all, l_all), (lb, qb, l_all, q_all)):
                    joined = merged_variants(side.side, other.side, mine, theirs)
                    joins += bool(joined)
                    if not may_join(side, other):
                        said_no += 1
                        assert not joined, (q, side.side.tokens, other.side.tokens)
    assert joins >= 100 and said_no >= 10 * joins  # both answers are exercised


def test_the_bound_covers_word_joins(index, queries):
    """Where words might be joined, the bound is still never below the score."""
    joinable = 0
    for q in queries:
        for form in analyse_query(q):
            qside = index._query_side(form)
            if not qside.tokens or qside.kana:
                continue
            qb = bound_side(qside)
            for fid in index.candidates([form])[:15]:
                lside = index._listed_side(fid)
                if not lside.tokens or lside.kana:
                    continue
                lb = bound_side(lside)
                if not (may_join(qb, lb) or may_join(lb, qb)):
                    continue
                joinable += 1
                person = index.names[int(index.form_name[fid])].kind in PERSON_KINDS
                upper = score_bound(qb, lb)
                score = score_sides(qside, lside, listed_person=person).score
                assert upper is not None and upper >= score - 1e-9, (q, lside.tokens)
    assert joinable >= 200


def test_the_bench_times_the_search_production_makes():
    from screening.runs import compute

    assert scorecard.PRODUCTION_LIMIT == compute.SEARCH_LIMIT
    assert ListIndex.alert_threshold == compute.ALERT_THRESHOLD
