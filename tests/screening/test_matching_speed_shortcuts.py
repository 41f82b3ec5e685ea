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
* A small list sums the pre-scores of few postings in plain Python (``ListIndex._add_few``): the
  sums and order of the forms that numpy's ``bincount`` gives.
* A list kept whole reads a form's words from its side (``ListIndex._form_tokens``).
* ``scoring._similar_to`` gives a word compared with itself 1.0 without comparing: the best
  ``token_similarity`` over the query's words, as comparing each pair gives.
* A search does not score in full a form whose bound cannot beat its entry's best score so far
  (``ListIndex.search``): the hits are those of the search that scores every candidate, and
  fewer forms are scored than the floor alone would spare.
* The bound finds the words it may join (``scoring.join_variants``) from a side's first letters
  and lengths as bits, then from joins kept per side: the variants ``merged_variants`` makes with
  every word left over, both ways.
* ``scoring.score_bound`` (each listed side's words with their facts kept, a query variant's memo
  kept across candidates, one pair summed without the loop, the whole-name comparison asked only
  under the floor) equals the bound computed plainly from ``token_similarity``,
  ``merged_variants`` and the whole-name comparison.
* ``scoring.align``, given the bound's memo of its query side, compares only the words that
  memo says pair: the alignment and the score of comparing every pair.
* ``LetterCounts.may_reach`` sums the shared letters in bytes when no string of the length window
  is longer than a byte holds, and tests them against lengths scaled once per cutoff: the strings
  whose letter counts reach the cutoff, counted in whole numbers.
* ``ListIndex._scored_candidates`` stops right after the tenth candidate when the eleventh is
  under the share of the best: the candidates the rule gives over the whole ranking.
* A list whose rare-word cap is above its number of forms uses every word without testing each:
  no word is in more forms than the list has.
* Under ``enough`` (what ``ListIndex.search`` drops whatever the bound), ``scoring.score_bound``
  may stop comparing a listed name's words (the heaviest first) once those left cannot lift the
  bound to ``enough``: it gives an upper bound at least the bound's own and under ``enough``, or
  the bound itself, and None exactly when the bound does.
* What an index keeps for good (each word's lookup, a listed side's joins) is kept as tuples of
  strings and numbers, which the garbage collector stops tracking.
