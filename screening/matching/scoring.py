"""Graded name score: one-to-one token alignment weighted by rarity and token class.

The score answers "how sure are we that the party *is* this listed name", on 0..1:

* each query token is paired with at most one listed token (exact, nickname, phonetic,
  length-budgeted edit distance, initial, or — for names read from Japanese — romanised skeleton);
* a pair contributes its similarity times the listed token's weight (rarity over the index × class:
  a surname counts more than "Trading", a particle or an initial least);
* unmatched query tokens cost their full weight, unmatched listed tokens only a share
  (a party that says less than the list is likelier the same than one that says something else);
* numbers that disagree and contradicting legal forms cost; a country that agrees nudges up;
* a name that carries little evidence (one common word) cannot reach the top of the scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from rapidfuzz.distance import OSA, Levenshtein

from .lexicon import NICKNAMES, NUMBER_WORDS, WEAK_LEGAL_CLASSES
from .normalise import token_class
from .phonetics import phonetic_key, skeleton

CLASS_FACTOR = {
    "name": 1.0,
    "generic": 0.45,
    "particle": 0.25,
    "initial": 0.3,
    "number": 0.35,
    "patronymic": 0.35,
    "place": 0.2,
}
UNMATCHED_QUERY_COST = 0.7
UNMATCHED_LISTED_COST = 0.3
# A listed word left over while the party also has a word left over is a contradiction
# (a different surname), not an omission: it costs in full.
CONFLICT_COST = 1.0
MIN_PAIR_SIMILARITY = 0.55
NUMBER_CONTRADICTION_FACTOR = 0.9
LEGAL_FORM_CONTRADICTION = 0.04
COUNTRY_AGREES = 0.3  # closes this share of the gap to 1.0 (so it never reaches 1.0)
COUNTRY_DIFFERS = -0.03
ACRONYM_FACTOR = 0.93
ROMANISED_CEILING = 0.85  # a match through a consonant skeleton is never as sure as a spelling
EVIDENCE_SCALE = 0.9
# A short personal name (a few syllables of at most this many letters) against a listed person:
# each listed given name it does not give costs nearly in full.
SHORT_NAME_TOKENS = 3
SHORT_NAME_LETTERS = 5
UNMATCHED_GIVEN_NAME_COST = 0.8
# Words joined to pair ("Amir Kabir" / "Amirkabir", an acronym for its words) are a hair less sure
# than the same words paired as written: a name given word for word in another order outranks one
# reached by joining words. Not for names read from kana, whose word breaks are guesses.
JOINED_FACTOR = 0.99
LONG_WORD = 6  # letters from which one slip leaves a word recognisable
ONE_SLIP_SIMILARITY = 0.94


@dataclass(frozen=True, slots=True)
class ScoredSide:
    """Tokens of one name with their weights (rarity × class), ready to align."""

    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    romanised: bool = False  # read from another script: compare consonant skeletons too
    kana: bool = False  # read from Japanese kana: word breaks are unreliable, compare whole names
    syllabic: bool = False  # syllables read from Han or hangul: pair by spelling only


def edit_budget(length: int) -> int:
    """How many edits a token of this length may absorb and still be the same word."""
    if length <= 2:
        return 0
    if length == 3:
        return 1
    if length <= 5:
        return 1
    if length <= 9:
        return 2
    return 3


NUMBER_SPELLINGS: dict[str, tuple[str, ...]] = {}
for _word, _value in NUMBER_WORDS.items():
    NUMBER_SPELLINGS[_value] = (*NUMBER_SPELLINGS.get(_value, ()), _word)


@lru_cache(maxsize=300_000)
def token_similarity(q: str, c: str, romanised: bool = False) -> tuple[float, str]:
    if q == c:
        return 1.0, "exact"
    if q.isdigit() != c.isdigit() and (q.isdigit() or c.isdigit()):
        # "Elveen" for "Eleven" (read as 11): compare the word with the number's words.
        number, word = (q, c) if q.isdigit() else (c, q)
        best = 0.0, "none"
        for spelt in NUMBER_SPELLINGS.get(number, ()):
            sim, method = token_similarity(word, spelt, romanised)
            if method == "edit" and sim > best[0]:
                best = sim, "edit"
        return best
    if q.isdigit() or c.isdigit():
        return 0.0, "none"
    if len(q) == 1 or len(c) == 1:
        return (0.6, "initial") if q[0] == c[0] else (0.0, "none")
    if NICKNAMES.get(q) == c or NICKNAMES.get(c) == q:
        return 0.9, "nickname"
    longest = max(len(q), len(c))
    best, method = 0.0, "none"
    budget = edit_budget(longest)
    if abs(len(q) - len(c)) > max(1, budget) + (longest >= 6) and not romanised:
        # More letters apart than any edit or phonetic pairing allows.
        return 0.0, "none"
    d = OSA.distance(q, c, score_cutoff=budget + 1)
    if d <= edit_budget(longest):
        best, method = (1.0 - d / (longest + 2) if longest > 3 else 0.65), "edit"
        if d == 1 and longest >= LONG_WORD:
            # One slip (a swapped, missing, extra or wrong letter) in a long word: the same word.
            best = max(best, ONE_SLIP_SIMILARITY)
    same_head = q[0] == c[0] or q[0] in "aeiou" and c[0] in "aeiou"
    near = d <= max(1, edit_budget(longest)) + (longest >= 6)
    if same_head and near and phonetic_key(q) == phonetic_key(c):
        sim = (0.9 if d <= edit_budget(longest) else 0.82) - (0.08 if longest <= 4 else 0.0)
        if sim > best:
            best, method = sim, "phonetic"
    if romanised and 0.5 <= len(q) / len(c) <= 2.0:
        sq, sc = skeleton(q), skeleton(c)
        sim = ROMANISED_CEILING * Levenshtein.normalized_similarity(sq, sc)
        if len(sq) <= 2 or len(sc) <= 2:
            sim *= 0.85 if sq == sc else 0.5
        if sim > best and sim >= MIN_PAIR_SIMILARITY:
            best, method = sim, "romanised"
    if best < MIN_PAIR_SIMILARITY:
        return 0.0, "none"
    return best, method


@dataclass(slots=True)
class Alignment:
    pairs: list[tuple[int, int, float, str]]  # (query index, listed index, similarity, method)
    unmatched_query: list[int]
    unmatched_listed: list[int]


def align(query: ScoredSide, listed: ScoredSide, memo: dict | None = None) -> Alignment:
    """Greedy one-to-one alignment, best pairs first (token counts are small).

    ``memo``: the bound's memo of this very query side (``score_bound``), when it holds a listed
    token: the query tokens with any similarity to it (bits), so only those are compared."""
    romanised = query.romanised or listed.romanised
    syllabic = query.syllabic or listed.syllabic
    options = []
    weights = listed.weights
    known = memo.get if memo else None
    for j, c in enumerate(listed.tokens):
        pairable = known((c, True) if romanised else c) if known else None
        for i, q in enumerate(query.tokens):
            if pairable is not None and not pairable[1] >> i & 1:
                continue  # (no similarity: the pair would not be an option)
            sim, method = token_similarity(q, c, romanised)
            if syllabic and method != "exact":
                # "Cheng" is not "Chen", "Yeong" not "Jong": another syllable is another name.
                continue
            if sim > 0.0:
                options.append((sim * weights[j], sim, i, j, method))
    options.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    for _, sim, i, j, method in options:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        pairs.append((i, j, sim, method))
    return Alignment(
        pairs,
        [i for i in range(len(query.tokens)) if i not in used_q],
        [j for j in range(len(listed.tokens)) if j not in used_c],
    )


def merged_variants(
    side: ScoredSide, other: ScoredSide, left: list[int], other_left: list[int]
) -> list[ScoredSide]:
    """Join adjacent tokens when the joined word is (nearly) a leftover token of the other name.

    "Amir Kabir" against "Amirkabir": without this the one-to-one alignment would leave half of
    the name unmatched. Initials count too: "PLA" against "People's Liberation Army". Only
    tokens the first alignment left over are tried, which keeps this cheap.
    """
    if not left or not other_left:
        return []
    # Nearly every call joins nothing: first ask, from first letters and lengths, whether any
    # join could. (A superset of the joins below: the joined word begins as its target does and has the
    # target's length, or one letter more or less for a long target; initials make a short one.)
    tokens = side.tokens
    lengths = [len(t) for t in tokens]
    need: dict[str, set[int]] = {}
    for j in other_left:
        t = other.tokens[j]
        n = len(t)
        need.setdefault(t[0], set()).update((n - 1, n, n + 1) if n >= 6 else (n,))
    left_set = set(left)
    possible = False
    for k, first in enumerate(tokens):
        sizes = need.get(first[0])
        if sizes is None:
            continue
        if k in left_set and k < len(tokens) - 1:
            possible = True  # initials from here may make a short target
            break
        if any(
            m != k and lengths[k] + lengths[m] in sizes and (m in left_set or k in left_set)
            for m in range(len(tokens))
        ):
            possible = True
            break
    if not possible:
        return []
    out = []
    targets = {other.tokens[j] for j in other_left}
    by_head: dict[str, list[str]] = {}
    for t in targets:
        if len(t) >= 6:
            by_head.setdefault(t[0], []).append(t)
    acronyms = {t for t in targets if 2 <= len(t) <= 5}
    # Two words can only join into a target of their joint length (exactly, or within the one
    # edit allowed for a long target): other pairs are not even joined.
    joint_lengths = {len(t) for t in targets}
    for heads in by_head.values():
        for t in heads:
            joint_lengths.update((len(t) - 1, len(t) + 1))
    left_set = set(left)
    n_tok = len(side.tokens)
    # Any two words, in either order, one of them left over: word order is a weak signal at most,
    # so "Kabir Amir" joins to "amirkabir" as "Amir Kabir" does (syllables read from Han or
    # hangul only in their order).
    for k in range(n_tok):
        for m in range(n_tok):
            if k == m or (k not in left_set and m not in left_set):
                continue
            if (side.syllabic or other.syllabic) and m != k + 1:
                continue  # syllables of a name keep their order: 明晨 is "mingchen", not "chenming"
            if lengths[k] + lengths[m] not in joint_lengths:
                continue
            joined = side.tokens[k] + side.tokens[m]
            n = len(joined)
            if joined in targets or any(
                abs(len(t) - n) <= 1 and OSA.distance(joined, t, score_cutoff=1) <= 1
                for t in by_head.get(joined[0], ())
            ):
                out.append(_merge_pair(side, k, m, joined))
    if acronyms:
        for k in range(n_tok - 1):
            if k not in left_set:
                continue
            initials = side.tokens[k][0]
            for n in range(2, min(6, n_tok - k + 1)):
                initials += side.tokens[k + n - 1][0]
                if initials in acronyms:
                    out.append(_merge(side, k, n, initials))
    return out


def _merge_pair(side: ScoredSide, k: int, m: int, joined: str) -> ScoredSide:
    """Tokens k and m joined (in that order) in the place of the first of them."""
    first, second = min(k, m), max(k, m)
    tokens = list(side.tokens)
    weights = list(side.weights)
    tokens[first] = joined
    weights[first] = max(side.weights[k], side.weights[m])
    del tokens[second], weights[second]
    return ScoredSide(tuple(tokens), tuple(weights), side.romanised, side.kana, side.syllabic)


def _merge(side: ScoredSide, k: int, n: int, joined: str) -> ScoredSide:
    return ScoredSide(
        side.tokens[:k] + (joined,) + side.tokens[k + n :],
        side.weights[:k] + (max(side.weights[k : k + n]),) + side.weights[k + n :],
        side.romanised,
        side.kana,
        side.syllabic,
    )


@dataclass(slots=True)
class PairScore:
    score: float
    raw: float
    alignment: Alignment
    query: ScoredSide
    listed: ScoredSide
    penalties: dict
    cost: float = 0.0  # the raw score's denominator: paired listed weight + what is left over


def _length_factor(token: str) -> float:
    """Short tokens ("li", "su", "bin") say less about who someone is than long ones."""
    return min(1.0, 0.4 + 0.15 * len(token))


def short_personal_name(query: ScoredSide) -> bool:
    """A name made of a few short syllables ("Zhang Wei", "李 伟", "영수 송"): shared syllables
    are common, so what the list says beyond them counts."""
    return query.syllabic or (
        0 < len(query.tokens) <= SHORT_NAME_TOKENS
        and all(len(t) <= SHORT_NAME_LETTERS for t in query.tokens)
    )


def given_name_left(listed: ScoredSide, j: int) -> bool:
    return token_class(listed.tokens[j]) == "name"


def listed_left_cost(listed: ScoredSide, j: int, conflict: bool, given_names: bool) -> float:
    """What a listed word the party did not give costs, as a share of its weight."""
    if conflict:
        return CONFLICT_COST
    if given_names and given_name_left(listed, j):
        return UNMATCHED_GIVEN_NAME_COST
    return UNMATCHED_LISTED_COST


def unmatched_cost(
    query: ScoredSide, listed: ScoredSide, al: Alignment, given_names: bool = False
) -> float:
    q_left = sorted((query.weights[i] for i in al.unmatched_query), reverse=True)
    c_left = sorted(al.unmatched_listed, key=lambda j: -listed.weights[j])
    conflicts = min(len(q_left), len(c_left))
    return UNMATCHED_QUERY_COST * sum(q_left) + sum(
        listed_left_cost(listed, j, k < conflicts, given_names) * listed.weights[j]
        for k, j in enumerate(c_left)
    )


def _raw_score(
    query: ScoredSide, listed: ScoredSide, al: Alignment, given_names: bool = False
) -> tuple[float, float, float]:
    """(raw score, evidence, cost): the matched listed weight over the cost."""
    matched = sum(sim * listed.weights[j] for _, j, sim, _ in al.pairs)
    evidence = sum(
        sim * listed.weights[j] * _length_factor(listed.tokens[j]) for _, j, sim, _ in al.pairs
    )
    paired = sum(listed.weights[j] for _, j, _, _ in al.pairs)
    cost = paired + unmatched_cost(query, listed, al, given_names)
    return (matched / cost if cost > 0 else 0.0), evidence, cost


def full_token_match(result: PairScore | None) -> bool:
    """Every word of both names paired with its very spelling (after normalisation)."""
    if result is None:
        return False
    al = result.alignment
    return (
        not al.unmatched_query
        and not al.unmatched_listed
        and bool(al.pairs)
        and all(method == "exact" for _, _, _, method in al.pairs)
    )


def score_sides(
    query: ScoredSide,
    listed: ScoredSide,
    memo: dict | None = None,
    *,
    listed_person: bool = False,
    joinable: tuple[bool, bool] = (True, True),
) -> PairScore:
    """Score a party's name against a listed name. ``memo``: the bound's memo of this query side,
    if any (see ``align``). ``listed_person``: the listed entry is a person, so a short personal
    name pays in full for the listed given names it does not give. ``joinable``: whether words of
    the query, and of the listed name, may be joined at all (``may_join``); False spares looking
    for joins that cannot be."""
    given_names = listed_person and short_personal_name(query)
    best: PairScore | None = None
    variants = [(query, listed)]
    base = align(query, listed, memo)
    if base.unmatched_query and base.unmatched_listed:
        if joinable[0]:
            variants += [
                (q, listed)
                for q in merged_variants(query, listed, base.unmatched_query, base.unmatched_listed)
            ]
        if joinable[1]:
            variants += [
                (query, c)
                for c in merged_variants(listed, query, base.unmatched_listed, base.unmatched_query)
            ]
    for q, c in variants:
        al = base if (q is query and c is listed) else align(q, c)
        raw, evidence, cost = _raw_score(q, c, al, given_names)
        # Little evidence (one common word, an initial) cannot reach the top of the scale.
        confidence = 0.75 + 0.25 * (1.0 - math.exp(-evidence / EVIDENCE_SCALE))
        penalties: dict = {"evidence": round(evidence, 3), "confidence": round(confidence, 3)}
        if given_names:
            penalties["given_names_rule"] = True
            left = [c.tokens[j] for j in al.unmatched_listed if given_name_left(c, j)]
            if left:
                penalties["unmatched_given_names"] = left
        score = raw * confidence
        if (q is not query or c is not listed) and not (query.kana or listed.kana):
            # (Read from kana, word breaks are unreliable: a join there is no less sure.)
            score *= JOINED_FACTOR
            penalties["words_joined"] = JOINED_FACTOR
        qnums = {q.tokens[i] for i in al.unmatched_query if q.tokens[i].isdigit()}
        cnums = {c.tokens[j] for j in al.unmatched_listed if c.tokens[j].isdigit()}
        if qnums and cnums:
            score *= NUMBER_CONTRADICTION_FACTOR
            penalties["numbers_differ"] = sorted(qnums | cnums)
        if raw < 0.9 and len(q.tokens) + len(c.tokens) > 2:
            # Word splits the alignment cannot see: "Plat Ono Vich" / "Platonovich".
            glued = Levenshtein.normalized_similarity("".join(q.tokens), "".join(c.tokens))
            if glued >= 0.9 and glued * confidence > score:
                score = glued * confidence
                penalties["whole_name_compact"] = round(glued, 3)
        if query.kana or listed.kana:
            whole = (
                0.9
                * Levenshtein.normalized_similarity(
                    "".join(skeleton(t) for t in q.tokens), "".join(skeleton(t) for t in c.tokens)
                )
                * confidence
            )
            if whole > score:
                score = whole
                penalties["whole_name_romanised"] = round(whole, 3)
        if best is None or score > best.score:
            best = PairScore(score, raw, al, q, c, penalties, cost)
    # S101: narrows the type only; variants always holds (query, listed), so the loop set best.
    assert best is not None  # noqa: S101
    return best


PERSON_KINDS = frozenset({"person", "individual"})
#: A party of one kind on an entry of the other kind without a full-token match is held this far
#: below the alert threshold: still shown as a possible match, never raised as an alert.
KIND_MARGIN = 0.03


def kind_decision(
    party_kind: str | None, entry_kind: str | None, full_match: bool
) -> tuple[bool, dict]:
    """Weigh the party's kind against the entry's: (hold below the alert threshold?, explanation).

    A person alerts on an organisation (or a vessel, an aircraft), and an organisation on a person,
    only when every word of both names matches exactly. An unknown kind weighs nothing.
    """
    info: dict = {"party": party_kind, "entry": entry_kind}
    if not party_kind or not entry_kind:
        info["decision"] = "not weighed (kind unknown)"
        return False, info
    party_person = party_kind in PERSON_KINDS
    entry_person = entry_kind in PERSON_KINDS
    if party_person == entry_person:
        info["decision"] = "same kind"
        return False, info
    if full_match:
        info["decision"] = "kinds differ; every word matches exactly, so it may alert"
        return False, info
    info["decision"] = "kinds differ and not every word matches: held below the alert threshold"
    return True, info


def legal_forms_contradict(a: str | None, b: str | None) -> bool:
    return bool(a and b and a != b and a not in WEAK_LEGAL_CLASSES and b not in WEAK_LEGAL_CLASSES)


def qualify(
    score: float,
    *,
    query_legal: str | None,
    listed_legal: str | None,
    query_country: str | None,
    listed_country: str | None,
    variant: str,
    query_variant: str = "full",
) -> tuple[float, dict]:
    """Apply the qualifiers that are not about the name's words."""
    qualifiers: dict = {}
    if legal_forms_contradict(query_legal, listed_legal):
        score -= LEGAL_FORM_CONTRADICTION
        qualifiers["legal_form"] = f"contradicts ({query_legal} vs {listed_legal})"
    elif query_legal and listed_legal:
        qualifiers["legal_form"] = f"compatible ({query_legal} / {listed_legal})"
    if query_country and listed_country:
        if query_country.upper() == listed_country.upper():
            score += COUNTRY_AGREES * (1.0 - score) * min(1.0, score / 0.7) ** 4
            qualifiers["country"] = f"agrees ({listed_country})"
        else:
            score += COUNTRY_DIFFERS
            qualifiers["country"] = f"differs ({query_country} vs {listed_country})"
    if variant == "acronym" or query_variant == "acronym":
        score *= ACRONYM_FACTOR
        qualifiers["acronym"] = (
            "matched the listed acronym only"
            if variant == "acronym"
            else "matched the party's acronym only"
        )
    return max(0.0, min(1.0, score)), qualifiers


