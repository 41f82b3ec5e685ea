"""ListIndex: every listed name, alias and local-script name, searchable by a party's name.

Built once per list version; plain Python containers and numpy arrays only, so it pickles (the
worker may cache it on disk) and holds no handle to the Japanese tagger or OpenCC.

Search = candidates (≤ 200) from the union of exact keys, the rare-token inverted index with fuzzy
token lookup, CJK bigram overlap and — for lists up to ``brute_force_limit`` names — a
``rapidfuzz`` brute-force pass (skipped for a form some listed name spells out word for word; it
compares only the forms whose letter counts can reach its cutoff); then the graded scorer on each
candidate whose upper bound can reach the floor; then the best name per entry.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from .explain import explain_hit
from .normalise import NameForm, analyse_listed, analyse_query, token_class
from .phonetics import skeleton
from .scoring import (
    CLASS_FACTOR,
    COUNTRY_AGREES,
    KIND_MARGIN,
    PERSON_KINDS,
    BoundSide,
    ScoredSide,
    bound_side,
    full_token_match,
    kind_decision,
    may_join,
    qualify,
    score_bound,
    score_sides,
)
from .storage import (
    Categorical,
    HashLookup,
    NameTable,
    StringColumn,
    load_arrays,
    save_arrays,
    stable_hash,
)
from .vocabulary import Vocabulary

ALERT_THRESHOLD = 0.78
MAX_CANDIDATES = 200
#: Rounding room between an upper bound and the score it bounds (summed in another order).
BOUND_MARGIN = 1e-9
MAX_SCORED = 30  # candidates beyond the 30 most promising are scored only if tied with the 30th
MIN_PRE_SHARE = 0.3  # nor those whose candidate score is under 30 % of the most promising one
BRUTE_FORCE_LIMIT = 100_000
BRUTE_FORCE_PER_PASS = 60
RARE_DF_SHARE = 0.02  # tokens in more than 2 % of a large index are not used to find candidates
VARIANTS = ("full", "alt", "acronym", "local")
#: Lists of this many names or more are analysed by worker processes, a chunk at a time.
PARALLEL_BUILD_MIN = 200_000
ANALYSE_CHUNK = 10_000
#: The layout of a saved index (``save``/``load``); an index saved in another is rebuilt.
_FORMAT = 1


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


@dataclass(slots=True)
class _Chunk:
    """The analysed forms of a run of names as flat arrays, the way a worker sends them back
    (a few arrays pickle in a blink; a million ``NameForm`` objects do not).

    Words and legal forms are numbered within the chunk in order of first appearance, so the
    builder numbers them for the whole index in the same order as if it read every form itself.
    """

    counts: np.ndarray  # forms of each name
    variant: np.ndarray  # per form: index in VARIANTS
    romanised: np.ndarray
    kana: np.ndarray
    legal: np.ndarray  # per form: index in ``legal_values``
    legal_values: list
    lengths: np.ndarray  # per form: number of words
    tokens: list[str]  # the chunk's words
    tok_ids: np.ndarray  # per word of each form: index in ``tokens``
    hashes: np.ndarray  # ``stable_hash`` of the joined words, per form that has words
    hashed: np.ndarray  # the form (in the chunk) of each hash
    cjk: list[tuple[int, str]]  # (form in the chunk, folded CJK text)
    forms: list[tuple[NameForm, ...]] | None  # the forms themselves, when asked for


_VARIANT_CODE = {v: i for i, v in enumerate(VARIANTS)}


def _analyse_chunk(names: list[str], keep_forms: bool = False) -> _Chunk:
    variant_code = _VARIANT_CODE
    counts, lengths, tok_local = array("i"), array("i"), array("i")
    variant, romanised, kana, legal = array("b"), array("b"), array("b"), array("h")
    hashes, hashed = array("Q"), array("i")
    words: dict[str, int] = {}
    legal_codes: dict[str | None, int] = {}
    cjk: list[tuple[int, str]] = []
    kept: list[tuple[NameForm, ...]] | None = [] if keep_forms else None
    fid = 0
    for name in names:
        forms = analyse_listed(name)
        if kept is not None:
            kept.append(tuple(forms))
        counts.append(len(forms))
        for form in forms:
            tokens = form.tokens
            variant.append(variant_code[form.variant])
            romanised.append(form.romanised)
            kana.append(form.kana)
            legal.append(legal_codes.setdefault(form.legal_form, len(legal_codes)))
            lengths.append(len(tokens))
            for t in tokens:
                tok_local.append(words.setdefault(t, len(words)))
            if tokens:
                hashes.append(stable_hash("".join(tokens)))
                hashed.append(fid)
            if form.cjk:
                cjk.append((fid, form.cjk))
            fid += 1
    return _Chunk(
        counts=np.frombuffer(counts, dtype=np.int32),
        variant=np.frombuffer(variant, dtype=np.int8),
        romanised=np.frombuffer(romanised, dtype=np.int8),
        kana=np.frombuffer(kana, dtype=np.int8),
        legal=np.frombuffer(legal, dtype=np.int16),
        legal_values=list(legal_codes),
        lengths=np.frombuffer(lengths, dtype=np.int32),
        tokens=list(words),
        tok_ids=np.frombuffer(tok_local, dtype=np.int32),
        hashes=np.frombuffer(hashes, dtype=np.uint64),
        hashed=np.frombuffer(hashed, dtype=np.int32),
        cjk=cjk,
        forms=kept,
    )


def _analysed(names: list[str], workers: int, keep_forms: bool = False):
    """The analysed forms of ``names`` (``_Chunk``s, in order): by ``workers`` processes for a
    large list, else here. Spawned, not forked: the caller may be a threaded web or worker
    process."""
    chunks = (names[i : i + ANALYSE_CHUNK] for i in range(0, len(names), ANALYSE_CHUNK))
    if workers > 1 and len(names) >= PARALLEL_BUILD_MIN:
        try:
            pool = multiprocessing.get_context("spawn").Pool(workers)
        except (AssertionError, OSError):  # a daemonic process (a pool's worker) has no children
            pool = None
        if pool is not None:
            with pool:
                yield from pool.imap(partial(_analyse_chunk, keep_forms=keep_forms), chunks)
            return
    for chunk in chunks:
        yield _analyse_chunk(chunk, keep_forms)


def _add_in_turn(scores: dict[int, float], fids: list[int], values: list[float]) -> None:
    """``scores[fid] += value`` for each pair in turn (``fids`` distinct), as one dict update: a
    form already there adds in place, the new ones come after it in this order (the order breaks
    ties in the ranking)."""
    found = dict(zip(fids, values, strict=True))
    for fid in [f for f in scores if f in found]:
        scores[fid] += found.pop(fid)
    scores.update(found)


def _bigrams(text: str) -> set[str]:
    if len(text) == 1:
        return {text}
    return {text[i : i + 2] for i in range(len(text) - 1)}


class LetterCounts:
    """How often each letter occurs in each of a list of strings, for a bound on ``fuzz.ratio``.

    ``fuzz.ratio(a, b) = 100 · 2·LCS(a, b) / (|a| + |b|)``, and a common subsequence holds each
    letter at most as often as the string with fewer of it: LCS ≤ Σ_c min(count_a(c), count_b(c)).
    So a string whose shared letter count is too small for the cutoff cannot reach it; nor can one
    whose length alone rules it out (LCS ≤ the shorter length). Strings are kept sorted by length,
    so that the length window is one slice."""

    #: Letters beyond the most frequent ones share one count: the bound stays a bound (the fewer
    #: of two summed counts is at least the sum of the fewer of each), and the table stays small
    #: whatever the scripts of the names.
    MAX_LETTERS = 128

    def __init__(
        self,
        lengths: np.ndarray,
        order: np.ndarray,
        counts: np.ndarray,
        letters: dict[str, int],
        shared: int | None,
    ):
        self.lengths = lengths  # sorted
        self.order = order  # the string at each sorted position
        # (letter, sorted position): a letter's counts over a length window are one slice.
        self.columns = np.ascontiguousarray(counts.T)
        self.letters = letters  # letter -> column of ``counts``
        self.shared = shared  # the column of every other letter (None: there is none)
        self._length_list = lengths.tolist()  # for bisect: one length window, no numpy call
        self._cap = 255 if counts.dtype == np.uint8 else int(np.iinfo(counts.dtype).max)
        self._scaled: dict[float, np.ndarray] = {}  # per cutoff: its scale times each length

    @property
    def counts(self) -> np.ndarray:
        """(sorted position, letter): how often each letter occurs in each string."""
        return self.columns.T

    @classmethod
    def of(cls, texts: list[str], max_letters: int = MAX_LETTERS) -> LetterCounts:
        lengths = np.array([len(t) for t in texts], dtype=np.int32)
        order = np.argsort(lengths, kind="stable").astype(np.int32)
        frequency: Counter[str] = Counter()
        for t in texts:
            frequency.update(t)
        if len(frequency) > max_letters:
            kept = [ch for ch, _ in frequency.most_common(max_letters - 1)]
            shared: int | None = len(kept)
        else:
            kept, shared = list(frequency), None
        letters = {ch: i for i, ch in enumerate(kept)}
        counts = np.zeros((len(texts), len(kept) + (shared is not None)), dtype=np.int32)
        for pos, i in enumerate(order.tolist()):
            for ch, k in Counter(texts[i]).items():
                counts[pos, letters.get(ch, shared)] += k
        most = int(counts.max(initial=0))
        dtype = np.uint8 if most < 256 else np.int32
        return cls(lengths[order], order, counts.astype(dtype), letters, shared)

    def may_reach(self, query: str, cutoff: float) -> list[int]:
        """The indices (ascending) of the strings whose ``fuzz.ratio`` with ``query`` may reach
        ``cutoff`` (0..100): every string that does is among them."""
        n = len(query)
        if not n or not len(self.lengths):
            return []
        # 200·min(n, m)/(n + m) ≥ cutoff bounds the other length m on both sides (rounding room).
        lengths = self._length_list
        lo = bisect_left(lengths, cutoff * n / (200.0 - cutoff) - 1e-6)
        hi = bisect_right(lengths, n * (200.0 - cutoff) / cutoff + 1e-6)
        if lo >= hi:
            return []
        wanted: dict[int, int] = {}  # column -> how often the query holds its letters
        column_of, shared_column = self.letters.get, self.shared
        for ch in query:
            column = column_of(ch, shared_column)
            if column is not None:  # a letter no string holds shares nothing
                wanted[column] = wanted.get(column, 0) + 1
        if not wanted:
            return []
        held = self.columns.take(list(wanted), axis=0)[:, lo:hi]  # (letter of the query, string)
        cap = self._cap
        most = np.array([min(k, cap) for k in wanted.values()], dtype=held.dtype)[:, None]
        np.minimum(held, most, out=held)
        # No string shares more than its length: the window's longest fits the narrowest sum.
        shared = np.add.reduce(held, axis=0, dtype=np.uint8 if lengths[hi - 1] < 256 else np.int32)
        # 200·shared ≥ (cutoff − 1e-6)·(m + n), as shared ≥ s·m + s·n with s = (cutoff − 1e-6)/200.
        scale = (cutoff - 1e-6) / 200.0
        scaled = self._scaled.get(cutoff)
        if scaled is None:
            scaled = self._scaled[cutoff] = self.lengths * scale
        keep = (shared >= scaled[lo:hi] + scale * n).nonzero()[0]
        return np.sort(self.order[lo:hi][keep]).tolist()


class ListIndex:
    alert_threshold: float = ALERT_THRESHOLD

    def __init__(self) -> None:
        self.names: NameTable | list[ListedName] = []
        self.version: str | None = None
        self.vocab = Vocabulary()
        self.form_name = np.zeros(0, dtype=np.int32)
        self.form_variant = np.zeros(0, dtype=np.int8)
        self.form_romanised = np.zeros(0, dtype=bool)
        self.form_kana = np.zeros(0, dtype=bool)
        self.form_legal = Categorical(np.zeros(0, dtype=np.int16), [])
        self.form_weight = np.zeros(0, dtype=np.float32)
        self.tok_offsets = np.zeros(1, dtype=np.int64)
        self.tok_ids = np.zeros(0, dtype=np.int32)
        self.post_offsets = np.zeros(1, dtype=np.int64)
        self.post_forms = np.zeros(0, dtype=np.int32)
        self.compact = HashLookup(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32))
        self.cjk: dict[int, str] = {}
        self.cjk_bigrams: dict[str, list[int]] = {}
        self.texts: list[str] | None = None
        self.skeletons: list[str] | None = None
        self._sides: list[ScoredSide] | None = None
        self._bounds: list[BoundSide] | None = None
        self._name_forms: list[tuple[NameForm, ...]] | None = None
        self._text_letters: LetterCounts | None = None
        self._skeleton_letters: LetterCounts | None = None
        self.brute_force_limit = BRUTE_FORCE_LIMIT

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        names: Iterable[ListedName],
        *,
        version: str | None = None,
        brute_force_limit: int = BRUTE_FORCE_LIMIT,
        workers: int | None = None,
    ) -> ListIndex:
        """Index ``names``. A list of ``PARALLEL_BUILD_MIN`` names or more is analysed by
        ``workers`` processes (default: one per CPU); the forms are turned into flat arrays a
        chunk at a time, so no form object outlives its chunk."""
        self = cls()
        self.version = version
        listed = names if isinstance(names, list) else list(names)
        if workers is None:
            workers = min(os.cpu_count() or 1, 4)
        vocab = self.vocab
        ids_get = vocab.ids.get
        add = vocab.add
        legal_codes: dict[str | None, int] = {}
        parts: dict[str, list[np.ndarray]] = defaultdict(list)
        fid = 0
        ni = 0
        # A small list keeps each name's forms, for the explanations of its hits.
        small = len(listed) <= brute_force_limit
        kept_forms: list[tuple[NameForm, ...]] = []
        for chunk in _analysed([ln.name for ln in listed], workers, keep_forms=small):
            if chunk.forms is not None:
                kept_forms.extend(chunk.forms)
            words = np.array(
                [tid if (tid := ids_get(t)) is not None else add(t) for t in chunk.tokens],
                dtype=np.int32,
            )
            legal = np.array(
                [legal_codes.setdefault(v, len(legal_codes)) for v in chunk.legal_values],
                dtype=np.int16,
            )
            parts["form_name"].append(
                np.repeat(np.arange(ni, ni + len(chunk.counts), dtype=np.int32), chunk.counts)
            )
            parts["form_variant"].append(chunk.variant)
            parts["form_romanised"].append(chunk.romanised)
            parts["form_kana"].append(chunk.kana)
            parts["form_legal"].append(legal[chunk.legal])
            parts["lengths"].append(chunk.lengths)
            parts["tok_ids"].append(words[chunk.tok_ids])
            parts["compact_hashes"].append(chunk.hashes)
            parts["compact_fids"].append(chunk.hashed + np.int32(fid))
            for f, text in chunk.cjk:
                self.cjk[fid + f] = text
            fid += len(chunk.variant)
            ni += len(chunk.counts)

        def joined(key: str, dtype) -> np.ndarray:
            return (
                np.concatenate(parts[key]).astype(dtype, copy=False)
                if parts[key]
                else np.zeros(0, dtype)
            )

        n_forms = fid
        # A list small enough for the brute force keeps its names as objects (the fastest to
        # read per hit); a large one keeps them as columns.
        self.names = listed if n_forms <= brute_force_limit else NameTable.of(listed, ListedName)
        self.form_name = joined("form_name", np.int32)
        self.form_variant = joined("form_variant", np.int8)
        self.form_romanised = joined("form_romanised", bool)
        self.form_kana = joined("form_kana", bool)
        self.form_legal = Categorical(joined("form_legal", np.int16), list(legal_codes))
        lengths_np = joined("lengths", np.int32)
        self.tok_offsets = np.zeros(n_forms + 1, dtype=np.int64)
        np.cumsum(lengths_np, out=self.tok_offsets[1:])
        self.tok_ids = joined("tok_ids", np.int32)
        form_of_token = np.repeat(np.arange(n_forms, dtype=np.int32), lengths_np)
        vocab.finish(self.tok_ids, form_of_token, n_forms)
        cumulative = np.zeros(len(self.tok_ids) + 1, dtype=np.float64)
        np.cumsum(vocab.weight[self.tok_ids], out=cumulative[1:])
        self.form_weight = (
            cumulative[self.tok_offsets[1:]] - cumulative[self.tok_offsets[:-1]]
        ).astype(np.float32)
        order = np.argsort(self.tok_ids, kind="stable")
        self.post_forms = form_of_token[order]
        self.post_offsets = np.zeros(len(vocab.tokens) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.tok_ids, minlength=len(vocab.tokens)), out=self.post_offsets[1:])
        self.compact = HashLookup.of(
            joined("compact_hashes", np.uint64), joined("compact_fids", np.int32)
        )
        bigrams: dict[str, list[int]] = defaultdict(list)
        for f, text in self.cjk.items():
            for bg in _bigrams(text):
                bigrams[bg].append(f)
        self.cjk_bigrams = dict(bigrams)
        self.brute_force_limit = brute_force_limit
        self._prepare_brute_force()
        if small and n_forms <= brute_force_limit:
            self._name_forms = kept_forms
        return self

    def _prepare_brute_force(self) -> None:
        n_forms = len(self.form_name)
        if n_forms <= self.brute_force_limit:
            # Tokens pre-sorted, so plain ``ratio`` computes token_sort_ratio without re-sorting.
            self.texts = [" ".join(sorted(self._form_tokens(f))) for f in range(n_forms)]
            self.skeletons = [
                " ".join(sorted(skeleton(t) for t in self._form_tokens(f))) for f in range(n_forms)
            ]
            self._sides = [self._make_side(f) for f in range(n_forms)]
            self._bounds = [bound_side(side) for side in self._sides]
            self._text_letters = LetterCounts.of(self.texts)
            self._skeleton_letters = LetterCounts.of(self.skeletons)

    # ------------------------------------------------------------------ saving and sharing
    def save(self, directory: str | Path) -> None:
        """Write the index to ``directory`` (arrays as ``.npy`` files, the rest pickled), for
        ``load`` to open in any process."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            "form_name": self.form_name,
            "form_variant": self.form_variant,
            "form_romanised": self.form_romanised,
            "form_kana": self.form_kana,
            "form_legal": self.form_legal.codes,
            "form_weight": self.form_weight,
            "tok_offsets": self.tok_offsets,
            "tok_ids": self.tok_ids,
            "post_offsets": self.post_offsets,
            "post_forms": self.post_forms,
            "compact.hashes": self.compact.hashes,
            "compact.fids": self.compact.fids,
        }
        categories = {}
        table = (
            self.names
            if isinstance(self.names, NameTable)
            else NameTable.of(self.names, ListedName)
        )
        for name, column in table.columns.items():
            if isinstance(column, StringColumn):
                arrays.update(column.arrays(f"names.{name}"))
            else:
                arrays[f"names.{name}"] = column.codes
                categories[name] = column.values
        save_arrays(directory, arrays)
        meta = {
            "format": _FORMAT,
            "version": self.version,
            "vocab": self.vocab,
            "cjk": self.cjk,
            "cjk_bigrams": self.cjk_bigrams,
            "legal_values": self.form_legal.values,
            "categories": categories,
            "brute_force_limit": self.brute_force_limit,
            "arrays": sorted(arrays),
        }
        with open(directory / "meta.pickle", "wb") as fh:
            pickle.dump(meta, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True) -> ListIndex:
        """Open an index ``save`` wrote. With ``mmap`` its arrays stay on disk, in the page cache
        shared by every process that opens the same directory."""
        directory = Path(directory)
        with open(directory / "meta.pickle", "rb") as fh:
            # Written by ``save`` into the index cache directory, never from outside.
            meta = pickle.load(fh)  # noqa: S301
        if meta.get("format") != _FORMAT:
            raise ValueError(f"index format {meta.get('format')!r}, expected {_FORMAT}")
        a = load_arrays(directory, meta["arrays"], mmap=mmap)
        self = cls()
        self.version = meta["version"]
        self.vocab = meta["vocab"]
        self.cjk = meta["cjk"]
        self.cjk_bigrams = meta["cjk_bigrams"]
        self.form_name = a["form_name"]
        self.form_variant = a["form_variant"]
        self.form_romanised = a["form_romanised"]
        self.form_kana = a["form_kana"]
        self.form_legal = Categorical(a["form_legal"], meta["legal_values"])
        self.form_weight = a["form_weight"]
        self.tok_offsets = a["tok_offsets"]
        self.tok_ids = a["tok_ids"]
        self.post_offsets = a["post_offsets"]
        self.post_forms = a["post_forms"]
        self.compact = HashLookup(a["compact.hashes"], a["compact.fids"])
        columns: dict = {}
        for name in NameTable.FIELDS:
            if name in NameTable.STRINGS:
                columns[name] = StringColumn.from_arrays(a, f"names.{name}")
            else:
                columns[name] = Categorical(a[f"names.{name}"], meta["categories"][name])
        self.names = NameTable(columns, ListedName)
        self.brute_force_limit = meta["brute_force_limit"]
        if len(self.form_name) <= self.brute_force_limit:
            self.names = list(self.names)
        self._prepare_brute_force()
        return self

    def __len__(self) -> int:
        return len(self.names)

    # ------------------------------------------------------------------ form access
    def _form_tokens(self, fid: int) -> tuple[str, ...]:
        if self._sides is not None:  # a list kept whole: its sides hold the very tuples
            return self._sides[fid].tokens
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
        return self._query_sides(form)[0]

    def _query_sides(self, form: NameForm) -> tuple[ScoredSide, BoundSide | None]:
        """The form's side for the scorer and its ``bound_side`` (None without tokens), remembered
        per spelling (a search asks twice; parties share names); each word's weight is
        remembered too."""
        cache = self.__dict__.get("_sides_cache")
        if cache is None:
            cache = self._sides_cache = {}
        key = (form.tokens, form.romanised, form.kana, form.syllabic)
        found = cache.get(key)
        if found is None:
            weights = self.__dict__.get("_token_weights")
            if weights is None:
                weights = self._token_weights = {}
            if len(cache) >= self.SIDES_CACHE:
                cache.clear()
            if len(weights) >= self.LOOKUP_CACHE:
                weights.clear()
            ws = []
            for t in form.tokens:
                w = weights.get(t)
                if w is None:
                    w = weights[t] = self.vocab.idf_of(t) * CLASS_FACTOR[token_class(t)]
                ws.append(w)
            side = ScoredSide(form.tokens, tuple(ws), form.romanised, form.kana, form.syllabic)
            found = cache[key] = (side, bound_side(side) if side.tokens else None)
        return found

    def _compact_fids(self, compact: str) -> tuple[int, ...]:
        """The forms whose words, written together, are ``compact`` (ascending): the exact-key
        lookup, as a dict for a list kept whole (no hash to compute, no collision to rule out)."""
        if self._sides is None:
            return tuple(
                fid
                for fid in self.compact.get(compact).tolist()
                if "".join(self._form_tokens(fid)) == compact  # not a hash collision
            )
        table = self.__dict__.get("_compact_table")
        if table is None:
            lists: dict[str, list[int]] = {}
            for fid, side in enumerate(self._sides):
                if side.tokens:
                    lists.setdefault("".join(side.tokens), []).append(fid)
            # Tuples of numbers, which the garbage collector soon stops tracking.
            table = self._compact_table = {k: tuple(v) for k, v in lists.items()}
        return table.get(compact, ())

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
            qside = self._query_side(form)
            total = sum(qside.weights) or 1.0
            spelt_out = False  # a listed name has this form's very words, glued
            for fid in self._compact_fids(form.compact):
                scores[fid] += 3.0
                spelt_out = True
            expansions: list[tuple[int, float]] = []
            unknown: list[tuple[float, tuple[tuple[int, float], ...]]] = []
            for tok, qweight in zip(form.tokens, qside.weights, strict=True):
                found = self._lookup(tok, form.romanised)
                expansions.extend(found)
                if tok not in vocab.ids and found:
                    unknown.append((qweight, found))
            for a, b in zip(form.tokens, form.tokens[1:], strict=False):
                tid = vocab.ids.get(a + b)
                if tid is not None:
                    expansions.append((tid, 0.95))
            df = self._df()
            # (A word is in at most every form: under a cap above that, every word is usable.)
            usable = (
                expansions
                if rare_cap > n_forms
                else [e for e in expansions if df[e[0]] <= rare_cap]
            )
            if not usable:
                usable = sorted(expansions, key=lambda e: df[e[0]])[:2]
            # A small list sums few postings in plain Python (``_add_few``), the rest with numpy.
            few = bool(usable) and self.texts is not None and self._add_few(scores, usable, total)
            if usable and not few:
                offsets = self.post_offsets
                chunks, shares = [], []
                for tid, sim in usable:
                    chunks.append(self.post_forms[offsets[tid] : offsets[tid + 1]])
                    shares.append(sim * vocab.weight[tid] / total)
                ids = np.concatenate(chunks)
                if len(ids):
                    weights = np.repeat(shares, [len(c) for c in chunks])
                    if self.texts is not None:
                        # A small list: sum by form id directly (the same sums, in the same order).
                        uniq = np.bincount(ids, minlength=n_forms).nonzero()[0]
                        acc = np.bincount(ids, weights=weights, minlength=n_forms)[uniq]
                    else:
                        uniq, inv = np.unique(ids, return_inverse=True)
                        acc = np.bincount(inv, weights=weights)
                    if self.texts is None:
                        # A large list (no brute force): rank like the scorer will.
                        common = [e for e in expansions if e not in usable]
                        acc = self._large_pre_scores(uniq, acc, common, unknown, total)
                    if len(uniq) > MAX_CANDIDATES:
                        top = (-acc).argpartition(MAX_CANDIDATES)[:MAX_CANDIDATES]
                        uniq, acc = uniq[top], acc[top]
                    _add_in_turn(scores, uniq.tolist(), acc.tolist())
            if form.cjk:
                grams = _bigrams(form.cjk)
                overlap: dict[int, int] = defaultdict(int)
                for bg in grams:
                    for fid in self.cjk_bigrams.get(bg, ()):
                        overlap[fid] += 1
                for fid, n in overlap.items():
                    share = n / max(len(grams), self._cjk_bigram_count(fid))
                    if share >= 0.3:
                        scores[fid] += 2.0 * share
            if self.texts is not None and form.tokens and not spelt_out:
                # The brute force finds names the words cannot (split, glued or misspelt beyond
                # the fuzzy lookup); a form some listed name spells out word for word needs none.
                self._brute_force(form, scores)
        ranked = sorted(scores.items(), key=itemgetter(1), reverse=True)
        return ranked[:MAX_CANDIDATES]

    #: Up to this many postings, a small list's pre-scores are summed in plain Python.
    FEW_POSTINGS = 200

    def _add_few(
        self, scores: dict[int, float], usable: list[tuple[int, float]], total: float
    ) -> bool:
        """The rare-word pre-scores of a small list, when its words' postings are few: summed in
        plain Python, where a dozen numpy calls cost more than the sums. The same sums in the same
        order as ``np.bincount`` over the postings (each word's share computed in float32, as numpy
        computes it), added by ascending form id. False (nothing added) for more postings."""
        posts = self.__dict__.get("_post_lists")
        if posts is None:
            posts = self._post_lists = (self.post_forms.tolist(), self.post_offsets.tolist())
        forms, offsets = posts
        postings = 0
        for tid, _ in usable:
            postings += offsets[tid + 1] - offsets[tid]
        if postings > self.FEW_POSTINGS:
            return False
        weight = self.vocab.weight
        acc: dict[int, float] = {}
        get = acc.get
        for tid, sim in usable:
            share = float(sim * weight[tid] / total)
            for fid in forms[offsets[tid] : offsets[tid + 1]]:
                acc[fid] = get(fid, 0.0) + share
        uniq = sorted(acc)  # (at most FEW_POSTINGS ≤ MAX_CANDIDATES forms: all are kept)
        _add_in_turn(scores, uniq, [acc[f] for f in uniq])
        return True

    # Per-index caches of work that depends only on a query word (parties share words: "trading",
    # common given names), not kept when the index is saved or pickled.
    _CACHED = (
        "_lookups",
        "_post_lists",
        "_df_list",
        "_cjk_bigram_counts",
        "_form_listed",
        "_sides_cache",
        "_token_weights",
        "_compact_table",
    )
    LOOKUP_CACHE = 20_000
    #: Few sides are kept (a search asks for its own twice): each is a handful of objects the
    #: garbage collector would walk on every full collection.
    SIDES_CACHE = 64

    def _lookup(self, token: str, romanised: bool) -> tuple[tuple[int, float], ...]:
        """``vocab.lookup`` as (token id, similarity) pairs, remembered per word (as a tuple of
        numbers, which the garbage collector soon stops tracking)."""
        cache = self.__dict__.get("_lookups")
        if cache is None:
            cache = self._lookups = {}
        key = (token, romanised)
        found = cache.get(key)
        if found is None:
            if len(cache) >= self.LOOKUP_CACHE:
                cache.clear()
            found = cache[key] = tuple(self.vocab.lookup(token, romanised).items())
        return found

    def _listed_of(self) -> list[ListedName] | None:
        """The listed name of each form, for a list kept as objects (None for a large one)."""
        if not isinstance(self.names, list):
            return None
        listed = self.__dict__.get("_form_listed")
        if listed is None:
            names = self.names
            listed = self._form_listed = [names[ni] for ni in self.form_name.tolist()]
        return listed

    def _df(self) -> list[int]:
        df = self.__dict__.get("_df_list")
        if df is None:
            df = self._df_list = self.vocab.df.tolist()
        return df

    def _cjk_bigram_count(self, fid: int) -> int:
        counts = self.__dict__.get("_cjk_bigram_counts")
        if counts is None:
            counts = self._cjk_bigram_counts = {}
        n = counts.get(fid)
        if n is None:
            n = counts[fid] = len(_bigrams(self.cjk[fid]))
        return n

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHED}

    def _large_pre_scores(
        self,
        uniq: np.ndarray,
        acc: np.ndarray,
        common: list[tuple[int, float]],
        unknown: list[tuple[float, tuple[tuple[int, float], ...]]],
        total: float,
    ) -> np.ndarray:
        """Pre-scores of the candidates of a large list, closer to the final score.

        The rare words found the candidates (``uniq``, query weight matched ``acc``); the common
        words too frequent to find any still count for the candidates that hold them; and a
        listed name is scored against its own length too (Dice: 2·matched / (query + listed
        weight)), so that among the thousands of names holding the same words, those with no
        other words come first, as the scorer will rank them. A misspelt query word is in no
        listed name, so it looks as rare as a word can be; for a candidate holding a word it
        may stand for, it weighs what that word weighs."""
        vocab = self.vocab

        def held(tid: int) -> np.ndarray | None:
            post = self.post_forms[self.post_offsets[tid] : self.post_offsets[tid + 1]]
            if not len(post):
                return None
            at = np.searchsorted(post, uniq)
            return post[np.minimum(at, len(post) - 1)] == uniq

        for tid, sim in common:
            mask = held(tid)
            if mask is not None:
                acc = acc + mask * (sim * float(vocab.weight[tid]) / total)
        query = np.full(len(uniq), total)
        for qweight, found in unknown:
            stands_for = np.zeros(len(uniq))
            for tid, _ in found:
                mask = held(tid)
                if mask is not None:
                    stands_for = np.where(
                        mask, np.maximum(stands_for, vocab.weight[tid]), stands_for
                    )
            query -= np.where(stands_for > 0, qweight - stands_for, 0.0)
        listed = self.form_weight[uniq]
        return 2.0 * acc * total / (query + listed)

    def _scored_candidates(self, forms: list[NameForm]) -> list[int]:
        """The form ids ``search`` scores: the most promising candidates, at most ``MAX_SCORED``
        (more when tied with the last), and none under ``MIN_PRE_SHARE`` of the best after the
        first ten."""
        ranked = self._ranked_candidates(forms)
        if len(ranked) <= 10:  # the first ten are scored whatever their pre-scores
            return [fid for fid, _ in ranked]
        relative_floor = ranked[0][1] * MIN_PRE_SHARE
        if ranked[10][1] < relative_floor:  # (the usual case) the cut is right after the tenth
            return [fid for fid, _ in ranked[:10]]
        floor = ranked[min(MAX_SCORED, len(ranked)) - 1][1]
        out = []
        for rank, (fid, pre) in enumerate(ranked):
            if rank >= MAX_SCORED and pre < floor or rank >= 10 and pre < relative_floor:
                break
            out.append(fid)
        return out

    def _brute_force(self, form: NameForm, scores: dict[int, float]) -> None:
        """The best ``fuzz.ratio`` matches of the form's sorted words (or their consonant
        skeletons, for a name read from another script) among every listed form, as rapidfuzz's
        ``process.extract`` over all of them finds them; only the forms whose letter counts let
        them reach the cutoff (``LetterCounts``, a provable bound) are compared."""
        if form.romanised:
            query = " ".join(sorted(skeleton(t) for t in form.tokens))
            choices, letters, cutoff = self.skeletons, self._skeleton_letters, 55
        else:
            query = " ".join(sorted(form.tokens))
            choices, letters, cutoff = self.texts, self._text_letters, 70
        assert choices is not None and letters is not None  # noqa: S101 (a small list has both)
        fids = letters.may_reach(query, cutoff)
        # The forms in one call (``itemgetter`` gives a lone item bare, and wants one at least).
        compared = itemgetter(*fids)(choices) if len(fids) > 1 else [choices[f] for f in fids]
        found = process.extract(
            query,
            compared,
            scorer=fuzz.ratio,
            limit=BRUTE_FORCE_PER_PASS,
            score_cutoff=cutoff,
        )
        for _, sc, at in found:
            scores[fids[at]] += sc / 100.0

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        country: str | None = None,
        limit: int = 10,
        min_score: float = 0.5,
        kind: str | None = None,
        prune: bool = True,
    ) -> list[Hit]:
        """The best hits for a party's name. ``kind`` is the party's kind ("person" or
        "organization"; None when unknown), weighed against each entry's kind.

        ``prune``: a candidate whose score cannot reach ``min_score`` nor beat the ``limit``-th
        best entry so far, nor its own entry's best so far (by ``score_bound``, an upper bound),
        is not scored in full. The hits are the same either way; ``prune=False`` scores every
        candidate (for tests)."""
        forms = analyse_query(query)
        if not forms:
            return []
        best: dict[str, tuple[float, int, NameForm, object, dict]] = {}
        scored: dict = {}
        # Per query form: the form, its side, its bound side and its memo (see score_bound).
        per_form = [(f, *self._query_sides(f), {}) for f in forms]
        floor = min_score  # a candidate scoring below this cannot be among the hits
        listed_of = self._listed_of()
        kept_sides, kept_bounds = self._sides, self._bounds
        for fid in self._scored_candidates(forms):
            listed_side = kept_sides[fid] if kept_sides is not None else self._make_side(fid)
            listed = (
                listed_of[fid] if listed_of is not None else self.names[int(self.form_name[fid])]
            )
            lbound = None
            for form, qside, qbound, memo in per_form:
                cjk_raw = self._cjk_similarity(form, fid) if form.cjk else 0.0
                if not listed_side.tokens or not qside.tokens:
                    result = None
                    raw = cjk_raw
                else:
                    if prune:
                        if lbound is None:
                            lbound = (
                                kept_bounds[fid]
                                if kept_bounds is not None
                                else bound_side(listed_side)
                            )
                        # A form of an entry that already scored higher cannot change its hit.
                        prev = best.get(listed.entry_id)
                        need = floor if prev is None or prev[0] < floor else prev[0]
                        # Any upper bound under this drops the candidate below: qualify lifts a
                        # score s with the country by at most 0.3·(1 − s) (and lowers it else).
                        enough = need - BOUND_MARGIN
                        if country and listed.country:
                            enough = (enough - COUNTRY_AGREES) / (1.0 - COUNTRY_AGREES)
                        upper = score_bound(qbound, lbound, need, memo, enough)
                        if upper is not None:
                            # qualify raises a score only with the country (monotonically);
                            # the legal form, an acronym and the kind only lower it. Without
                            # both countries it only keeps the score within 0..1.
                            if cjk_raw > upper:
                                upper = cjk_raw
                            if country and listed.country:
                                upper, _ = qualify(
                                    upper,
                                    query_legal=None,
                                    listed_legal=None,
                                    query_country=country,
                                    listed_country=listed.country,
                                    variant="full",
                                )
                            if upper + BOUND_MARGIN < need:
                                continue
                    listed_person = listed.kind in PERSON_KINDS
                    key = (qside, listed_side, listed_person)
                    result = scored.get(key)
                    if result is None:
                        # The same words under another entry (a name on two lists) score the same.
                        joins = (
                            (may_join(qbound, lbound), may_join(lbound, qbound))
                            if lbound is not None
                            else (True, True)
                        )
                        result = scored[key] = score_sides(
                            qside, listed_side, memo, listed_person=listed_person, joinable=joins
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
                    if prune and len(best) >= limit > 0:
                        # Below the limit-th best entry's score, a candidate is not a hit.
                        kth = heapq.nlargest(limit, (v[0] for v in best.values()))[-1]
                        floor = max(min_score, kth)
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
        ni = int(self.form_name[fid])
        forms = (
            self._name_forms[ni]
            if self._name_forms is not None
            else _listed_forms(self.names[ni].name)
        )
        for form in forms:
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
