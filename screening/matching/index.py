"""ListIndex: every listed name, alias and local-script name, searchable by a party's name.

Built once per list version; plain Python containers and numpy arrays only, so it pickles (the
worker may cache it on disk) and holds no handle to the Japanese tagger or OpenCC.

Search = candidates (≤ 200) from the union of exact keys, the rare-token inverted index with fuzzy
token lookup, CJK bigram overlap and — for lists up to ``brute_force_limit`` names — a
``rapidfuzz`` brute-force pass; then the graded scorer on each candidate; then the best name per
entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from .explain import explain_hit
from .normalise import NameForm, analyse_listed, analyse_query, token_class
from .phonetics import skeleton
from .scoring import (
    CLASS_FACTOR,
    KIND_MARGIN,
    PERSON_KINDS,
    ScoredSide,
    full_token_match,
    kind_decision,
    qualify,
    score_sides,
)
from .vocabulary import Vocabulary

ALERT_THRESHOLD = 0.78
MAX_CANDIDATES = 200
MAX_SCORED = 30  # candidates beyond the 30 most promising are scored only if tied with the 30th
MIN_PRE_SHARE = 0.3  # nor those whose candidate score is under 30 % of the most promising one
BRUTE_FORCE_LIMIT = 100_000
BRUTE_FORCE_PER_PASS = 60
RARE_DF_SHARE = 0.02  # tokens in more than 2 % of a large index are not used to find candidates
VARIANTS = ("full", "alt", "acronym", "local")


@dataclass(frozen=True, slots=True)
class ListedName:
    """One name of one list entry (its primary name, an alias, or its local-script name)."""

    entry_id: str
    name: str
    country: str | None = None
    kind: str | None = None  # person / organization / vessel / aircraft
    source: str | None = None  # e.g. "METI-EUL", "OFAC-SDN"
    name_kind: str = "primary"  # primary / alias / local
    concern_codes: tuple[str, ...] = ()


@dataclass(slots=True)
class Hit:
    entry_id: str
    score: float
    matched_name: str
    explanation: dict = field(repr=False)
    listed: ListedName | None = field(default=None, repr=False)


@lru_cache(maxsize=20_000)
def _listed_forms(name: str) -> tuple[NameForm, ...]:
    return tuple(analyse_listed(name))


def _bigrams(text: str) -> set[str]:
    if len(text) == 1:
        return {text}
    return {text[i : i + 2] for i in range(len(text) - 1)}


class ListIndex:
    alert_threshold: float = ALERT_THRESHOLD

    def __init__(self) -> None:
        self.names: list[ListedName] = []
        self.version: str | None = None
        self.vocab = Vocabulary()
        self.form_name = np.zeros(0, dtype=np.int32)
        self.form_variant = np.zeros(0, dtype=np.int8)
        self.form_romanised = np.zeros(0, dtype=bool)
        self.form_kana = np.zeros(0, dtype=bool)
        self.form_legal: list[str | None] = []
        self.tok_offsets = np.zeros(1, dtype=np.int64)
        self.tok_ids = np.zeros(0, dtype=np.int32)
        self.post_offsets = np.zeros(1, dtype=np.int64)
        self.post_forms = np.zeros(0, dtype=np.int32)
        self.compact: dict[str, list[int]] = {}
        self.cjk: dict[int, str] = {}
        self.cjk_bigrams: dict[str, list[int]] = {}
        self.texts: list[str] | None = None
        self.skeletons: list[str] | None = None
        self._sides: list[ScoredSide] | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        names: Iterable[ListedName],
        *,
        version: str | None = None,
        brute_force_limit: int = BRUTE_FORCE_LIMIT,
    ) -> ListIndex:
        self = cls()
        self.version = version
        self.names = list(names)
        vocab = self.vocab
        form_name: list[int] = []
        form_variant: list[int] = []
        form_romanised: list[bool] = []
        form_kana: list[bool] = []
        lengths: list[int] = []
        tok_ids: list[int] = []
        compact: dict[str, list[int]] = defaultdict(list)
        cache: dict[str, list[NameForm]] = {}
        for ni, listed in enumerate(self.names):
            forms = cache.get(listed.name)
            if forms is None:
                forms = cache[listed.name] = analyse_listed(listed.name)
            for form in forms:
                fid = len(form_name)
                form_name.append(ni)
                form_variant.append(VARIANTS.index(form.variant))
                form_romanised.append(form.romanised)
                form_kana.append(form.kana)
                self.form_legal.append(form.legal_form)
                lengths.append(len(form.tokens))
                tok_ids.extend(vocab.add(t) for t in form.tokens)
                if form.tokens:
                    compact[form.compact].append(fid)
                if form.cjk:
                    self.cjk[fid] = form.cjk
        n_forms = len(form_name)
        self.form_name = np.array(form_name, dtype=np.int32)
        self.form_variant = np.array(form_variant, dtype=np.int8)
        self.form_romanised = np.array(form_romanised, dtype=bool)
        self.form_kana = np.array(form_kana, dtype=bool)
        self.tok_offsets = np.zeros(n_forms + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.tok_offsets[1:])
        self.tok_ids = np.array(tok_ids, dtype=np.int32)
        form_of_token = np.repeat(np.arange(n_forms, dtype=np.int32), lengths)
        vocab.finish(self.tok_ids, form_of_token, n_forms)
        order = np.argsort(self.tok_ids, kind="stable")
        self.post_forms = form_of_token[order]
        self.post_offsets = np.zeros(len(vocab.tokens) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.tok_ids, minlength=len(vocab.tokens)), out=self.post_offsets[1:])
        self.compact = dict(compact)
        bigrams: dict[str, list[int]] = defaultdict(list)
        for fid, text in self.cjk.items():
            for bg in _bigrams(text):
                bigrams[bg].append(fid)
        self.cjk_bigrams = dict(bigrams)
        if n_forms <= brute_force_limit:
            # Tokens pre-sorted, so plain ``ratio`` computes token_sort_ratio without re-sorting.
            self.texts = [" ".join(sorted(self._form_tokens(f))) for f in range(n_forms)]
            self.skeletons = [
                " ".join(sorted(skeleton(t) for t in self._form_tokens(f))) for f in range(n_forms)
            ]
            self._sides = [self._make_side(f) for f in range(n_forms)]
        return self

    def __len__(self) -> int:
        return len(self.names)

    # ------------------------------------------------------------------ form access
    def _form_tokens(self, fid: int) -> tuple[str, ...]:
        toks = self.vocab.tokens
        return tuple(
            toks[t] for t in self.tok_ids[self.tok_offsets[fid] : self.tok_offsets[fid + 1]]
        )

    def _form_text(self, fid: int) -> str:
        return " ".join(self._form_tokens(fid))

    def _listed_side(self, fid: int) -> ScoredSide:
        if self._sides is not None:
            return self._sides[fid]
        return self._make_side(fid)

    def _make_side(self, fid: int) -> ScoredSide:
        ids = self.tok_ids[self.tok_offsets[fid] : self.tok_offsets[fid + 1]]
        toks = self.vocab.tokens
        return ScoredSide(
            tuple(toks[t] for t in ids),
            tuple(float(w) for w in self.vocab.weight[ids]),
            bool(self.form_romanised[fid]),
            bool(self.form_kana[fid]),
        )

    def _query_side(self, form: NameForm) -> ScoredSide:
        weights = [self.vocab.idf_of(t) * CLASS_FACTOR[token_class(t)] for t in form.tokens]
        return ScoredSide(form.tokens, tuple(weights), form.romanised, form.kana, form.syllabic)

    # ------------------------------------------------------------------ candidates
    def candidates(self, query: str | list[NameForm]) -> list[int]:
        """Form ids worth scoring for this query, most promising first (at most 200)."""
        return [fid for fid, _ in self._ranked_candidates(query)]

    def _ranked_candidates(self, query: str | list[NameForm]) -> list[tuple[int, float]]:
        forms = analyse_query(query) if isinstance(query, str) else query
        scores: dict[int, float] = defaultdict(float)
        n_forms = len(self.form_name)
        rare_cap = max(2000, int(RARE_DF_SHARE * n_forms)) if n_forms > 50_000 else n_forms + 1
        vocab = self.vocab
        for form in forms:
            if not form.tokens and not form.cjk:
                continue
            total = sum(self._query_side(form).weights) or 1.0
            for fid in self.compact.get(form.compact, ()):
                scores[fid] += 3.0
            expansions: list[tuple[int, float]] = []
            for tok in form.tokens:
                expansions.extend(vocab.lookup(tok, form.romanised).items())
            for a, b in zip(form.tokens, form.tokens[1:], strict=False):
                tid = vocab.ids.get(a + b)
                if tid is not None:
                    expansions.append((tid, 0.95))
            usable = [(t, s) for t, s in expansions if vocab.df[t] <= rare_cap]
            if not usable:
                usable = sorted(expansions, key=lambda e: vocab.df[e[0]])[:2]
            if usable:
                chunks, weights = [], []
                for tid, sim in usable:
                    post = self.post_forms[self.post_offsets[tid] : self.post_offsets[tid + 1]]
                    chunks.append(post)
                    weights.append(np.full(len(post), sim * vocab.weight[tid] / total))
                ids = np.concatenate(chunks)
                if len(ids):
                    uniq, inv = np.unique(ids, return_inverse=True)
                    acc = np.bincount(inv, weights=np.concatenate(weights))
                    if len(uniq) > MAX_CANDIDATES:
                        top = np.argpartition(-acc, MAX_CANDIDATES)[:MAX_CANDIDATES]
                        uniq, acc = uniq[top], acc[top]
                    for fid, val in zip(uniq.tolist(), acc.tolist(), strict=True):
                        scores[fid] += val
            if form.cjk:
                grams = _bigrams(form.cjk)
                overlap: dict[int, int] = defaultdict(int)
                for bg in grams:
                    for fid in self.cjk_bigrams.get(bg, ()):
                        overlap[fid] += 1
                for fid, n in overlap.items():
                    share = n / max(len(grams), len(_bigrams(self.cjk[fid])))
                    if share >= 0.3:
                        scores[fid] += 2.0 * share
            if self.texts is not None and form.tokens:
                self._brute_force(form, scores)
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        return ranked[:MAX_CANDIDATES]

    def _brute_force(self, form: NameForm, scores: dict[int, float]) -> None:
        if form.romanised:
            query = " ".join(sorted(skeleton(t) for t in form.tokens))
            choices, cutoff = self.skeletons, 55
        else:
            query, choices, cutoff = " ".join(sorted(form.tokens)), self.texts, 70
        found = process.extract(
            query, choices, scorer=fuzz.ratio, limit=BRUTE_FORCE_PER_PASS, score_cutoff=cutoff
        )
        for _, sc, fid in found:
            scores[fid] += sc / 100.0

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        country: str | None = None,
        limit: int = 10,
        min_score: float = 0.5,
        kind: str | None = None,
    ) -> list[Hit]:
        """The best hits for a party's name. ``kind`` is the party's kind ("person" or
        "organization"; None when unknown), weighed against each entry's kind."""
        forms = analyse_query(query)
        if not forms:
            return []
        best: dict[str, tuple[float, int, NameForm, object, dict]] = {}
        cache: dict = {}
        scored: dict = {}
        sides = [(f, self._query_side(f)) for f in forms]
        ranked = self._ranked_candidates(forms)
        floor = ranked[min(MAX_SCORED, len(ranked)) - 1][1] if ranked else 0.0
        relative_floor = ranked[0][1] * MIN_PRE_SHARE if ranked else 0.0
        for rank, (fid, pre) in enumerate(ranked):
            if rank >= MAX_SCORED and pre < floor or rank >= 10 and pre < relative_floor:
                break
            listed_side = self._listed_side(fid)
            ni = int(self.form_name[fid])
            listed = self.names[ni]
            listed_person = listed.kind in PERSON_KINDS
            for form, qside in sides:
                cjk_raw = self._cjk_similarity(form, fid)
                if not listed_side.tokens or not qside.tokens:
                    result = None
                    raw = cjk_raw
                else:
                    key = (qside, listed_side, listed_person)
                    result = scored.get(key)
                    if result is None:
                        # The same words under another entry (a name on two lists) score the same.
                        result = scored[key] = score_sides(
                            qside, listed_side, cache, listed_person=listed_person
                        )
                    raw = result.score
                    if cjk_raw > raw:
                        raw, result = cjk_raw, None
                full = full_token_match(result) if result else self._cjk_identical(form, fid)
                score, _ = qualify(
                    raw,
                    query_legal=form.legal_form,
                    listed_legal=self.form_legal[fid],
                    query_country=country,
                    listed_country=listed.country,
                    variant=VARIANTS[self.form_variant[fid]],
                    query_variant=form.variant,
                )
                held, kind_info = kind_decision(kind, listed.kind, full)
                if held:
                    score = min(score, self.alert_threshold - KIND_MARGIN)
                prev = best.get(listed.entry_id)
                if prev is None or score > prev[0]:
                    best[listed.entry_id] = (score, fid, form, result, kind_info)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
        hits = []
        for entry_id, (score, fid, form, result, kind_info) in ranked[:limit]:
            if score < min_score:
                break
            listed = self.names[int(self.form_name[fid])]
            explanation = explain_hit(
                index=self,
                listed=listed,
                fid=fid,
                query_form=form,
                result=result,
                score=score,
                country=country,
                kind=kind_info,
            )
            hits.append(Hit(entry_id, round(score, 4), listed.name, explanation, listed))
        return hits

    def listed_form(self, fid: int) -> NameForm | None:
        """The analysed form behind an indexed form (for explanations; cached per name)."""
        tokens = self._form_tokens(fid)
        cjk = self.cjk.get(fid, "")
        for form in _listed_forms(self.names[int(self.form_name[fid])].name):
            if form.tokens == tokens and form.cjk == cjk:
                return form
        return None

    def _cjk_identical(self, form: NameForm, fid: int) -> bool:
        return bool(form.cjk) and form.cjk == self.cjk.get(fid)

    def _cjk_similarity(self, form: NameForm, fid: int) -> float:
        """Dice overlap of folded CJK bigrams, graded like the token score."""
        other = self.cjk.get(fid)
        if not form.cjk or not other:
            return 0.0
        a, b = _bigrams(form.cjk), _bigrams(other)
        dice = 2 * len(a & b) / (len(a) + len(b))
        evidence = min(len(a), len(b))
        confidence = 0.97 if evidence >= 4 else 0.88 + 0.03 * evidence
        return dice * confidence

    def score_name(
        self,
        query: str,
        listed_name: str,
        country: str | None = None,
        listed_country: str | None = None,
    ) -> float:
        """Score one query against one name, with this index's token statistics."""
        best = 0.0
        for form in analyse_query(query):
            qside = self._query_side(form)
            for lform in analyse_listed(listed_name):
                lside = self._query_side(lform)
                raw = score_sides(qside, lside).score if qside.tokens and lside.tokens else 0.0
                if form.cjk and lform.cjk:
                    a, b = _bigrams(form.cjk), _bigrams(lform.cjk)
                    raw = max(raw, 0.97 * 2 * len(a & b) / (len(a) + len(b)))
                score, _ = qualify(
                    raw,
                    query_legal=form.legal_form,
                    listed_legal=lform.legal_form,
                    query_country=country,
                    listed_country=listed_country,
                    variant=lform.variant,
                    query_variant=form.variant,
                )
                best = max(best, score)
        return best
