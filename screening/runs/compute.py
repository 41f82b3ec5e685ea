"""Computing a screening run: a case's facts in, a result out.

``assess`` matches every party against the published lists and applies the rules. It writes
nothing and makes no query of its own (a prior report's technology aside): what it reads — the
case, its parties and items, the reference data in force, the published lists' indexes, the
firm's inform notices — is handed to it, so one case (``screening.services``) and a re-screen
batch (``screening.rescreen``, which loads a whole chunk in a fixed number of queries) compute
the very same result. Storing it is ``screening.runs.store``; what the workflow then does is
``screening.runs.policy``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from exportctl import compiled
from notifications.models import Item, ItemKind, Notification, Party, PriorReportDetails
from notifications.workflow import Procedure
from partners.models import CountryTier, KeyTechnology, SpecifiedHsScope
from partners.selectors import measure_values_in_force
from screening import rules
from screening.index_cache import PublishedLists, VersionIndex, published_lists
from screening.matching import ALERT_THRESHOLD

#: Candidates returned per party and list; the rules read only those above the alert threshold.
SEARCH_LIMIT = 10


@dataclass(frozen=True)
class FoundHit:
    """One party's best match on one entry of one published list version."""

    party: Party
    lists: VersionIndex
    entry_id: str
    score: float
    matched_name: str
    explanation: dict


@dataclass(frozen=True)
class Computed:
    """A computed run: the lists it used, the rules' assessment and the hits behind it."""

    lists: PublishedLists
    assessment: rules.Assessment
    hits: list[FoundHit]

    @property
    def eul_version_id(self) -> int | None:
        return self.lists.eul.version_id if self.lists.eul else None


# --- Matching --------------------------------------------------------------------------------


#: Earlier results of ``screen_party`` by (name, local name, country, kind), valid for one set
#: of published lists: see ``screening.rescreen.MatchMemo``.
Matches = dict[tuple[str, str, str, str], list[FoundHit]]


def screen_party(
    party: Party, lists: PublishedLists, memo: Matches | None = None
) -> list[FoundHit]:
    """Every name of the party against every published list; the best score per entry.

    The result depends only on the party's names, country and kind (person or organisation,
    weighed against each entry's kind) and on the lists, so with a ``memo`` a party named like
    one screened before costs no search."""
    if memo is not None:
        memo_key = (party.name, party.local_name, party.country, party.kind)
        known = memo.get(memo_key)
        if known is None:
            known = memo[memo_key] = screen_party(party, lists)
        return [dataclasses.replace(h, party=party) for h in known]
    best: dict[tuple[int, str], FoundHit] = {}
    names = [n for n in (party.name, party.local_name) if n and n.strip()]
    for version in lists.all:
        for name in names:
            for hit in version.index.search(
                name,
                country=party.country,
                limit=SEARCH_LIMIT,
                min_score=ALERT_THRESHOLD,
                kind=party.kind,
            ):
                if hit.score < ALERT_THRESHOLD:
                    continue
                key = (version.version_id, hit.entry_id)
                if key not in best or hit.score > best[key].score:
                    best[key] = FoundHit(
                        party=party,
                        lists=version,
                        entry_id=hit.entry_id,
                        score=float(hit.score),
                        matched_name=hit.matched_name,
                        explanation={**hit.explanation, "party_name_searched": name},
                    )
    return sorted(best.values(), key=lambda h: (-h.score, h.entry_id))


def party_matches(party: Party, lists: PublishedLists | None = None) -> list[FoundHit]:
    """The worker's own matching of one party (every name against every published list, the best
    score per entry, at or above the alert threshold). Public for the filing wizard's warning
    before submission (``screening.precheck``): the exporter is told what screening will find."""
    return screen_party(party, lists if lists is not None else published_lists())


def _hit_facts(found: FoundHit) -> rules.HitFacts:
    entry = found.lists.entries[found.entry_id]
    return rules.HitFacts(
        party_ref=str(found.party.public_id),
        party_name=found.party.name,
        entry_ref=found.entry_id,
        entry_number=entry.number,
        source=found.lists.source_code,
        listed_name=entry.name,
        matched_name=found.matched_name,
        score=found.score,
        concern_codes=entry.concern_codes,
        conventional_weapons=entry.conventional_weapons,
        advisory=found.lists.advisory,
    )


# --- Facts for the rules ---------------------------------------------------------------------