"""

from __future__ import annotations

import gc
import random
from collections import Counter, defaultdict

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from screening.matching import ListIndex
from screening.matching import index as index_module
from screening.matching.bench import data
from screening.matching.index import (
    BOUND_MARGIN,
    MAX_CANDIDATES,
    MAX_SCORED,
    MIN_PRE_SHARE,
    LetterCounts,
    _add_in_turn,
)
from screening.matching.normalise import analyse_query, token_class
from screening.matching.phonetics import skeleton
from screening.matching.scoring import (
    CLASS_FACTOR,
    JOINED_FACTOR,
    UNMATCHED_LISTED_COST,
    UNMATCHED_QUERY_COST,
    ScoredSide,
    _glued_bound,
    _similar_to,
    _words_bound,
    align,
    bound_side,
    join_variants,
    merged_variants,
    score_bound,
    score_sides,
    token_similarity,
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


#: The search production screening makes for a party's name, and the one the variants are
#: scored with (every hit kept).
ENTRY_FLOOR_SEARCHES = [
    {"limit": 10, "min_score": 0.78},
    {"limit": 3, "min_score": 0.0, "kind": "organization"},
]


def _hits(index, query: str, prune: bool, **kw) -> list[tuple]:
    return [
        (h.entry_id, h.score, h.matched_name, h.explanation)
        for h in index.search(query, prune=prune, **kw)
    ]


@pytest.mark.parametrize("search_args", ENTRY_FLOOR_SEARCHES)
def test_the_entry_floor_keeps_the_hits(eul_index, lists_index, queries, search_args):
    for index in (eul_index, lists_index):
        differ = [
            q
            for q in queries
            if _hits(index, q, True, **search_args) != _hits(index, q, False, **search_args)
        ]
        assert not differ, differ[:10]


def test_the_entry_floor_spares_full_scorings(eul_index, queries, monkeypatch):
    """Fewer forms are scored in full than those whose bound reaches the reporting floor (all
    the floor alone spares, the limit-th best entry aside): the forms of an entry that already
    scored higher are not."""
    index = eul_index
    min_score = 0.78
    reach_floor = 0
    for q in queries:
        forms = analyse_query(q)
        for fid in index._scored_candidates(forms):
            lbound = index._bounds[fid]
            for form in forms:
                _, qbound = index._query_sides(form)
                if qbound is None or not lbound.side.tokens:
                    continue
                upper = score_bound(qbound, lbound)
                cjk = index._cjk_similarity(form, fid) if form.cjk else 0.0
                reach_floor += upper is None or max(upper, cjk) + BOUND_MARGIN >= min_score
    scored = 0
    real = index_module.score_sides

    def counted(*args, **kwargs):
        nonlocal scored
        scored += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(index_module, "score_sides", counted)
    for q in queries:
        index.search(q, limit=10, min_score=min_score)
    assert scored <= 0.8 * reach_floor, (scored, reach_floor)  # without it: 0.87


def _add_by_bincount(index, scores: dict, usable: list[tuple[int, float]], total: float) -> None:
    """The pre-scores of a small list as numpy sums them (the way ``_add_few`` stands in for)."""
    offsets = index.post_offsets
    chunks, shares = [], []
    for tid, sim in usable:
        chunks.append(index.post_forms[offsets[tid] : offsets[tid + 1]])
        shares.append(sim * index.vocab.weight[tid] / total)
    ids = np.concatenate(chunks)
    if len(ids):
        weights = np.repeat(shares, [len(c) for c in chunks])
        n_forms = len(index.form_name)
        uniq = np.flatnonzero(np.bincount(ids, minlength=n_forms))
        acc = np.bincount(ids, weights=weights, minlength=n_forms)[uniq]
        if len(uniq) > MAX_CANDIDATES:
            top = np.argpartition(-acc, MAX_CANDIDATES)[:MAX_CANDIDATES]
            uniq, acc = uniq[top], acc[top]
        _add_in_turn(scores, uniq.tolist(), acc.tolist())


def test_few_postings_sum_as_numpy_sums_them(eul_index, queries):
    index = eul_index
    few = many = 0
    for q in queries:
        for form in analyse_query(q):
            if not form.tokens:
                continue
            qside = index._query_side(form)
            total = sum(qside.weights) or 1.0
            usable = [e for t in form.tokens for e in index._lookup(t, form.romanised)]
            if not usable:
                continue
            # A pre-score already there (an exact key, another form) is added to in place.
            start = {int(index.post_forms[0]): 3.0}
            got, want = defaultdict(float, start), defaultdict(float, start)
            if index._add_few(got, usable, total):
                few += 1
            else:
                many += 1
                _add_by_bincount(index, got, usable, total)  # the large case is numpy's anyway
            _add_by_bincount(index, want, usable, total)
            assert list(got.items()) == list(want.items()), q
    assert few >= 500 and many >= 100, (few, many)  # both answers are asked


def test_a_kept_memo_tells_a_romanised_listed_name_from_a_plain_one(eul_index, queries):
    """One query side's memo serves listed names read from another script (compared by skeleton
    too) and plain ones: a word's similarities under one reading are not reused under the other."""
    index = eul_index
    listed = {t for fid in range(len(index.form_name)) for t in index._form_tokens(fid)}
    checked = 0
    for q in queries:
        for form in analyse_query(q):
            qside = index._query_side(form)
            if not qside.tokens or qside.romanised or qside.kana:
                continue
            differ = [
                ct
                for ct in listed
                if _words_bound(qside, ScoredSide((ct,), (1.0,)), 1.0, False, {})
                != _words_bound(qside, ScoredSide((ct,), (1.0,), True), 1.0, True, {})
            ]
            memo: dict = {}
            for ct in differ[:3]:
                plain = ScoredSide((ct,), (1.0,))
                read = ScoredSide((ct,), (1.0,), romanised=True)
                for lside, romanised in ((plain, False), (read, True), (plain, False)):
                    kept = _words_bound(qside, lside, 1.0, romanised, memo)
                    assert kept == _words_bound(qside, lside, 1.0, romanised, {}), (q, ct)
                checked += 1
        if checked >= 50:
            break
    assert checked >= 50


def test_a_kept_side_holds_the_words_of_its_form(eul_index):
    """A list kept whole reads a form's words from its side (``ListIndex._form_tokens``): the
    words its token ids spell."""
    index = eul_index
    assert index._sides is not None
    words = index.vocab.tokens
    for fid in range(len(index.form_name)):
        ids = index.tok_ids[index.tok_offsets[fid] : index.tok_offsets[fid + 1]]
        assert index._form_tokens(fid) == tuple(words[t] for t in ids), fid