def side_weights(tokens: tuple[str, ...], idf) -> tuple[float, ...]:
    return tuple(idf(t) * CLASS_FACTOR[token_class(t)] for t in tokens)


# ---------------------------------------------------------------------------- score bound
def _joins(tokens: tuple[str, ...]) -> dict[int, tuple[tuple[str, int, int], ...]]:
    """Every two tokens written together (either order), with their places k and m, under the
    bit of their (first letter, joint length) key (see ``bound_side``). Kept by a listed side for
    good, so as tuples of strings and numbers, which the garbage collector soon stops tracking."""
    joined: dict[int, list[tuple[str, int, int]]] = {}
    for k, first in enumerate(tokens):
        at = ((ord(first[0]) & 31) << 5) + len(first)
        for m, second in enumerate(tokens):
            if k != m:
                joined.setdefault(at + len(second), []).append((first + second, k, m))
    return {key: tuple(found) for key, found in joined.items()}


@dataclass(slots=True)
class BoundSide:
    """What ``score_bound`` needs of one side, computed once per name (not per candidate).

    Whether one side's words may join into the other's is first asked of bits (Python ints, one
    ``&`` each): each key below sets one bit, so two sides that share a key share a bit; a
    shared bit (keys may share one too) sends the question on to the joins themselves
    (``_joins``, computed when first asked and kept) and the other side's words."""

    side: ScoredSide
    total: float  # the sum of the token weights
    glued: str  # the tokens written together
    entries: tuple  # each token with its weight and ``_word`` facts (``_entries``)
    joined_bits: int  # (first letter, joint length) of every two tokens written together
    target_bits: int  # (first letter, length) a join must have to make one of the tokens
    run_bits: int  # the first two letters of every 2 to 5 initials of consecutive tokens
    short_bits: int  # the first two letters of every token an acronym may make (2 to 5 letters)
    joined: dict | None = field(default=None, compare=False, repr=False)  # ``_joins``, once asked

    def joins(self) -> dict[int, tuple[tuple[str, int, int], ...]]:
        found = self.joined
        if found is None:
            found = self.joined = _joins(self.side.tokens)
        return found