def _in_force(on: date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


@dataclass(frozen=True)
class ReferenceFacts:
    """The ministry's reference data in force on one day, loaded once for any number of cases
    (a re-screen batch reads it once, not once per case): country tiers, the 16(1) HS scope and
    the key technologies."""

    on: date
    tiers: dict[str, frozenset[str]]
    hs_scope: list[tuple[str, bool]]
    key_technologies: frozenset[int]
    #: The Russia/Belarus measures table in force (its published version's rows that apply).
    measures: tuple[rules.MeasureFacts, ...] = ()

    @property
    def tiers_known(self) -> bool:
        return bool(self.tiers)


#: The measure rows' fields that the rules read, in ``rules.MeasureFacts``'s terms below.
_MEASURE_FIELDS = (
    "measure",
    "category",
    "destinations",
    "hs_prefix",
    "confirmed",
    "legal_basis",
    "effective_from",
    "description_en",
)


def reference_facts(on: date) -> ReferenceFacts:
    """The reference data in force on ``on``. Asked on every run: each query's SQL is compiled
    once per day (``exportctl.compiled``), the rows are read fresh each time."""
    found: dict[str, set[str]] = {}
    for country, tier in compiled.rows(
        ("screening.tiers", on),
        lambda: CountryTier.objects.filter(_in_force(on)).values_list("country", "tier"),
    ):
        found.setdefault(country, set()).add(tier)
    return ReferenceFacts(
        on=on,
        tiers={c: frozenset(t) for c, t in found.items()},
        hs_scope=compiled.rows(
            ("screening.hs_scope", on),
            lambda: SpecifiedHsScope.objects.filter(_in_force(on)).values_list(
                "hs_prefix", "excluded"
            ),
        ),
        key_technologies=frozenset(
            pk
            for (pk,) in compiled.rows(
                ("screening.key_technologies", on),
                lambda: KeyTechnology.objects.filter(_in_force(on)).values_list("pk"),
            )
        ),
        measures=tuple(
            rules.MeasureFacts(
                measure=measure,
                category=category,
                # ``MeasureRow.destination_list``
                destinations=frozenset(destinations.split()),
                hs_prefix=hs_prefix,
                confirmed=confirmed,
                legal_basis=legal_basis,
                effective_from=effective_from,
                description=description,
            )
            for (
                measure,
                category,
                destinations,
                hs_prefix,
                confirmed,
                legal_basis,
                effective_from,
                description,
            ) in measure_values_in_force(on, *_MEASURE_FIELDS)
        ),
    )


def _in_16_1_scope(hs_code: str, scope: list[tuple[str, bool]]) -> bool:
    """The longest matching prefix decides, so an excluded sub-heading (8542.90) wins."""
    digits = hs_code.replace(".", "")
    matches = [(len(prefix), excluded) for prefix, excluded in scope if digits.startswith(prefix)]
    if not matches:
        return False
    return not max(matches)[1]


def items_of(notification: Notification) -> list[Item]:
    """The case's items in position order, each with its key technology (what ``assess`` and
    ``item_facts`` expect)."""
    return list(notification.items.select_related("key_technology").order_by("position", "pk"))


def parties_of(notification: Notification) -> list[Party]:
    """The case's parties in position order (what ``assess`` and ``party_facts`` expect)."""
    return list(notification.parties.order_by("position", "pk"))


def item_facts(items: list[Item], reference: ReferenceFacts) -> tuple[rules.ItemFacts, ...]:
    """``items`` in position order, each with its ``key_technology`` loaded."""
    facts = []
    for item in items:
        classification, reclassified = item.classification, False
        if (
            classification == rules.OTHER_16_2
            and item.hs_code
            and _in_16_1_scope(item.hs_code, reference.hs_scope)
        ):
            classification, reclassified = rules.SPECIFIED_16_1, True
        key_technology = ""
        if item.key_technology_id and item.key_technology_id in reference.key_technologies:
            technology = item.key_technology
            key_technology = technology.code if technology is not None else ""
        facts.append(
            rules.ItemFacts(
                position=item.position,
                classification=classification,
                list_row=item.list_row,
                hs_code=item.hs_code,
                key_technology=key_technology,
                reclassified=reclassified,
                kind=item.kind,
                value_jpy=item.value_jpy,
            )
        )
    return tuple(facts)


def party_facts(
    parties: list[Party], tiers: dict[str, frozenset[str]]
) -> tuple[rules.PartyFacts, ...]:
    return tuple(
        rules.PartyFacts(
            ref=str(p.public_id),
            name=p.name,
            role=p.role,
            country=p.country,
            tiers=tiers.get(p.country, frozenset()),
        )
        for p in parties
    )


def _checklist(notification: Notification) -> dict[int, str]:
    answers = {}
    for number, entry in (notification.checklist or {}).items():
        if str(number).isdigit() and isinstance(entry, dict):
            answers[int(number)] = str(entry.get("answer") or "unknown")
    return answers


def build_context(
    notification: Notification,
    *,
    on: date,
    lists: PublishedLists,
    hits: list[FoundHit],
    parties: list[Party] | None = None,
    items: list[Item] | None = None,
    reference: ReferenceFacts | None = None,
    inform_notices: list | None = None,
) -> rules.ScreeningContext:
    """The facts the rules read. ``parties`` (in position order), ``items`` (the same, with
    their key technology) and ``reference`` are read from the database when not given; a
    re-screen batch passes them, loaded in bulk for all its cases."""
    parties = parties_of(notification) if parties is None else parties
    items = items_of(notification) if items is None else items
    reference = reference_facts(on) if reference is None else reference
    tiers = reference.tiers
    return rules.ScreeningContext(
        on=on,
        destination_country=notification.destination_country,
        destination_tiers=tiers.get(notification.destination_country, frozenset()),
        end_use_category=notification.end_use_category,
        # domain.md §10 rule 4: the firm's answer, or any notice of its firm that covers the
        # filing (``inform_notices``: destination, end user, goods or technology named in it).
        inform_notice=notification.inform_notice_received or bool(inform_notices),
        inform_reference=_inform_reference(notification, inform_notices),
        checklist=_checklist(notification),
        checklist_applies=notification.procedure != Procedure.PRIOR_REPORT,
        items=item_facts(items, reference) + _prior_report_facts(notification, items, reference),
        parties=party_facts(parties, tiers),
        hits=tuple(_hit_facts(h) for h in hits),
        parties_screened=lists.eul is not None,
        tiers_known=reference.tiers_known,
        alert_threshold=ALERT_THRESHOLD,
        measures=reference.measures,
    )


def _prior_report_facts(
    notification: Notification, items: list[Item], reference: ReferenceFacts
) -> tuple[rules.ItemFacts, ...]:
    """A key-technology prior report has no items: the technology it reports is its one item
    for the rules, so the reviewer sees the key-technology factor (domain.md §10 rule 3) with the
    technology from the list in force. Catch-all filings cost no query here."""
    if notification.procedure != Procedure.PRIOR_REPORT:
        return ()
    details = (
        PriorReportDetails.objects.select_related("technology")
        .filter(notification=notification)
        .first()
    )
    if (
        details is None
        or details.technology_id not in reference.key_technologies
        or details.technology is None  # never, once the id is known: narrows the type
    ):
        return ()
    return (
        rules.ItemFacts(
            position=len(items) + 1,
            classification=rules.NOT_APPLICABLE,
            key_technology=details.technology.code,
            kind=ItemKind.TECHNOLOGY,
        ),
    )


def _inform_reference(notification: Notification, inform_notices: list | None) -> str:
    numbers = [n.number for n in inform_notices or []]
    if notification.inform_notice_reference and notification.inform_notice_reference not in numbers:
        numbers.insert(0, notification.inform_notice_reference)
    return ", ".join(numbers)


# --- The computation -------------------------------------------------------------------------


def assess(
    notification: Notification,
    *,
    parties: list[Party],
    items: list[Item],
    reference: ReferenceFacts,
    lists: PublishedLists,
    memo: Matches | None = None,
    inform_notices: list | None = None,
) -> Computed:
    """Match every party and apply the rules: no query of its own, so one case
    (``screening.services``) and a re-screen batch (``screening.rescreen``) share it."""
    hits: list[FoundHit] = []
    for party in parties:
        hits.extend(screen_party(party, lists, memo))
    context = build_context(
        notification,
        on=reference.on,
        lists=lists,
        hits=hits,
        parties=parties,
        items=items,
        reference=reference,
        inform_notices=inform_notices,
    )
    return Computed(lists=lists, assessment=rules.evaluate(context), hits=hits)
