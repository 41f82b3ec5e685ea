"""What a reviewer reads for a hit: which name matched, how each word matched, what it cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scoring import UNMATCHED_QUERY_COST, listed_left_cost, qualify

if TYPE_CHECKING:
    from .index import ListedName, ListIndex
    from .normalise import NameForm
    from .scoring import PairScore


def band(score: float, threshold: float) -> str:
    if score >= max(0.92, threshold):
        return "strong"
    if score >= threshold:
        return "alert"
    if score >= 0.65:
        return "possible"
    return "weak"


def explain_hit(
    *,
    index: ListIndex,
    listed: ListedName,
    fid: int,
    query_form: NameForm,
    result: PairScore | None,
    score: float,
    country: str | None,
    kind: dict | None = None,
) -> dict:
    from .index import VARIANTS

    variant = VARIANTS[index.form_variant[fid]]
    listed_legal = index.form_legal[fid]
    _, qualifiers = qualify(
        result.score if result else 0.0,
        query_legal=query_form.legal_form,
        listed_legal=listed_legal,
        query_country=country,
        listed_country=listed.country,
        variant=variant,
        query_variant=query_form.variant,
    )
    explanation: dict = {
        "entry_id": listed.entry_id,
        "list_version": index.version,
        "source": listed.source,
        "matched_name": listed.name,
        "name_kind": listed.name_kind,
        "form": variant,
        "query_normalised": query_form.text,
        "listed_normalised": index._form_text(fid),
        "query_legal_form": query_form.legal_form,
        "listed_legal_form": listed_legal,
        "qualifiers": qualifiers,
        "score": round(score, 4),
        "band": band(score, index.alert_threshold),
    }
    # The kind decision: the party's kind weighed against the entry's (see scoring.kind_decision).
    explanation["kind"] = kind or {"party": None, "entry": listed.kind, "decision": "not weighed"}
    # Abbreviations read as their full words, on each side.
    listed_form = index.listed_form(fid)
    explanation["abbreviations"] = {
        "query": [{"written": a, "read_as": b} for a, b in query_form.expanded],
        "listed": [{"written": a, "read_as": b} for a, b in listed_form.expanded]
        if listed_form is not None
        else [],
    }
    if query_form.kana:
        explanation["query_reading"] = "romanised from Japanese"
    elif query_form.reading:
        explanation["query_reading"] = {
            "rr": "hangul read in Revised Romanization",
            "mr": "hangul read in McCune-Reischauer",
            "dprk": "hangul read in McCune-Reischauer as the North writes it",
            "surname": "hangul read with a conventional spelling of the surname",
        }[query_form.reading]
    elif query_form.syllabic:
        explanation["query_reading"] = "read from Han characters (pinyin): syllables pair exactly"
    elif query_form.romanised:
        explanation["query_reading"] = "romanised from another script"
    if result is None:
        explanation["method"] = "cjk_bigrams"
        explanation["query_cjk"] = query_form.cjk
        explanation["listed_cjk"] = index.cjk.get(fid, "")
        explanation["pairs"] = []
        explanation["unmatched_query"] = []
        explanation["unmatched_listed"] = []
        return explanation
    q, c, al = result.query, result.listed, result.alignment
    given_names = bool(result.penalties.get("given_names_rule"))
    cost = result.cost or 1.0
    conflicts = min(len(al.unmatched_query), len(al.unmatched_listed))
    listed_left = sorted(al.unmatched_listed, key=lambda j: -c.weights[j])
    explanation["method"] = "token_alignment"
    explanation["pairs"] = [
        {
            "query": q.tokens[i],
            "listed": c.tokens[j],
            "method": method,
            "similarity": round(sim, 3),
            "weight": round(c.weights[j], 3),
            "contribution": round(sim * c.weights[j] / cost, 3),
        }
        for i, j, sim, method in sorted(al.pairs)
    ]
    explanation["unmatched_query"] = [
        {"token": q.tokens[i], "cost": round(UNMATCHED_QUERY_COST * q.weights[i] / cost, 3)}
        for i in al.unmatched_query
    ]
    given_left = set(result.penalties.get("unmatched_given_names", ()))
    explanation["unmatched_listed"] = [
        {
            "token": c.tokens[j],
            "kind": "contradicts"
            if k < conflicts
            else (
                "given name the party does not give"
                if given_names and c.tokens[j] in given_left
                else "omitted by the party"
            ),
            "cost": round(
                listed_left_cost(c, j, k < conflicts, given_names) * c.weights[j] / cost, 3
            ),
        }
        for k, j in enumerate(listed_left)
    ]
    explanation["unmatched_given_names"] = sorted(given_left)
    explanation["name_score"] = round(result.score, 4)
    explanation["adjustments"] = result.penalties
    return explanation