def bound_side(side: ScoredSide) -> BoundSide:
    """A side's ``BoundSide``. The bit of a (first letter, length) key is 32 × (the letter's
    code modulo 32) + the length; of a word's first two letters, 32 × (the first's code modulo
    32) + the second's code modulo 32."""
    tokens = side.tokens
    targets = runs = short = 0
    lengths = 0  # the tokens' lengths, as bits
    twice = 0  # the lengths of two tokens or more
    heads = []
    for t in tokens:
        n = len(t)
        at = (ord(t[0]) & 31) << 5
        if n >= LONG_WORD:
            targets |= 7 << (at + n - 1)  # n - 1, n and n + 1
        else:
            targets |= 1 << (at + n)
            if n >= 2:
                short |= 1 << (at + (ord(t[1]) & 31))
        if heads:
            runs |= 1 << (heads[-1] + (at >> 5))
        heads.append(at)
        twice |= lengths & 1 << n
        lengths |= 1 << n
    joined = 0
    for t, at in zip(tokens, heads, strict=True):
        n = len(t)
        others = lengths if twice >> n & 1 else lengths & ~(1 << n)  # the other tokens' lengths
        joined |= others << (at + n)
    return BoundSide(
        side, sum(side.weights), "".join(tokens), _entries(side), joined, targets, runs, short
    )