def test_similar_to_is_the_best_token_similarity(eul_index, queries):
    """``_similar_to`` (its same-word shortcut too) gives the best ``token_similarity`` of a listed
    word over the query's words and the query words with any, on real query and listed words,
    with one memo per query form as a search keeps it."""
    index = eul_index
    listed = sorted({t for fid in range(len(index.form_name)) for t in index._form_tokens(fid)})
    rng = random.Random(13)  # noqa: S311
    checked = same = 0
    for q in queries:
        for form in analyse_query(q):
            qside = index._query_side(form)
            if not qside.tokens or qside.kana:
                continue
            words = rng.sample(listed, 40) + [
                t for fid in index.candidates([form])[:5] for t in index._form_tokens(fid)
            ]
            words += list(qside.tokens)
            memo: dict = {}
            for ct in words:
                for romanised in (False, True):
                    best, bits = 0.0, 0
                    for i, qt in enumerate(qside.tokens):
                        sim = token_similarity(qt, ct, romanised)[0]
                        if sim > 0.0:
                            bits |= 1 << i
                            best = max(best, sim)
                    assert _similar_to(qside, ct, romanised, memo) == (best, bits), (q, ct)
                    checked += 1
                    same += ct in qside.tokens
    assert checked >= 50_000 and same >= 1_000  # the same-word shortcut is taken too


def _variant_keys(variants) -> list[tuple]:
    return sorted((v.tokens, v.weights) for v in variants)


#: Joins the real queries seldom ask: an acronym found twice, one slip, syllables kept in order.
JOINS = [
    (("alpha", "beta", "alpha", "beta"), ("ab", "x", "ab"), False),
    (("kabir", "amir", "co"), ("amirkabir",), False),
    (("amir", "kabyr"), ("amirkabir", "amirkabr"), False),
    (("chen", "ming"), ("mingchen", "chenming"), True),
]


def test_join_variants_are_those_merged_variants_makes(lists_index, queries):
    for tokens, others, syllabic in JOINS:
        side = ScoredSide(
            tokens, tuple(0.1 * (k + 1) for k in range(len(tokens))), syllabic=syllabic
        )
        other = ScoredSide(others, tuple(1.0 for _ in others))
        want = merged_variants(side, other, list(range(len(tokens))), list(range(len(others))))
        assert want and _variant_keys(join_variants(bound_side(side), bound_side(other))) == (
            _variant_keys(want)
        ), tokens
    index = lists_index
    asked = joined = 0
    for q in queries:
        for form in analyse_query(q):
            qside = index._query_side(form)
            if not qside.tokens:
                continue
            qb = bound_side(qside)
            for fid in index.candidates([form])[:15]:
                lside = index._listed_side(fid)
                if not lside.tokens:
                    continue
                lb = bound_side(lside)
                everyone = list(range(len(qside.tokens))), list(range(len(lside.tokens)))
                for side, other, mine, theirs in ((qb, lb, *everyone), (lb, qb, *everyone[::-1])):
                    want = merged_variants(side.side, other.side, mine, theirs)
                    got = join_variants(side, other)
                    assert _variant_keys(got) == _variant_keys(want), (q, lside.tokens)
                    asked += 1
                    joined += bool(want)
    assert joined >= 300 and asked >= 20 * joined  # both answers are asked


def _plain_words_bound(q: ScoredSide, c: ScoredSide, romanised: bool) -> float:
    """``score_bound``'s docstring's word bound, each similarity asked of ``token_similarity``."""
    pairs, paired = [], set()
    for ct, w in zip(c.tokens, c.weights, strict=True):
        sims = [token_similarity(qt, ct, romanised)[0] for qt in q.tokens]
        if max(sims) > 0.0:
            pairs.append((max(sims), w))
            paired |= {i for i, sim in enumerate(sims) if sim > 0.0}
    if not pairs:
        return 0.0
    unpaired = sum(w for i, w in enumerate(q.weights) if i not in paired)
    base = UNMATCHED_LISTED_COST * sum(c.weights) + UNMATCHED_QUERY_COST * unpaired
    bound = num = den = 0.0
    for sim, w in sorted(pairs, reverse=True):
        num += sim * w
        den += (1.0 - UNMATCHED_LISTED_COST) * w
        if base + den <= 0.0:
            return 1.0
        bound = max(bound, num / (base + den))
    return bound


