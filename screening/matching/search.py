"""Finding parties by name: the engine's forms, keys and scorer, asked the other way round.

Screening asks "is this party that listed name?". A search asks "which names answer this text?",
and the text may say less than the name ("Sharif" for "Sharif University of Technology"), be
misspelt on either side, or be written in another script ("シャリフ工科大学"). So:

* ``index_keys(name)`` gives the keys a stored name is found by: its normalised tokens, their
  Metaphone keys (spelling variants), their consonant skeletons (readings from another script),
  the glued name (word splits) and the CJK character bigrams. A database can hold them in an
  indexed column and return candidates without reading every name.
* ``NameQuery(text).keys`` gives the same kinds of keys for the search text, each with a weight
  (the engine's token class: a surname counts more than "University"), to rank the candidates.
* ``NameQuery(text).score(name)`` scores one candidate: the engine's identity score
  (``ListIndex.score_name``) or, when the text says less than the name, the same scorer applied to
  the words of the name the text lined up with, whichever is higher.
"""

from __future__ import annotations

from .index import ALERT_THRESHOLD, ListIndex
from .normalise import NameForm, analyse_name, token_class
from .phonetics import phonetic_key, skeleton
from .scoring import CLASS_FACTOR, ScoredSide, score_sides

#: A search keeps the names scoring at least the engine's own alert threshold: what would raise a
#: hit against a listed name is what counts as "this name" when an auditor searches for it.
SEARCH_THRESHOLD = ALERT_THRESHOLD
#: Longest stored key (a glued name is cut there; the bigrams and tokens are far shorter).
KEY_LENGTH = 64

_TOKEN, _PHONETIC, _SKELETON, _COMPACT, _BIGRAM = "t:", "p:", "s:", "c:", "b:"
_KEY_WEIGHT = {_TOKEN: 1.0, _PHONETIC: 0.8, _SKELETON: 0.6, _COMPACT: 1.0, _BIGRAM: 0.5}
# Token statistics of an empty index: every word equally rare, weighted by its class only.
_SCORER = ListIndex()


def _bigrams(text: str) -> set[str]:
    if len(text) == 1:
        return {text}
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _form_keys(form: NameForm, *, skeletons: bool) -> dict[str, float]:
    keys: dict[str, float] = {}

    def add(key: str, weight: float) -> None:
        key = key[:KEY_LENGTH]
        keys[key] = max(keys.get(key, 0.0), weight)

    for token in form.tokens:
        factor = CLASS_FACTOR[token_class(token)]
        add(_TOKEN + token, _KEY_WEIGHT[_TOKEN] * factor)
        if token.isalpha() and len(token) >= 4:
            add(_PHONETIC + phonetic_key(token), _KEY_WEIGHT[_PHONETIC] * factor)
        if skeletons and token.isalpha() and len(token) >= 2:
            add(_SKELETON + skeleton(token), _KEY_WEIGHT[_SKELETON] * factor)
    if len(form.tokens) > 1:
        add(_COMPACT + form.compact, _KEY_WEIGHT[_COMPACT])
    if form.cjk:
        grams = _bigrams(form.cjk)
        for gram in grams:
            add(_BIGRAM + gram, _KEY_WEIGHT[_BIGRAM] * 2 / len(grams))
    return keys


def index_keys(*names: str) -> set[str]:
    """Every key under which a stored name (and its local-script name) is found.

    Skeleton keys are stored for every token, because the search text may be the one read from
    another script; a Latin search text asks for them only when it was itself romanised.
    """
    keys: set[str] = set()
    for name in names:
        for form in analyse_name(name or ""):
            keys.update(_form_keys(form, skeletons=True))
            if len(form.tokens) == 1:
                # A one-word name ("Amirkabir") meets a text that splits it ("Amir Kabir").
                keys.add((_COMPACT + form.tokens[0])[:KEY_LENGTH])
    return keys


def _side(form: NameForm) -> ScoredSide:
    weights = tuple(CLASS_FACTOR[token_class(t)] for t in form.tokens)
    return ScoredSide(form.tokens, weights, form.romanised, form.kana)


def _narrowed(side: ScoredSide, keep: list[int]) -> ScoredSide:
    return ScoredSide(
        tuple(side.tokens[j] for j in keep),
        tuple(side.weights[j] for j in keep),
        side.romanised,
        side.kana,
    )


def _cjk_containment(query: str, name: str) -> float:
    """Share of the text's CJK bigrams found in the name, graded like the engine's CJK score."""
    if not query or not name:
        return 0.0
    a, b = _bigrams(query), _bigrams(name)
    confidence = 0.97 if len(a) >= 4 else 0.88 + 0.03 * len(a)
    return len(a & b) / len(a) * confidence


class NameQuery:
    """One search text, analysed once, scored against many stored names."""

    def __init__(self, text: str) -> None:
        self.text = " ".join((text or "").split())
        self.forms = analyse_name(self.text)
        self._sides = [(form, _side(form)) for form in self.forms]

    def __bool__(self) -> bool:
        return any(form.tokens or form.cjk for form in self.forms)

    @property
    def keys(self) -> dict[str, float]:
        """The keys to look up, each with its weight for ranking the candidates."""
        keys: dict[str, float] = {}
        for form in self.forms:
            for key, weight in _form_keys(form, skeletons=form.romanised).items():
                keys[key] = max(keys.get(key, 0.0), weight)
            if len(form.tokens) == 1:
                key = (_COMPACT + form.tokens[0])[:KEY_LENGTH]
                keys[key] = max(keys.get(key, 0.0), _KEY_WEIGHT[_COMPACT])
        return keys

    def score(self, name: str) -> float:
        """How well ``name`` answers the search text, on the engine's 0..1 scale."""
        if not name or not self:
            return 0.0
        best = _SCORER.score_name(self.text, name)
        for lform in analyse_name(name):
            lside = _side(lform)
            for form, qside in self._sides:
                best = max(best, _cjk_containment(form.cjk, lform.cjk))
                if not qside.tokens or not lside.tokens:
                    continue
                full = score_sides(qside, lside)
                best = max(best, full.score)
                # The scorer's best alignment, words joined where that helped ("Amir Kabir"):
                # score again against only the name's words the text lined up with.
                pairs, listed = full.alignment.pairs, full.listed
                if not pairs or len(pairs) == len(listed.tokens):
                    continue
                keep = sorted(j for _i, j, _sim, _method in pairs)
                best = max(best, score_sides(qside, _narrowed(listed, keep)).score)
        return best