def may_join(side: BoundSide, other: BoundSide) -> bool:
    """Whether ``merged_variants(side.side, other.side, …)`` could return anything, whatever
    the first alignment leaves over: whether it joins anything with every token left over."""
    return bool(join_variants(side, other))


def join_variants(side: BoundSide, other: BoundSide) -> list[ScoredSide]:
    """What ``merged_variants(side.side, other.side, every token, every token)`` gives (in
    another order), by its own tests (two words written together are one of the other name's
    words, or one slip from a long one of the same first letter; initials are a short one), asked
    of the joins whose first letter and length fit a word of the other name."""
    pairs = side.joined_bits & other.target_bits
    runs = side.run_bits & other.short_bits
    if not pairs and not runs:
        return []
    theirs = other.side.tokens
    out = []
    if pairs:
        joined = side.joins()
        syllabic = side.side.syllabic or other.side.syllabic
        while pairs:  # each shared bit
            low = pairs & -pairs
            pairs ^= low
            for written, k, m in joined[low.bit_length() - 1]:
                if syllabic and m != k + 1:
                    continue  # (syllables of a name keep their order)
                if written in theirs:
                    out.append(_merge_pair(side.side, k, m, written))
                    continue
                n, head = len(written), written[0]
                for t in theirs:
                    if (
                        len(t) >= LONG_WORD
                        and t[0] == head
                        and abs(len(t) - n) <= 1
                        and OSA.distance(written, t, score_cutoff=1) <= 1
                    ):
                        out.append(_merge_pair(side.side, k, m, written))
                        break
    if runs:
        # The first letters of 2 to 5 consecutive tokens: a short word found in the initials.
        initials = "".join(t[0] for t in side.side.tokens)
        for word in {t for t in theirs if 2 <= len(t) <= 5}:
            k = initials.find(word)
            while k >= 0:
                out.append(_merge(side.side, k, len(word), word))
                k = initials.find(word, k + 1)
    return out