def _plain_bound(q: ScoredSide, c: ScoredSide) -> float:
    romanised = q.romanised or c.romanised

    def glued(a: ScoredSide, b: ScoredSide) -> float:
        if len(a.tokens) + len(b.tokens) <= 2:
            return 0.0
        return Levenshtein.normalized_similarity(
            "".join(a.tokens), "".join(b.tokens), score_cutoff=0.9
        )

    bound = max(_plain_words_bound(q, c, romanised), glued(q, c))
    q_all, c_all = list(range(len(q.tokens))), list(range(len(c.tokens)))
    for qv in merged_variants(q, c, q_all, c_all):
        bound = max(bound, JOINED_FACTOR * _plain_words_bound(qv, c, romanised), glued(qv, c))
    for cv in merged_variants(c, q, c_all, q_all):
        bound = max(bound, JOINED_FACTOR * _plain_words_bound(q, cv, romanised), glued(q, cv))
    return bound


def _bounded_forms(index, queries):
    """(query, form, side, bound side) of each query form the bound is asked about: with words,
    none read from kana."""
    for q in queries:
        for form in analyse_query(q):
            qside, qbound = index._query_sides(form)
            if qside.tokens and not qside.kana:
                yield q, form, qside, qbound


def test_the_bound_equals_the_plain_bound(lists_index, queries):
    index = lists_index
    checked = joinable = 0
    for q, form, qside, qbound in _bounded_forms(index, queries):
        memo: dict = {}  # one per query form, kept across its candidates as a search keeps it
        for fid in index.candidates([form])[:20]:
            lside, lbound = index._listed_side(fid), index._bounds[fid]
            if not lside.tokens or lside.kana:
                continue
            want = _plain_bound(qside, lside)
            assert score_bound(qbound, lbound, memo=memo) == want, (q, lside.tokens)
            assert score_bound(bound_side(qside), bound_side(lside)) == want, q
            checked += 1
            joinable += bool(join_variants(qbound, lbound) or join_variants(lbound, qbound))
    assert checked >= 5000 and joinable >= 200


def test_an_alignment_told_the_pairable_words_equals_the_full_one(lists_index, queries):
    # The bound's memo of a query side tells each listed word's pairable query words; ``align``
    # compares only those: the same alignment, the same score, as comparing every pair.
    index = lists_index
    checked = differing_pairs = 0
    for q in queries:
        for form in analyse_query(q):
            qside, qbound = index._query_sides(form)
            if qbound is None:
                continue
            memo: dict = {}
            for fid in index.candidates([form])[:15]:
                lside = index._listed_side(fid)
                if not lside.tokens or score_bound(qbound, index._bounds[fid], memo=memo) is None:
                    continue
                told = score_sides(qside, lside, memo)
                full = score_sides(qside, lside)
                assert told.alignment == full.alignment and told.score == full.score, (q, fid)
                assert align(qside, lside, memo) == align(qside, lside), (q, fid)
                checked += 1
                pairs = len(qside.tokens) * len(lside.tokens)
                differing_pairs += pairs > len(align(qside, lside).pairs)
    assert checked >= 3000
    assert differing_pairs >= 1000  # most candidates have words that pair with nothing


def _reaching(letters: LetterCounts, texts: list[str], query: str, cutoff: int) -> list[int]:
    """The strings whose letter counts let ``fuzz.ratio`` reach ``cutoff``, in whole numbers:
    200·Σ min(count in the query, count in the string) ≥ cutoff·(both lengths), a letter beyond
    the table's counted as its shared column."""

    def counts(text: str) -> Counter:
        column = Counter()
        for ch, k in Counter(text).items():
            at = letters.letters.get(ch, letters.shared)
            if at is not None:
                column[at] += k
        return column

    wanted = counts(query)
    out = []
    for i, text in enumerate(texts):
        held = counts(text)
        shared = sum(min(k, held[at]) for at, k in wanted.items())
        if 200 * shared >= cutoff * (len(query) + len(text)):
            out.append(i)
    return out


