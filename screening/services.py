"""Screening runs: match every party, apply the rules, store the run, move the notification.

A run is computed outside any long lock (matching and rules can take a while) and stored in one
short transaction that locks the notification, re-checks that the run is still wanted, writes the
run and its hits, audits them and makes exactly one workflow move through
``notifications.services``.

The steps are the public inner API of ``screening.runs``: ``compute`` (a case's facts to a
result, writing nothing), ``store`` (the run key, the stale-run guard, eligibility, new hits,
completion, hit rows, failure) and ``policy`` (clear, refer, reopen or nothing). This module and
the re-screen batch (``screening.rescreen``) are their two clients.

Idempotent: a run is keyed by (notification, End User List version, ruleset version, trigger,
trigger_ref), which the database also enforces. Calling again returns the stored run and writes
nothing; a FAILED run under the same key is completed in place on the retry.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exportctl import access
from exportctl.audit import trail
from notifications.inform_notice_selectors import notices_covering
from notifications.models import QUEUE_STATUSES, Notification
from notifications.services.lifecycle import (
    notification_clear,
    notification_refer,
    notification_reopen,
    notification_start_screening,
    notification_update_risk,
)
from notifications.workflow import EXAMINATION_STATUSES, Move, Status, TransitionError
from screening import rules
from screening.index_cache import PublishedLists, published_lists
from screening.models import Disposition, PartyHit, RunStatus, ScreeningRun, Trigger
from screening.runs import policy, store
from screening.runs.compute import (
    Computed,
    assess,
    item_facts,
    items_of,
    parties_of,
    party_facts,
    reference_facts,
)

if TYPE_CHECKING:
    from exportctl.accounts.models import User


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
            items=item_facts(items_of(notification), reference),
            parties=party_facts(parties_of(notification), tiers),
            measures=reference.measures,
        )
    )


def _compute(notification: Notification, lists: PublishedLists) -> Computed:
    parties, items = parties_of(notification), items_of(notification)
    return assess(
        notification,
        parties=parties,
        items=items,
        reference=reference_facts(timezone.localdate()),
        lists=lists,
        # The single-case path (submission, a reviewer's re-run) reads the firm's notices; a
        # filing one covers is never cleared (the inform rule holds it for a reviewer).
        inform_notices=notices_covering(notification, parties=parties, items=items),
    )


def screening_run_store(
    *, notification_id: int, trigger: str, trigger_ref: str, computed: Computed
) -> ScreeningRun | None:
    """Store one case's computed run and make the workflow move it leads to, in one transaction
    that holds the case's lock: the run and its guards are ``screening.runs.store``'s, the move
    is ``screening.runs.policy.decide``'s. ``None`` when the case no longer wants the run.

    Raises ``store.ListsChanged`` when the End User List in force is not the one the run used.
    The one-case path of every trigger, and of a re-screen batch's cases with a new hit."""
    with transaction.atomic():
        stored = store.store_run(
            notification_id=notification_id,
            trigger=trigger,
            trigger_ref=trigger_ref,
            computed=computed,
        )
        if stored is None:
            return None
        if stored.written:
            _make_move(stored, trigger=trigger, computed=computed)
        return stored.run


def _make_move(stored: store.StoredRun, *, trigger: str, computed: Computed) -> None:
    locked = stored.notification
    result = policy.result_of(computed)
    move = policy.decide(
        computed=computed, notification=locked, trigger=trigger, new_hits=stored.new_hits
    )
    if move == Move.CLEAR:
        notification_clear(notification=locked, result=result, held=True)
    elif move == Move.REFER:
        notification_refer(notification=locked, result=result, held=True)
    elif move == Move.REOPEN:
        notification_reopen(
            notification=locked,
            result=result,
            reason=policy.reopen_reason(stored.new_hits),
            held=True,
        )
    elif policy.risk_follows(notification=locked, trigger=trigger):
        notification_update_risk(
            notification=locked, result=result, run_ref=str(stored.run.public_id)
        )


def _execute(
    *,
    notification_id: int,
    trigger: str,
    trigger_ref: str,
    notification: Notification | None = None,
) -> ScreeningRun | None:
    """``notification``: the case as its caller has just read it (the submission's move to
    screening), so it is not read again for the first attempt. Its status is only the early way
    out: ``store.store_run`` decides eligibility again under the case's lock."""
    for _attempt in range(store.MAX_ATTEMPTS):
        # The lists the run will use, and the key's End User List version with them (one lookup
        # of the versions in force, not two): ``store_run`` checks under the lock that it is
        # still the one in force.
        lists = published_lists()
        eul_version_id = lists.eul.version_id if lists.eul is not None else None
        existing = store.run_key(notification_id, eul_version_id, trigger, trigger_ref).first()
        if existing is not None and existing.status == RunStatus.COMPLETED:
            return existing
        if notification is None:
            notification = Notification.objects.filter(pk=notification_id).first()
        if notification is None or not store.eligible(notification.status, trigger):
            return None
        try:
            computed = _compute(notification, lists)
            return screening_run_store(
                notification_id=notification_id,
                trigger=trigger,
                trigger_ref=trigger_ref,
                computed=computed,
            )
        except store.ListsChanged:
            notification = None  # read again with the lists of the next attempt
            continue
        except Exception as exc:
            store.record_failure(
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
    started = None
    if trigger == Trigger.SUBMISSION:
        notification = Notification.objects.filter(pk=notification_id).first()
        if notification is None:
            return None
        if notification.status == Status.SUBMITTED:
            # Another worker (or a withdrawal) may move it first; the status then decides below.
            with contextlib.suppress(TransitionError):
                started = notification_start_screening(notification=notification)
    return _execute(
        notification_id=notification_id,
        trigger=trigger,
        trigger_ref=trigger_ref,
        notification=started,
    )


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

#: A hit can be adjudicated while the case is being examined (the workflow's examination
#: statuses); once a decision is waiting for a countersignature the facts behind it are frozen (a
#: return reopens them).
ADJUDICATION_STATUSES = EXAMINATION_STATUSES
_ADJUDICATED = frozenset({Disposition.CONFIRMED, Disposition.FALSE_POSITIVE})


def hit_adjudicate(*, hit: PartyHit, actor: User, disposition: str, reason: str) -> PartyHit:
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
        # Four eyes reads this fact off the filing (notifications never imports screening).
        confirmed = PartyHit.objects.filter(
            run__notification=locked, disposition=Disposition.CONFIRMED
        ).exists()
        if locked.has_confirmed_hit != confirmed:
            Notification.objects.filter(pk=locked.pk).update(has_confirmed_hit=confirmed)
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


def screening_rerun_request(*, notification: Notification, actor: User) -> str:
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
        if locked.status not in QUEUE_STATUSES:
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
        # screening.tasks imports these services (its tasks call them), so the task is looked up
        # when a reviewer asks, not at import: a cycle inside screening, not across the layers.
        from screening.tasks import rerun_notification

        rerun_notification.delay_on_commit(locked.pk, request_ref)
    return request_ref