_NICKNAMED = frozenset(NICKNAMES) | frozenset(NICKNAMES.values())


def _edit_reach(longest: int) -> int:
    """The most edits at which ``token_similarity`` still pairs two plain words (by spelling or
    by sound) whose longer one has ``longest`` letters."""
    return max(1, edit_budget(longest)) + (longest >= LONG_WORD)


_REACH = [_edit_reach(n) for n in range(64)]


def _plain(token: str) -> bool:
    """A word ``token_similarity`` pairs only through its spelling: not a number, not an
    initial, not a nickname."""
    return len(token) > 1 and not token.isdigit() and token not in _NICKNAMED


#: Below this similarity of consonant skeletons, the skeleton route of ``token_similarity``
#: cannot pair two words (ROMANISED_CEILING × 0.64 < MIN_PAIR_SIMILARITY, with rounding room).
_SKELETON_FLOOR = 0.64


#: ``_word``'s answers: a plain dict of tuples of numbers (which the garbage collector soon stops
#: tracking), not an ``lru_cache``, whose every entry is a tracked list that a full collection walks.
_WORDS: dict[str, tuple[int, bool, int, int]] = {}
_WORDS_LIMIT = 300_000


def _word(token: str) -> tuple[int, bool, int, int]:
    found = _WORDS.get(token)
    if found is None:
        if len(_WORDS) >= _WORDS_LIMIT:
            _WORDS.clear()
        found = _WORDS[token] = _word_facts(token)
    return found


