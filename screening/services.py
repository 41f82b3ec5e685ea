"""Screening runs: match every party, apply the rules, store the run, move the notification.

A run is computed outside any long lock (matching and rules can take a while) and stored in one
short transaction that locks the notification, re-checks that the run is still wanted, writes the
run and its hits, audits them and makes exactly one workflow move through
``notifications.services``.

Idempotent: a run is keyed by (notification, End User List version, ruleset version, trigger,
trigger_ref), which the database also enforces. Calling again returns the stored run and writes
nothing; a FAILED run under the same key is completed in place on the retry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from exportctl import access
from exportctl.audit import trail
from notifications.inform_notice_selectors import notices_covering
from notifications.models import Item, ItemKind, Notification, Party, PriorReportDetails
from notifications.services import (
    REVIEW_STATUSES,
    ScreeningResult,
    notification_clear,
    notification_refer,
    notification_reopen,
    notification_start_screening,
    notification_update_risk,
)
from notifications.workflow import (
    OPEN_STATUSES,
    OUTCOME_STATUSES,
    Move,
    Procedure,
    Status,
    TransitionError,
    moves_of,
)
from partners.models import CountryTier, KeyTechnology, SpecifiedHsScope
from partners.selectors import measure_rows_in_force
from screening import rules
from screening.index_cache import EUL_SOURCE_CODE, PublishedLists, VersionIndex, published_lists
from screening.matching import ALERT_THRESHOLD
from screening.models import Disposition, Outcome, PartyHit, RunStatus, ScreeningRun, Trigger
from screening.party_search import party_search_keys_store
from screening.rerun_tasks import rerun_notification

logger = logging.getLogger(__name__)

#: Candidates returned per party and list; the rules read only those above the alert threshold.
SEARCH_LIMIT = 10
#: A re-screen records a run for these; it reopens only the outcome statuses.
RESCREEN_STATUSES = (OPEN_STATUSES | OUTCOME_STATUSES) - {Status.SUBMITTED, Status.SCREENING}
#: How often a run is recomputed when a list version is published while it is being computed.
MAX_ATTEMPTS = 3
MAX_ERROR_CHARS = 4000


class _ListsChanged(Exception):
    """The published End User List changed between computing and storing a run."""


@dataclass(frozen=True)
class _FoundHit:
    party: Party
    lists: VersionIndex
    entry_id: str
    score: float
    matched_name: str
    explanation: dict


@dataclass(frozen=True)
class _Computed:
    lists: PublishedLists
    assessment: rules.Assessment
    hits: list[_FoundHit]

    @property
    def eul_version_id(self) -> int | None:
        return self.lists.eul.version_id if self.lists.eul else None


# --- Matching --------------------------------------------------------------------------------


#: Earlier results of ``_screen_party`` by (name, local name, country, kind), valid for one set
#: of published lists: see ``screening.rescreen.MatchMemo``.
Matches = dict[tuple[str, str, str, str], list[_FoundHit]]


def _screen_party(
    party: Party, lists: PublishedLists, memo: Matches | None = None
) -> list[_FoundHit]:
    """Every name of the party against every published list; the best score per entry.

    The result depends only on the party's names, country and kind (person or organisation,
    weighed against each entry's kind) and on the lists, so with a ``memo`` a party named like
    one screened before costs no search."""
    if memo is not None:
        key = (party.name, party.local_name, party.country, party.kind)
        known = memo.get(key)
        if known is None:
            known = memo[key] = _screen_party(party, lists)
        return [dataclasses.replace(h, party=party) for h in known]
    best: dict[tuple[int, str], _FoundHit] = {}
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
                    best[key] = _FoundHit(
                        party=party,
                        lists=version,
                        entry_id=hit.entry_id,
                        score=float(hit.score),
                        matched_name=hit.matched_name,
                        explanation={**hit.explanation, "party_name_searched": name},
                    )
    return sorted(best.values(), key=lambda h: (-h.score, h.entry_id))


def party_matches(party: Party, lists: PublishedLists | None = None) -> list[_FoundHit]:
    """The worker's own matching of one party (every name against every published list, the best
    score per entry, at or above the alert threshold). Public for the filing wizard's warning
    before submission (``screening.precheck``): the exporter is told what screening will find."""
    return _screen_party(party, lists if lists is not None else published_lists())


def _hit_facts(found: _FoundHit) -> rules.HitFacts:
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


def reference_facts(on: date) -> ReferenceFacts:
    found: dict[str, set[str]] = {}
    for country, tier in CountryTier.objects.filter(_in_force(on)).values_list("country", "tier"):
        found.setdefault(country, set()).add(tier)
    return ReferenceFacts(
        on=on,
        tiers={c: frozenset(t) for c, t in found.items()},
        hs_scope=list(
            SpecifiedHsScope.objects.filter(_in_force(on)).values_list("hs_prefix", "excluded")
        ),
        key_technologies=frozenset(
            KeyTechnology.objects.filter(_in_force(on)).values_list("pk", flat=True)
        ),
        measures=tuple(
            rules.MeasureFacts(
                measure=row.measure,
                category=row.category,
                destinations=frozenset(row.destination_list),
                hs_prefix=row.hs_prefix,
                confirmed=row.confirmed,
                legal_basis=row.legal_basis,
                effective_from=row.effective_from,
                description=row.description_en,
            )
            for row in measure_rows_in_force(on)
        ),
    )


def _in_16_1_scope(hs_code: str, scope: list[tuple[str, bool]]) -> bool:
    """The longest matching prefix decides, so an excluded sub-heading (8542.90) wins."""
    digits = hs_code.replace(".", "")
    matches = [(len(prefix), excluded) for prefix, excluded in scope if digits.startswith(prefix)]
    if not matches:
        return False
    return not max(matches)[1]


def _items_of(notification: Notification) -> list[Item]:
    return list(notification.items.select_related("key_technology").order_by("position", "pk"))


def _parties_of(notification: Notification) -> list[Party]:
    return list(notification.parties.order_by("position", "pk"))


def _item_facts(items: list[Item], reference: ReferenceFacts) -> tuple[rules.ItemFacts, ...]:
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
            key_technology = item.key_technology.code
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


def _party_facts(
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
    hits: list[_FoundHit],
    parties: list[Party] | None = None,
    items: list[Item] | None = None,
    reference: ReferenceFacts | None = None,
    inform_notices: list | None = None,
) -> rules.ScreeningContext:
    """The facts the rules read. ``parties`` (in position order), ``items`` (the same, with
    their key technology) and ``reference`` are read from the database when not given; a
    re-screen batch passes them, loaded in bulk for all its cases."""
    parties = _parties_of(notification) if parties is None else parties
    items = _items_of(notification) if items is None else items
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
        items=_item_facts(items, reference) + _prior_report_facts(notification, items, reference),
        parties=_party_facts(parties, tiers),
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
    if details is None or details.technology_id not in reference.key_technologies:
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


def russia_belarus_preview(
    notification: Notification, *, on: date
) -> rules.RussiaBelarusExposure | None:
    """What the Russia/Belarus measures will say of a filing, read before it is submitted (the
    wizard's review step): the same facts and the same function the worker's rules use, without
    matching names and without writing anything."""
    reference = reference_facts(on)
    tiers = reference.tiers
    return rules.russia_belarus_exposure(
        rules.ScreeningContext(
            on=on,
            destination_country=notification.destination_country,
            destination_tiers=tiers.get(notification.destination_country, frozenset()),
            items=_item_facts(_items_of(notification), reference),
            parties=_party_facts(_parties_of(notification), tiers),
            measures=reference.measures,
        )
    )


def assess(
    notification: Notification,
    *,
    parties: list[Party],
    items: list[Item],
    reference: ReferenceFacts,
    lists: PublishedLists,
    memo: Matches | None = None,
    inform_notices: list | None = None,
) -> _Computed:
    """Match every party and apply the rules: no query of its own, so one case (``_compute``)
    and a re-screen batch (``screening.rescreen``) share it."""
    hits: list[_FoundHit] = []
    for party in parties:
        hits.extend(_screen_party(party, lists, memo))
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
    return _Computed(lists=lists, assessment=rules.evaluate(context), hits=hits)


def _compute(notification_id: int) -> _Computed:
    notification = Notification.objects.get(pk=notification_id)
    return assess(
        notification,
        parties=_parties_of(notification),
        items=_items_of(notification),
        reference=reference_facts(timezone.localdate()),
        lists=published_lists(),
        # The single-case path (submission, a reviewer's re-run) reads the firm's notices; a
        # filing one covers is never cleared (the inform rule holds it for a reviewer).
        inform_notices=notices_covering(notification),
    )


# --- Storing ---------------------------------------------------------------------------------


def _published_eul_id() -> int | None:
    """The End User List revision in force today (``partners.selectors.in_force_version``): a
    revision published with a later date of application is not used before that date."""
    from partners.selectors import in_force_version

    version = in_force_version(EUL_SOURCE_CODE)
    return version.pk if version is not None else None


def _run_key(notification_id: int, eul_version_id: int | None, trigger: str, trigger_ref: str):
    return ScreeningRun.objects.filter(
        notification_id=notification_id,
        list_version_id=eul_version_id,
        ruleset_version=rules.RULESET_VERSION,
        trigger=trigger,
        trigger_ref=trigger_ref,
    )


def _eligible(status: str, trigger: str) -> bool:
    if trigger == Trigger.SUBMISSION:
        return status == Status.SCREENING
    return status in RESCREEN_STATUSES


def _earlier_hits(notification_ids: list[int]) -> dict[int, set[tuple[int, str, str]]]:
    """Per case, every (party, source, entry content hash) an earlier run has found; one query
    for any number of cases.

    Entries are compared by source and content hash, not pk: each list version has its own rows,
    and the End User List renumbers entries between revisions.
    """
    seen: dict[int, set[tuple[int, str, str]]] = {pk: set() for pk in notification_ids}
    for notification_id, *key in PartyHit.objects.filter(
        run__notification_id__in=notification_ids
    ).values_list(
        "run__notification_id", "party_id", "entry__version__source__code", "entry__row_hash"
    ):
        seen[notification_id].add(tuple(key))
    return seen


def _unseen(computed: _Computed, seen: set[tuple[int, str, str]]) -> list[_FoundHit]:
    return [
        h
        for h in computed.hits
        if (h.party.pk, h.lists.source_code, h.lists.entries[h.entry_id].row_hash) not in seen
    ]


def _new_hits(locked: Notification, computed: _Computed) -> list[_FoundHit]:
    """Hits on a listing that no earlier run of this case had found for the same party."""
    return _unseen(computed, _earlier_hits([locked.pk])[locked.pk])


def _complete(run: ScreeningRun, computed: _Computed) -> ScreeningRun:
    """Fill a new run, or a FAILED one being completed in place, with the computed result."""
    assessment = computed.assessment
    run.status = RunStatus.COMPLETED
    run.score = assessment.score
    run.level = assessment.level
    run.outcome = assessment.outcome
    run.factors = assessment.factors
    run.error = ""
    run.finished_at = timezone.now()
    return run


def _hit_rows(run: ScreeningRun, computed: _Computed) -> list[PartyHit]:
    return [
        PartyHit(
            run=run,
            party=h.party,
            entry_id=int(h.entry_id),
            score=min(1.0, h.score),
            matched_name=h.matched_name[:500],
            explanation=h.explanation,
        )
        for h in computed.hits
    ]


def _run_summary(computed: _Computed) -> dict:
    """What the audit trail keeps of a completed run's result."""
    assessment = computed.assessment
    return {
        "score": assessment.score,
        "level": assessment.level,
        "outcome": assessment.outcome,
        "rules": assessment.rule_ids,
        "hits": len(computed.hits),
    }


def _reopen_reason(new_hits: list[_FoundHit]) -> str:
    parts = [
        f"{h.party.name} ~ {h.lists.source_code} {h.lists.version_label} "
        f"No. {h.lists.entries[h.entry_id].number} ({h.matched_name}, {h.score:.2f})"
        for h in new_hits
    ]
    return "A new list version matches a party: " + "; ".join(parts)


def _store(
    *, notification_id: int, trigger: str, trigger_ref: str, computed: _Computed
) -> ScreeningRun | None:
    with transaction.atomic():
        locked = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("firm")
            .get(pk=notification_id)
        )
        if _published_eul_id() != computed.eul_version_id:
            raise _ListsChanged
        run = _run_key(notification_id, computed.eul_version_id, trigger, trigger_ref).first()
        if run is not None and run.status == RunStatus.COMPLETED:
            return run
        if not _eligible(locked.status, trigger):
            return None
        new_hits = _new_hits(locked, computed) if trigger != Trigger.SUBMISSION else []
        assessment = computed.assessment
        run = run or ScreeningRun(
            notification=locked,
            list_version_id=computed.eul_version_id,
            ruleset_version=rules.RULESET_VERSION,
            trigger=trigger,
            trigger_ref=trigger_ref,
        )
        _complete(run, computed).save()
        PartyHit.objects.bulk_create(_hit_rows(run, computed))
        if trigger == Trigger.SUBMISSION:
            # The parties are final once submitted: key them for the auditor's name search in
            # the transaction that stores the first run, so both are kept or neither is.
            party_search_keys_store(notification_id=notification_id)
        trail.record(
            action="screening.run_completed",
            obj=run,
            firm=locked.firm,
            data={
                "notification": locked.reference,
                "trigger": trigger,
                "trigger_ref": trigger_ref,
                "ruleset_version": rules.RULESET_VERSION,
                "lists": [f"{v.source_code}:{v.version_label}" for v in computed.lists.all],
                **_run_summary(computed),
                "new_hits": len(new_hits),
            },
        )
        result = ScreeningResult(score=assessment.score, level=assessment.level)
        if trigger == Trigger.SUBMISSION:
            # A prior report has no clear move (the table's procedures): whatever its score,
            # it goes to a reviewer, because only the ministry's dialogue may close it.
            if assessment.outcome == Outcome.CLEARED and Move.CLEAR in moves_of(locked.procedure):
                notification_clear(notification=locked, result=result)
            else:
                notification_refer(notification=locked, result=result)
        elif new_hits and locked.status in OUTCOME_STATUSES:
            notification_reopen(notification=locked, result=result, reason=_reopen_reason(new_hits))
        elif trigger == Trigger.MANUAL and locked.status in REVIEW_STATUSES:
            # A reviewer asked for it: the case's risk in the queue follows the newest run.
            notification_update_risk(notification=locked, result=result, run_ref=str(run.public_id))
        return run