@pytest.mark.parametrize("max_letters", [LetterCounts.MAX_LETTERS, 6])
def test_may_reach_keeps_the_strings_whose_letters_reach_the_cutoff(
    eul_index, queries, max_letters
):
    index = eul_index
    checked = 0
    for texts, cutoff, romanised in ((index.texts, 70, False), (index.skeletons, 55, True)):
        letters = LetterCounts.of(texts, max_letters=max_letters)
        assert (letters.shared is not None) == (max_letters == 6)
        for q in queries[::3]:
            for form in analyse_query(q):
                if not form.tokens:
                    continue
                words = [skeleton(t) for t in form.tokens] if romanised else form.tokens
                query = " ".join(sorted(words))
                assert letters.may_reach(query, cutoff) == _reaching(letters, texts, query, cutoff)
                checked += 1
    assert checked >= 300


def test_may_reach_counts_past_a_byte_in_long_strings():
    """Strings longer than a byte holds share more letters than one: the sum is not wrapped."""
    rng = random.Random(9)  # noqa: S311
    texts = ["".join(rng.choice("abc ") for _ in range(rng.randrange(1, 600))) for _ in range(400)]
    texts += ["a" * 300, "ab" * 150, "a" * 255, "a" * 256]
    letters = LetterCounts.of(texts)
    for query in ["a" * 280, "ab" * 140, "a" * 200, *rng.sample(texts, 40)]:
        for cutoff in (55, 70, 90):
            assert letters.may_reach(query, cutoff) == _reaching(letters, texts, query, cutoff)


def test_the_scored_candidates_are_the_rule_over_the_whole_ranking(eul_index, lists_index, queries):
    """At most ``MAX_SCORED`` (more when tied with the last), none under ``MIN_PRE_SHARE`` of the
    best after the first ten: the way ``_scored_candidates`` read the ranking before the early stop
    after the tenth."""
    past_ten = 0
    for index in (eul_index, lists_index):
        for q in queries:
            forms = analyse_query(q)
            ranked = index._ranked_candidates(forms)
            want = []
            if ranked:
                floor = ranked[min(MAX_SCORED, len(ranked)) - 1][1]
                relative_floor = ranked[0][1] * MIN_PRE_SHARE
                for rank, (fid, pre) in enumerate(ranked):
                    if rank >= MAX_SCORED and pre < floor or rank >= 10 and pre < relative_floor:
                        break
                    want.append(fid)
            assert index._scored_candidates(forms) == want, q
            past_ten += len(want) > 10
    assert past_ten >= 20  # the long way is taken too


def test_no_word_is_in_more_forms_than_the_list_has(eul_index, lists_index):
    for index in (eul_index, lists_index):
        assert int(index.vocab.df.max()) <= len(index.form_name)


def test_a_bound_under_enough_may_stop_short(eul_index, queries):
    """``score_bound``'s ``enough`` (the words bound stops short when the words not yet compared
    cannot lift it to ``enough``; so may a variant's): under ``enough`` it gives an upper bound at
    least the bound's own, at or over ``enough`` the bound itself, and None exactly when the
    bound does (its memo kept across candidates as a search keeps it)."""
    index = eul_index
    checked = short = 0
    for q, form, _qside, qbound in _bounded_forms(index, queries):
        for floor in (0.5, 0.78, 0.9):
            memo: dict = {}
            for fid in index.candidates([form])[:20]:
                lbound = index._bounds[fid]
                if not lbound.side.tokens or lbound.side.kana:
                    continue
                want = score_bound(qbound, lbound, floor)
                got = score_bound(qbound, lbound, floor, memo, floor - 0.01)
                assert (got is None) == (want is None), (q, lbound.side.tokens)
                if got is not None:
                    assert got == want or want < got < floor - 0.01, (q, lbound.side.tokens)
                    short += got != want
                checked += 1
    assert checked >= 5000 and short >= 1000  # both answers are asked


def test_what_an_index_keeps_for_good_the_collector_stops_tracking(queries):
    # The words' lookups and a listed side's joins stay for the index's life: tuples of strings
    # and numbers, which a collection untracks, so full collections do not walk them.
    index = ListIndex.build(data.eul_names()[0], version="2025-09-29")
    for q in queries[:300]:
        index.search(q, limit=10, min_score=index.alert_threshold)
    gc.collect()
    gc.collect()  # (the first untracks the inner tuples, the second the tuples holding them)
    lookups = list(index._lookups.values())
    assert len(lookups) >= 300 and not any(gc.is_tracked(found) for found in lookups)
    joins = [side.joined for side in index._bounds if side.joined]
    assert len(joins) >= 100
    assert not any(gc.is_tracked(found) for joined in joins for found in joined.values())