def _word_facts(token: str) -> tuple[int, bool, int, int]:
    """What ``_similar_to`` asks of a word, once per word: its length, whether it is plain, its
    letters as bits (one per ASCII character; any other shares the bit of its code modulo 128,
    which can only hide a letter the other word lacks, so the count stays a lower bound) and the
    ``_edit_reach`` of its own length."""
    letters = 0
    for ch in token:
        letters |= 1 << (ord(ch) & 127)
    n = len(token)
    return n, _plain(token), letters, _REACH[min(n, 63)]


def _similar_to(q: ScoredSide, ct: str, romanised: bool, memo: dict) -> tuple[float, int]:
    """The best ``token_similarity(qt, ct, romanised)[0]`` over the query tokens ``qt``, and the
    query tokens with any (bits); ``memo`` belongs to the query side ``q`` (see ``_best_pair``)."""
    return _best_pair(_query_words(q, memo), ct, _word(ct), romanised)


def _query_words(q: ScoredSide, memo: dict) -> list:
    """Each query token with its bit and what ``_word`` tells of it, kept in the memo."""
    words = memo.get(None)
    if words is None:
        words = memo[None] = [
            (qt, 1 << i, n, plain, letters, ~letters, reach)
            for i, qt in enumerate(q.tokens)
            for n, plain, letters, reach in (_word(qt),)
        ]
    return words