def _record_failure(
    *,
    notification_id: int,
    eul_version_id: int | None,
    trigger: str,
    trigger_ref: str,
    exc: BaseException,
) -> None:
    """Make the failure visible on a run row (completed in place by a later retry)."""
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    try:
        with transaction.atomic():
            locked = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("firm")
                .get(pk=notification_id)
            )
            run = _run_key(notification_id, eul_version_id, trigger, trigger_ref).first()
            if run is not None and run.status == RunStatus.COMPLETED:
                return
            run = run or ScreeningRun(
                notification=locked,
                list_version_id=eul_version_id,
                ruleset_version=rules.RULESET_VERSION,
                trigger=trigger,
                trigger_ref=trigger_ref,
            )
            run.status = RunStatus.FAILED
            run.error = error
            run.finished_at = timezone.now()
            run.save()
            trail.record(
                action="screening.run_failed",
                obj=run,
                firm=locked.firm,
                data={
                    "notification": locked.reference,
                    "trigger": trigger,
                    "trigger_ref": trigger_ref,
                    "error": error,
                },
            )
    except Exception:  # the database may be what failed; the original error is re-raised anyway
        logger.exception(
            "could not record the failed screening of notification %s", notification_id
        )


def _execute(*, notification_id: int, trigger: str, trigger_ref: str) -> ScreeningRun | None:
    for _attempt in range(MAX_ATTEMPTS):
        eul_version_id = _published_eul_id()
        existing = _run_key(notification_id, eul_version_id, trigger, trigger_ref).first()
        if existing is not None and existing.status == RunStatus.COMPLETED:
            return existing
        status = (
            Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
        )
        if status is None or not _eligible(status, trigger):
            return None
        try:
            computed = _compute(notification_id)
            return _store(
                notification_id=notification_id,
                trigger=trigger,
                trigger_ref=trigger_ref,
                computed=computed,
            )
        except _ListsChanged:
            continue
        except Exception as exc:
            _record_failure(
                notification_id=notification_id,
                eul_version_id=eul_version_id,
                trigger=trigger,
                trigger_ref=trigger_ref,
                exc=exc,
            )
            raise
    raise RuntimeError(
        f"the published End User List kept changing while notification {notification_id} "
        "was screened"
    )


