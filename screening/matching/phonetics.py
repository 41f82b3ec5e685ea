"""Per-token sound keys.

Two keys per token:

* ``phonetic_key`` — Metaphone, for spelling variants within Latin script (Mohamed/Muhammad,
  Scholz/Sholz).
* ``skeleton`` — a coarse consonant skeleton for names that crossed a script boundary, above all
  Japanese katakana renderings of foreign names: katakana adds vowels after every consonant,
  merges l/r and v/b, and spells "ch" several ways. The skeleton drops vowels, merges those pairs
  and collapses the affricates, so "ミロシェヴィッチ" (miroshevitchi) and "Milosevic" land close.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish

_AFFRICATES = re.compile(r"tsch|tch|tsh|ch|ts|tz|cz|c(?=[ie])")
_DIGRAPHS = (
    ("sh", "s"),
    ("zh", "j"),
    ("kh", "k"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("dz", "j"),
    ("dj", "j"),
    ("dzh", "j"),
    ("ng", "n"),
    ("x", "ks"),
    ("q", "k"),
)
_LETTERS = str.maketrans({"l": "r", "v": "b", "w": "b", "c": "k", "z": "s", "j": "j"})
_VOWELS = re.compile(r"[aeiouyh]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def phonetic_key(token: str) -> str:
    if not token.isalpha():
        return token
    return jellyfish.metaphone(token) or token


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    if not token.isalpha():
        return token
    s = _AFFRICATES.sub("C", token)
    for a, b in _DIGRAPHS:
        if a in s:
            s = s.replace(a, b)
    s = s.translate(_LETTERS).replace("C", "c")
    head, tail = s[:1], s[1:]
    if head in "aeiouyh":
        head = "a"
    s = head + _VOWELS.sub("", tail)
    return _REPEATS.sub(r"\1", s)