def _best_pair(
    words: list, ct: str, facts: tuple[int, bool, int, int], romanised: bool
) -> tuple[float, int]:
    """``_similar_to`` for the query's ``_query_words`` and the listed token's ``_word`` facts.

    Two plain words more edits apart than ``_edit_reach`` allows are not similar by spelling nor
    by sound, which one capped edit distance tells (or their lengths, when no skeleton is
    compared); for names read from another script, neither by skeleton when their lengths or
    skeletons are too far apart: such pairs skip the rest of the comparison.

    Before the edit distance, its cheapest lower bound: every letter of one word that the other
    lacks takes an edit of its own (a substitution or deletion; a transposition moves only
    letters both words have), so more such letters than the reach rule the pair out too. The
    reach grows with the length, so the pair's (that of the longer word) is the larger of the
    two words' own."""
    best = 0.0
    bits = 0
    lc, plain_c, mc, rc = facts
    if plain_c and not romanised:  # (the common case, its tests ordered by cost)
        not_c = ~mc
        for qt, bit, lq, plain, mq, not_q, rq in words:
            if plain:
                reach = rq if rq > rc else rc
                if (
                    lq - lc > reach
                    or lc - lq > reach
                    or (mc & not_q).bit_count() > reach
                    or (mq & not_c).bit_count() > reach
                ):
                    continue
                if qt == ct:  # the same word: token_similarity's 1.0, the most it gives
                    bits |= bit
                    best = 1.0
                    continue
                if OSA.distance(qt, ct, score_cutoff=reach) > reach:
                    continue
            elif qt == ct:
                bits |= bit
                best = 1.0
                continue
            sim = token_similarity(qt, ct, False)[0]
            if sim > 0.0:
                bits |= bit
                if sim > best:
                    best = sim
        return best, bits
    for qt, bit, lq, plain, mq, _, rq in words:
        if qt == ct:
            bits |= bit
            best = 1.0
            continue
        if plain and plain_c:  # (so romanised: two plain words otherwise are compared above)
            reach = rq if rq > rc else rc
            if (
                (mc & ~mq).bit_count() > reach
                or (mq & ~mc).bit_count() > reach
                or OSA.distance(qt, ct, score_cutoff=reach) > reach
            ) and (
                not 0.5 <= lq / lc <= 2.0
                or Levenshtein.normalized_similarity(skeleton(qt), skeleton(ct)) < _SKELETON_FLOOR
            ):
                continue
        sim = token_similarity(qt, ct, romanised)[0]
        if sim > 0.0:
            bits |= bit
            if sim > best:
                best = sim
    return best, bits


def _entries(side: ScoredSide) -> tuple:
    """Each token of a listed side with its weight and ``_word`` facts (``BoundSide.entries``),
    the heaviest first (see ``_entries_bound``'s ``enough``; the bound itself is the same in any
    order: it sorts what it sums)."""
    return tuple(
        sorted(
            zip(side.tokens, side.weights, map(_word, side.tokens), strict=True),
            key=itemgetter(1),
            reverse=True,
        )
    )


def _words_bound(
    q: ScoredSide,
    c: ScoredSide,
    listed_total: float,
    romanised: bool,
    memo: dict,
    enough: float = 0.0,
) -> float:
    """The bound on the raw word score of ``score_bound``'s docstring, for these two sides as
    they stand (no word joined). ``memo`` belongs to the query side ``q``: (best similarity of a
    query token to a listed token, the query tokens it pairs) per listed token."""
    return _entries_bound(q, _entries(c), listed_total, romanised, memo, enough)


def _entries_bound(
    q: ScoredSide,
    entries: tuple,
    listed_total: float,
    romanised: bool,
    memo: dict,
    enough: float = 0.0,
) -> float:
    """``_words_bound`` for the listed side's ``_entries``.

    ``enough``: any upper bound under it will do (the caller drops the candidate). Before
    comparing a listed word the memo does not know, the words still unknown are taken to pair
    with similarity 1, as are the known ones that pair, and no query word to be left over: that
    bounds the raw score by x / (0.3·W + 0.7·x), x their weight (the bound of ``score_bound``'s
    docstring grows with each similarity and paired weight and falls with Q₀). When that is
    under ``enough``, it is returned without comparing the rest (the heaviest come first)."""
    pairs = []  # (best similarity, weight) of the listed tokens with a pair somewhere
    paired = 0  # the query tokens with a pair somewhere (bits)
    words = None
    unknown = listed_total  # the weight of the words not yet looked at
    reached = 0.0  # the weight of those looked at that pair
    share = 1.0 - UNMATCHED_LISTED_COST
    for ct, w, facts in entries:
        key = (ct, True) if romanised else ct  # (a plain word is its own key: no tuple to build)
        known = memo.get(key)
        if known is None:
            most = reached + unknown
            total = UNMATCHED_LISTED_COST * listed_total + share * most
            if most < enough * total:
                return most / total
            if words is None:
                words = _query_words(q, memo)
            known = memo[key] = _best_pair(words, ct, facts, romanised)
        unknown -= w
        if known[0] > 0.0:
            reached += w
            pairs.append((known[0], w))
            paired |= known[1]
    if not pairs:
        return 0.0
    q_unpaired = memo.get(paired)  # (an int key: the query tokens paired, as bits)
    if q_unpaired is None:
        q_unpaired = memo[paired] = sum(w for i, w in enumerate(q.weights) if not paired >> i & 1)
    base = UNMATCHED_LISTED_COST * listed_total + UNMATCHED_QUERY_COST * q_unpaired
    if len(pairs) == 1:  # (the loop below, once)
        sim, w = pairs[0]
        total = base + share * w
        if total <= 0.0:
            return 1.0
        return sim * w / total if sim * w / total > 0.0 else 0.0
    bound = 0.0
    num = den = 0.0
    pairs.sort(reverse=True)
    for sim, w in pairs:
        num += sim * w
        den += share * w
        total = base + den
        if total <= 0.0:
            return 1.0
        if num / total > bound:
            bound = num / total
    return bound


