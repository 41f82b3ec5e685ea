"""The token vocabulary of an index: rarity, and the ways a query token can find listed tokens.

A query token reaches listed tokens by exact spelling, by a one-deletion neighbourhood (catches
typos, transpositions and most one- and two-edit variants, SymSpell-style), by Metaphone key, by
consonant skeleton (names read from Japanese), and by splitting or joining words.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from .normalise import token_class
from .phonetics import phonetic_key, skeleton
from .scoring import CLASS_FACTOR, edit_budget, token_similarity

MIN_IDF_FORMS = 1000
MAX_KEY_FANOUT = 64  # a phonetic key shared by more tokens than this says too little to follow


def _deletes(token: str) -> set[str]:
    return {token[:k] + token[k + 1 :] for k in range(len(token))}


class Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.tokens: list[str] = []
        self.df = np.zeros(0, dtype=np.int32)
        self.weight = np.zeros(0, dtype=np.float32)
        self.n_forms = 0
        self._deletes: dict[str, list[int]] = {}
        self._phonetic: dict[str, list[int]] = {}
        self._skeleton: dict[str, list[int]] = {}

    def add(self, token: str) -> int:
        tid = self.ids.get(token)
        if tid is None:
            tid = self.ids[token] = len(self.tokens)
            self.tokens.append(token)
        return tid

    def finish(self, tok_ids: np.ndarray, form_of_token: np.ndarray, n_forms: int) -> None:
        """Compute document frequencies and weights, and the fuzzy lookup tables."""
        self.n_forms = n_forms
        # Each (form, token) pair once: sorted, then the repeats dropped (``np.unique`` takes
        # seconds on a million names where a sort takes a tenth of one).
        pairs = form_of_token.astype(np.int64) * len(self.tokens) + tok_ids
        pairs.sort()
        if len(pairs):
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        self.df = np.bincount(pairs % max(len(self.tokens), 1), minlength=len(self.tokens)).astype(
            np.int32
        )
        # A small list must not make its own words look common: rarity is judged as if the list
        # had at least MIN_IDF_FORMS names.
        n = max(n_forms, MIN_IDF_FORMS) + 1
        idf = np.log(n / (self.df + 0.5)) / math.log(n / 0.5)
        factors = np.array([CLASS_FACTOR[token_class(t)] for t in self.tokens], dtype=np.float32)
        self.idf = idf.astype(np.float32)
        self.weight = (idf * factors).astype(np.float32)
        deletes: dict[str, list[int]] = defaultdict(list)
        phon: dict[str, list[int]] = defaultdict(list)
        skel: dict[str, list[int]] = defaultdict(list)
        for tid, tok in enumerate(self.tokens):
            if len(tok) >= 4 and not tok.isdigit():
                for d in _deletes(tok) | {tok}:
                    deletes[d].append(tid)
                phon[phonetic_key(tok)].append(tid)
            if len(tok) >= 2 and tok.isalpha():
                skel[skeleton(tok)].append(tid)
        self._deletes = dict(deletes)
        self._phonetic = {k: v for k, v in phon.items() if len(v) <= MAX_KEY_FANOUT}
        self._skeleton = {k: v for k, v in skel.items() if len(v) <= MAX_KEY_FANOUT}

    def idf_of(self, token: str) -> float:
        tid = self.ids.get(token)
        if tid is None:
            return 1.0
        return float(self.idf[tid])

    def lookup(self, token: str, romanised: bool = False) -> dict[int, float]:
        """Listed tokens this query token may stand for, with their similarity."""
        found: dict[int, float] = {}
        tid = self.ids.get(token)
        if tid is not None:
            found[tid] = 1.0
        if token.isdigit() or len(token) < 2:
            return found
        near: set[int] = set()
        if len(token) >= 4 and edit_budget(len(token)) > 0:
            for key in _deletes(token) | {token}:
                near.update(self._deletes.get(key, ()))
            near.update(self._phonetic.get(phonetic_key(token), ()))
        if romanised:
            near.update(self._skeleton.get(skeleton(token), ()))
        for other in near:
            if other in found:
                continue
            sim, _ = token_similarity(token, self.tokens[other], romanised)
            if sim > 0.0:
                found[other] = sim
        if tid is None and len(token) >= 6:
            for k in range(3, len(token) - 2):
                a, b = self.ids.get(token[:k]), self.ids.get(token[k:])
                if a is not None and b is not None:
                    found.setdefault(a, 0.9)
                    found.setdefault(b, 0.9)
        return found
