"""The matching engine's words, in the reader's language.

A hit's explanation (``screening.matching.explain``) is stored as the engine wrote it: codes
("strong", "exact", "primary") and short qualifier phrases with their values ("agrees (IR)",
"contradicts (LLC vs JSC)"). Those stay as stored, language-neutral facts; this module reads them
when a page, a PDF or an export shows them, so the same stored hit reads in Japanese and in
English, and a hit stored before this module existed reads the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exportctl.countries import country_name

#: How strong a match is (``explain.band``).
BANDS = {
    "strong": pgettext_lazy("match band", "strong"),
    "alert": pgettext_lazy("match band", "alert"),
    "possible": pgettext_lazy("match band", "possible"),
    "weak": pgettext_lazy("match band", "weak"),
}
#: Which of a listed entry's names matched.
NAME_KINDS = {
    "primary": pgettext_lazy("listed name", "primary name"),
    "alias": pgettext_lazy("listed name", "alias"),
    "local": pgettext_lazy("listed name", "local-script name"),
}
#: How a party's word was paired with a listed word.
METHODS = {
    "exact": pgettext_lazy("word match", "exact"),
    "edit": pgettext_lazy("word match", "spelling variant"),
    "phonetic": pgettext_lazy("word match", "sounds alike"),
    "romanised": pgettext_lazy("word match", "same romanisation"),
    "initial": pgettext_lazy("word match", "initial"),
    "none": pgettext_lazy("word match", "no match"),
    "abbreviation": pgettext_lazy("word match", "abbreviation"),
    "syllable": pgettext_lazy("word match", "same syllable"),
}
#: Why a listed word was left unmatched.
UNMATCHED = {
    "contradicts": _("contradicts the party's name"),
    "given name the party does not give": _("a given name the party does not give"),
    "omitted by the party": _("omitted by the party"),
}
#: How the party's name was read before matching.
READINGS = {
    "romanised from Japanese": _("romanised from Japanese"),
    "hangul read in Revised Romanization": _("hangul read in Revised Romanization"),
    "hangul read in McCune-Reischauer": _("hangul read in McCune-Reischauer"),
    "hangul read in McCune-Reischauer as the North writes it": _(
        "hangul read in McCune-Reischauer as the North writes it"
    ),
    "hangul read with a conventional spelling of the surname": _(
        "hangul read with a conventional spelling of the surname"
    ),
    "read from Han characters (pinyin): syllables pair exactly": _(
        "read from Han characters (pinyin): syllables pair exactly"
    ),
    "romanised from another script": _("romanised from another script"),
}
#: The weighing of the party's kind (company, person) against the entry's.
KIND_DECISIONS = {
    "not weighed": _("not weighed"),
    "not weighed (kind unknown)": _("not weighed (kind unknown)"),
    "same kind": _("same kind"),
    "kinds differ; every word matches exactly, so it may alert": _(
        "kinds differ; every word matches exactly, so it may alert"
    ),
    "kinds differ and not every word matches: held below the alert threshold": _(
        "kinds differ and not every word matches: held below the alert threshold"
    ),
}
#: The qualifiers' stored phrases (``scoring.qualify``) and how each reads.
_QUALIFIERS = (
    (
        re.compile(r"^contradicts \((?P<party>.*) vs (?P<listed>.*)\)$"),
        _("legal forms contradict (%(party)s and %(listed)s)"),
    ),
    (
        re.compile(r"^compatible \((?P<party>.*) / (?P<listed>.*)\)$"),
        _("legal forms compatible (%(party)s and %(listed)s)"),
    ),
    (re.compile(r"^agrees \((?P<country>[^)]*)\)$"), _("same country (%(country)s)")),
    (
        re.compile(r"^differs \((?P<party_country>.*) vs (?P<country>.*)\)$"),
        _("different country (party: %(party_country)s, listed: %(country)s)"),
    ),
    (re.compile(r"^matched the listed acronym only$"), _("matched the listed acronym only")),
    (re.compile(r"^matched the party's acronym only$"), _("matched the party's acronym only")),
)


def _word(table: Mapping, value) -> str:
    if value is None or value == "":
        return ""
    label = table.get(value)
    return str(label) if label is not None else str(value)


def qualifier_text(phrase: str) -> str:
    """One stored qualifier phrase in the active language; an unknown phrase as stored."""
    for pattern, template in _QUALIFIERS:
        match = pattern.match(phrase or "")
        if match:
            params = match.groupdict()
            for key in ("country", "party_country"):
                if key in params:
                    params[key] = country_name(params[key]) or params[key]
            return str(template) % params
    return str(phrase)


def explanation_text(explanation: Mapping | None) -> dict:
    """The words of a stored explanation for display: band, name kind, qualifiers, the method
    of each word pair, why a listed word is unmatched, the reading and the kind decision."""
    explanation = explanation or {}
    qualifiers = explanation.get("qualifiers") or {}
    if isinstance(qualifiers, Mapping):
        qualifiers = list(qualifiers.values())
    kind = explanation.get("kind") or {}
    reading = explanation.get("query_reading")
    return {
        "band": _word(BANDS, explanation.get("band")),
        "name_kind": _word(NAME_KINDS, explanation.get("name_kind")),
        "qualifiers": [qualifier_text(str(q)) for q in qualifiers],
        "pairs": [
            {**pair, "method": _word(METHODS, pair.get("method"))}
            for pair in explanation.get("pairs") or []
        ],
        "unmatched_listed": [
            {**token, "kind": _word(UNMATCHED, token.get("kind"))}
            for token in explanation.get("unmatched_listed") or []
        ],
        "reading": _word(READINGS, reading) if isinstance(reading, str) else "",
        "kind_decision": _word(KIND_DECISIONS, kind.get("decision"))
        if isinstance(kind, Mapping)
        else "",
    }