def screening_run_execute(
    *, notification_id: int, trigger: str, trigger_ref: str = ""
) -> ScreeningRun | None:
    """Screen one notification; returns the run, or ``None`` when the case no longer wants one
    (withdrawn meanwhile, or not in a status this trigger screens)."""
    if trigger == Trigger.SUBMISSION:
        notification = Notification.objects.filter(pk=notification_id).first()
        if notification is None:
            return None
        if notification.status == Status.SUBMITTED:
            # Another worker (or a withdrawal) may move it first; the status then decides below.
            with contextlib.suppress(TransitionError):
                notification_start_screening(notification=notification)
    return _execute(notification_id=notification_id, trigger=trigger, trigger_ref=trigger_ref)


def screening_rescreen(*, notification_id: int, list_version_id: int) -> ScreeningRun | None:
    """Re-screen after ``list_version_id`` was published (``rescreen_notification`` per case of
    ``selectors.rescreen_candidate_ids()``).

    Records a run for cases under review, waiting on someone, cleared or approved; a hit on a
    listing no earlier run had found for that party reopens a cleared or approved case, which
    suspends its permit. Cases still in submitted/screening are skipped (``None``): their
    submission run checks, before storing, that it used the newest published list.
    """
    return _execute(
        notification_id=notification_id,
        trigger=Trigger.LIST_PUBLICATION,
        trigger_ref=str(list_version_id),
    )


