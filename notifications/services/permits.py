"""Permits: issued with an approval, then valid → suspended / revoked → expired by the
moves of ``workflow.PERMIT_TRANSITIONS``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl.audit import trail
from exportctl.audit.checkpoints import make_checkpoint
from exportctl.audit.models import CheckpointReason
from notifications import enforcement
from notifications.documents.numbers import next_number
from notifications.documents.tasks import render_document
from notifications.models import Decision, DocumentKind, Notification, Permit, PermitStatus
from notifications.services.base import (
    lock_notification,
    notify_firm,
    require_roles,
    require_status,
)
from notifications.workflow import (
    PERMIT_TRANSITIONS,
    PermitMove,
    Procedure,
    Status,
    TransitionError,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a gettext_lazy message (django-stubs, dev only)

    from exportctl.accounts.models import User


DEFAULT_VALIDITY_MONTHS = 6


def issue_permit(locked: Notification, decision: Decision, *, actor: User) -> Permit:
    # The table already refuses approval of a prior report; a permit is the one outcome that must
    # never come of one (it asks no permission), so the issuer refuses it once more.
    if locked.procedure != Procedure.CATCH_ALL:
        raise TransitionError(
            _("A prior report is never answered with a permit."), code="wrong_procedure"
        )
    # Nor is a firm under a running export ban granted one: the whole approval rolls back.
    enforcement.refuse_if_banned(locked.firm, action="permit")
    today = timezone.localdate()
    months = decision.validity_months or DEFAULT_VALIDITY_MONTHS
    permit = Permit.objects.create(
        notification=locked,
        decision=decision,
        # The permit's number is its document's number: the one identifier of the permit.
        number=next_number(DocumentKind.PERMIT, year=today),
        conditions=decision.conditions,
        valid_from=today,
        valid_until=today + relativedelta(months=months),
    )
    trail.record(
        action="permit.issue",
        actor=actor,
        obj=permit,
        firm=locked.firm,
        data={"notification": locked.reference, "valid_until": permit.valid_until},
    )
    render_document.delay_on_commit(locked.pk, "permit")
    # A signed checkpoint of the audit trail, made once the issue has committed.
    make_checkpoint(reason=CheckpointReason.PERMIT_ISSUE)
    return permit


# --- Permits ---------------------------------------------------------------------------------
@transaction.atomic
def permit_expire_due(*, today: datetime.date | None = None) -> int:
    """Valid permits whose last day has passed become expired (run daily by beat)."""
    today = today or timezone.localdate()
    expire = PERMIT_TRANSITIONS[PermitMove.EXPIRE]
    expired = 0
    for permit in (
        Permit.objects.select_for_update(of=("self",))
        .filter(status__in=expire.sources, valid_until__lt=today)
        .select_related("notification")
        .order_by("pk")
    ):
        permit.status = expire.target
        permit.save(update_fields=["status", "updated_at"])
        trail.record(
            action="permit.expire",
            actor=None,
            obj=permit,
            firm=permit.notification.firm,
            data={"valid_until": permit.valid_until},
        )
        expired += 1
    return expired


# --- Permit lifecycle: valid → suspended / revoked → expired ---------------------------------
# Who may make each move, from which status, is ``workflow.PERMIT_TRANSITIONS``.
_PERMIT_EVENTS = {
    PermitStatus.SUSPENDED: "permit_suspended",
    PermitStatus.REVOKED: "permit_revoked",
    PermitStatus.VALID: "permit_reinstated",
}


def _lock_permit(locked: Notification, permit: Permit) -> Permit:
    return Permit.objects.select_for_update().get(pk=permit.pk, notification=locked)


def _permit_change(
    *,
    permit: Permit,
    actor: User | None,
    reason: str,
    move: PermitMove,
    action: str,
    verb: str | StrPromise,
) -> Permit:
    """Make ``move`` of ``PERMIT_TRANSITIONS``: who may, from which status, to which."""
    transition = PERMIT_TRANSITIONS[move]
    target = transition.target
    locked = lock_notification(permit.notification)
    require_roles(actor, locked, transition.roles, verb)
    current = _lock_permit(locked, permit)
    if current.status not in transition.sources:
        raise TransitionError(
            _("This permit is %(status)s; you cannot %(action)s it now.")
            % {"status": PermitStatus(current.status).label, "action": verb},
            code="wrong_state",
        )
    if not reason.strip():
        raise TransitionError(_("Give the reason."), code="reason_required")
    previous = current.status
    current.status = target
    current.status_reason = reason.strip()
    current.save(update_fields=["status", "status_reason", "updated_at"])
    notify_firm(locked, _PERMIT_EVENTS[target])
    trail.record(
        action=action,
        actor=actor,
        obj=current,
        firm=locked.firm,
        data={
            "notification": locked.reference,
            "number": current.number,
            "from": previous,
            "to": target,
            "reason": current.status_reason,
        },
    )
    return current


@transaction.atomic
def permit_suspend(*, permit: Permit, actor: User, reason: str) -> Permit:
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.SUSPEND,
        action="permit.suspend",
        verb=_("suspend"),
    )


@transaction.atomic
def permit_suspend_for_ban(*, permit: Permit, actor: User | None, reason: str) -> Permit:
    """Suspend a valid permit because its firm is banned from exporting (``actor`` ``None`` is
    the daily task). Reinstating it afterwards is a senior reviewer's decision."""
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.SUSPEND_FOR_BAN,
        action="permit.suspend",
        verb=_("suspend"),
    )


@transaction.atomic
def permit_revoke(*, permit: Permit, actor: User, reason: str) -> Permit:
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.REVOKE,
        action="permit.revoke",
        verb=_("revoke"),
    )


@transaction.atomic
def permit_reinstate(*, permit: Permit, actor: User, reason: str) -> Permit:
    """A suspended permit becomes valid again — only on an approved case (not while a re-screen
    has reopened it), within its validity, and never beside another valid permit."""
    notification = lock_notification(permit.notification)
    verb = _("reinstate")
    require_roles(actor, notification, PERMIT_TRANSITIONS[PermitMove.REINSTATE].roles, verb)
    require_status(notification, {Status.APPROVED}, _("reinstate a permit"))
    if permit.valid_until < timezone.localdate():
        raise TransitionError(_("This permit's validity has ended."), code="expired")
    if (
        Permit.objects.filter(notification=notification, status=PermitStatus.VALID)
        .exclude(pk=permit.pk)
        .exists()
    ):
        raise TransitionError(
            _("Another permit of this notification is valid."), code="another_valid"
        )
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.REINSTATE,
        action="permit.reinstate",
        verb=verb,
    )