def _glued_bound(q_tokens: int, c_tokens: int, q_glued: str, c_glued: str) -> float:
    """What the whole-name comparison of ``score_sides`` can give (it counts from 0.9 up). Two
    names whose lengths differ by more than a tenth of the longer are at least that many edits
    apart: under 0.9, so 0.0 without the comparison."""
    if q_tokens + c_tokens <= 2:
        return 0.0
    if 10 * abs(len(q_glued) - len(c_glued)) > max(len(q_glued), len(c_glued)):
        return 0.0
    return Levenshtein.normalized_similarity(q_glued, c_glued, score_cutoff=0.9)


def _variant_memo(memo: dict, qv: ScoredSide) -> dict:
    """The memo of a query variant (words joined), kept in its query's memo: the same join
    recurs with the candidates that have the joined word."""
    key = (qv.tokens, qv.weights, None)  # (no listed word's key is a tuple of three)
    found = memo.get(key)
    if found is None:
        found = memo[key] = {}
    return found


def score_bound(
    query: BoundSide,
    listed: BoundSide,
    floor: float = math.inf,
    memo: dict | None = None,
    enough: float = 0.0,
) -> float | None:
    """An upper bound on ``score_sides(query.side, listed.side, …).score``, or None when a route
    to a high score applies that the bound does not cover (a name read from kana); then the
    candidate must be scored in full. None too when the bound reaches ``floor`` (the candidate
    is scored in full anyway).

    Each listed token j pairs at most with its best similarity s_j over the query tokens; a pair
    costs its weight, a listed token left over at least 0.3 of its weight, a query token that
    pairs with nothing 0.7 of its. So raw ≤ Σ_P s_j·w_j / (0.3·W + 0.7·Q₀ + 0.7·Σ_P w_j) for the
    paired set P; its maximum over P is reached by a prefix of the tokens by descending s_j.
    Confidence ≤ 1 and the number factor ≤ 1; the whole-name comparison is bounded by its own
    similarity when that reaches 0.9. ``memo``: one dict per query side, kept across its
    candidates (a listed word's similarities to the query's words are computed once).

    Words joined (``merged_variants``): ``score_sides`` joins only words its first alignment left
    over, and ``merged_variants`` finds a superset of those joins when every word is left over.
    Each such variant is bounded the same way, times ``JOINED_FACTOR`` (its whole-name comparison
    is not), and the bound is the largest of all.

    ``enough`` (at most ``floor``): a value under which any upper bound will do, the caller
    dropping the candidate whatever it is: a words bound (the variants' too) may then stop short
    (``_entries_bound``) and the value returned be more than the bound above, but under
    ``enough``; any other value returned is the bound above.
    """
    q, c = query.side, listed.side
    if q.kana or c.kana:
        return None
    romanised = q.romanised or c.romanised
    if memo is None:
        memo = {}
    bound = _entries_bound(q, listed.entries, listed.total, romanised, memo, enough)
    if bound >= floor:
        return None
    q_glued, c_glued = query.glued, listed.glued
    glued = _glued_bound(len(q.tokens), len(c.tokens), q_glued, c_glued)
    if glued > bound:
        if glued >= floor:
            return None
        bound = glued
    enough_joined = enough / JOINED_FACTOR  # (a variant's words bound counts times the factor)
    for qv in join_variants(query, listed):
        bound = max(
            bound,
            JOINED_FACTOR
            * _entries_bound(
                qv, listed.entries, listed.total, romanised, _variant_memo(memo, qv), enough_joined
            ),
            _glued_bound(len(qv.tokens), len(c.tokens), "".join(qv.tokens), c_glued),
        )
    for cv in join_variants(listed, query):
        bound = max(
            bound,
            JOINED_FACTOR * _words_bound(q, cv, sum(cv.weights), romanised, memo, enough_joined),
            _glued_bound(len(q.tokens), len(cv.tokens), q_glued, "".join(cv.tokens)),
        )
    if bound >= floor:
        return None
    return bound