# --- The reviewer's side ---------------------------------------------------------------------

#: A hit can be adjudicated while the case is being reviewed; once a decision is waiting for a
#: countersignature the facts behind it are frozen (a return reopens them).
ADJUDICATION_STATUSES = frozenset({Status.UNDER_REVIEW, Status.INFO_REQUESTED})
_ADJUDICATED = frozenset({Disposition.CONFIRMED, Disposition.FALSE_POSITIVE})


def hit_adjudicate(*, hit: PartyHit, actor, disposition: str, reason: str) -> PartyHit:
    """Record a reviewer's finding on one hit: a confirmed match or a false positive, with the
    reason. A confirmed hit makes any approval of the case need a countersignature."""
    with transaction.atomic():
        locked = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("firm")
            .get(pk=hit.run.notification_id)
        )
        if not access.is_reviewer(actor):
            raise TransitionError(
                _("You are not allowed to adjudicate screening hits."), code="forbidden_role"
            )
        if locked.status not in ADJUDICATION_STATUSES:
            raise TransitionError(
                _("This notification is %(status)s; its hits cannot be adjudicated now.")
                % {"status": Status(locked.status).label},
                code="wrong_state",
            )
        if disposition not in _ADJUDICATED:
            raise TransitionError(
                _("Choose confirmed match or false positive."), code="invalid_disposition"
            )
        if not reason.strip():
            raise TransitionError(_("Give the reason for your finding."), code="reason_required")
        current = (
            PartyHit.objects.select_for_update(of=("self",))
            .select_related("entry", "party")
            .get(pk=hit.pk)
        )
        previous = current.disposition
        current.disposition = disposition
        current.disposition_reason = reason.strip()
        current.adjudicated_by = actor
        current.adjudicated_at = timezone.now()
        current.save(
            update_fields=[
                "disposition",
                "disposition_reason",
                "adjudicated_by",
                "adjudicated_at",
                "updated_at",
            ]
        )
        trail.record(
            action="screening.hit_adjudicate",
            actor=actor,
            obj=current,
            firm=locked.firm,
            data={
                "notification": locked.reference,
                "party": current.party.name,
                "entry_number": current.entry.number,
                "from": previous,
                "to": disposition,
                "reason": current.disposition_reason,
            },
        )
        return current


def screening_rerun_request(*, notification: Notification, actor) -> str:
    """Queue a fresh screening of a case under review against today's lists and rules.

    Each request has its own reference (the run's ``trigger_ref``), so a second request makes a
    second run, while a redelivered task message still makes only one. Returns the reference."""
    with transaction.atomic():
        locked = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("firm")
            .get(pk=notification.pk)
        )
        if not access.is_reviewer(actor):
            raise TransitionError(
                _("You are not allowed to re-run screening."), code="forbidden_role"
            )
        if locked.status not in REVIEW_STATUSES:
            raise TransitionError(
                _("This notification is %(status)s; screening can be re-run only during review.")
                % {"status": Status(locked.status).label},
                code="wrong_state",
            )
        request_ref = f"manual-{uuid.uuid4().hex}"
        trail.record(
            action="screening.rerun_requested",
            actor=actor,
            obj=locked,
            data={"reference": locked.reference, "request": request_ref},
        )
        rerun_notification.delay_on_commit(locked.pk, request_ref)
    return request_ref
