"""Enforcement: violations on the record, voluntary disclosures and administrative sanctions
(FEFTA Art. 53; domain.md §6).

Who may act:

- **enforcement staff** — a ministry user (no firm) with the enforcement officer's or the senior
  reviewer's role — record violations, confirm or dismiss them, attach evidence and impose
  sanctions;
- a **firm user** files a *voluntary disclosure* about its own firm, which becomes a violation
  record marked ``disclosed``;
- the **system** raises a *candidate* (``violation_candidate_record``), e.g. for a refused shipment;
- the **auditor** reads everything and changes nothing.

**Export bans.** A ban runs from ``starts_on`` to ``ends_on``, *both days included*, in the
ministry's calendar (``timezone.localdate``): on those days the firm cannot submit a filing
(``notification_submit``) or be granted a permit (``_issue_permit``, on approval and on
countersignature). The check is by date, so the ban lifts itself the day after ``ends_on`` with no
job. A ban may last at most three years (the last day is the day before the third anniversary of
its first day). When a ban starts, the firm's valid permits are suspended with the reason — at
once when it starts on or before the day it is imposed, otherwise by the daily task
(``ban_suspend_permits_due``). Suspended permits do **not** come back by themselves when the ban
ends: domain.md §6 and §7 give no rule for it, and reinstating a permit stays a senior reviewer's
decision (``permit_reinstate``), taken case by case.

Every service is one transaction and writes its audit event in it; a refusal raises
``TransitionError`` (who or when) or ``ValidationError`` (input) and changes nothing.
"""

import datetime
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.accounts.models import Firm
from exportctl.audit import refusals, trail
from notifications import uploads
from notifications.enforcement_models import (
    Sanction,
    SanctionKind,
    Violation,
    ViolationEvidence,
    ViolationKind,
    ViolationStatus,
)
from notifications.models import Notification, Permit, PermitStatus
from notifications.workflow import TransitionError

#: The longest export ban the law allows (FEFTA Art. 53: up to three years).
MAX_BAN = relativedelta(years=3)
#: The refusal code of an action refused because the firm is under a running ban.
BAN_CODE = "export_ban"


# --- Who may act ------------------------------------------------------------------------------


#: Who may act and who may read are the access module's predicates (``exportctl.access``).
is_enforcer = access.is_enforcer
is_enforcement_reader = access.is_enforcement_reader


def _require_enforcer(actor, action) -> None:
    if not is_enforcer(actor):
        raise TransitionError(
            _("You are not allowed to %(action)s.") % {"action": action}, code="forbidden_role"
        )


# --- Export bans ------------------------------------------------------------------------------


def running_ban(firm: Firm | int, *, on: datetime.date | None = None) -> Sanction | None:
    """The export ban running on ``on`` (today) against ``firm``, the one ending last."""
    on = on or timezone.localdate()
    firm_id = firm if isinstance(firm, int) else firm.pk
    return (
        Sanction.objects.filter(
            firm_id=firm_id, kind=SanctionKind.EXPORT_BAN, starts_on__lte=on, ends_on__gte=on
        )
        .order_by("-ends_on", "-pk")
        .first()
    )


def ban_message(ban: Sanction, *, action: str) -> str:
    until = formats.date_format(ban.ends_on, "DATE_FORMAT")
    if action == "permit":
        return gettext(
            "This firm is under an export ban (FEFTA Art. 53) until %(until)s inclusive: no "
            "permit can be granted to it before then."
        ) % {"until": until}
    return gettext(
        "Your firm is under an export ban (FEFTA Art. 53) until %(until)s inclusive: it cannot "
        "submit a filing before then."
    ) % {"until": until}


def refuse_if_banned(firm: Firm, *, action: str, on: datetime.date | None = None) -> None:
    """Raise ``TransitionError`` (code ``export_ban``) while a ban runs against ``firm``.

    The refusal is noted for the audit trail of the current request, which the refusal
    middleware writes *after* the refused action's transaction has rolled back
    (``exportctl.audit.refusals``)."""
    ban = running_ban(firm, on=on)
    if ban is None:
        return
    message = ban_message(ban, action=action)
    refusals.note(
        reason=BAN_CODE,
        message=message,
        firm=str(firm.public_id),
        sanction=str(ban.public_id),
        until=ban.ends_on.isoformat(),
        refused=action,
    )
    error = TransitionError(message, code=BAN_CODE)
    error.until = ban.ends_on
    raise error


# --- Violations -------------------------------------------------------------------------------


def _clean_kind(kind: str) -> str:
    if kind not in ViolationKind.values:
        raise ValidationError({"kind": [_("Choose the kind of violation.")]})
    return kind


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": [_("Describe what happened.")]})
    return description


def _links(
    firm: Firm, notifications: Iterable[Notification], permits: Iterable[Permit]
) -> tuple[list[Notification], list[Permit]]:
    """Only the firm's own cases and permits may be linked to its violation."""
    notifications = [n for n in notifications if n is not None]
    permits = [p for p in permits if p is not None]
    if any(n.firm_id != firm.pk for n in notifications):
        raise ValidationError({"notifications": [_("A linked case belongs to another firm.")]})
    if any(p.notification.firm_id != firm.pk for p in permits):
        raise ValidationError({"permits": [_("A linked permit belongs to another firm.")]})
    return notifications, permits


def _create(
    *,
    firm: Firm,
    kind: str,
    description: str,
    actor,
    action: str,
    disclosed: bool = False,
    occurred_on: datetime.date | None = None,
    notifications: Iterable[Notification] = (),
    permits: Iterable[Permit] = (),
) -> Violation:
    kind = _clean_kind(kind)
    description = _clean_description(description)
    notifications, permits = _links(firm, notifications, permits)
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise ValidationError(
            {"occurred_on": [_("The date of the breach cannot be in the future.")]}
        )
    violation = Violation.objects.create(
        firm=firm,
        kind=kind,
        description=description,
        disclosed=disclosed,
        occurred_on=occurred_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    violation.notifications.set(notifications)
    violation.permits.set(permits)
    trail.record(
        action=action,
        actor=actor,
        obj=violation,
        firm=firm,
        data={
            "kind": kind,
            "status": violation.status,
            "disclosed": disclosed,
            "occurred_on": occurred_on,
            "notifications": [n.reference or str(n.public_id) for n in notifications],
            "permits": [p.number for p in permits],
        },
    )
    return violation


@transaction.atomic
def violation_candidate_record(
    *,
    firm: Firm,
    kind: str,
    description: str,
    permit: Permit | None = None,
    notification: Notification | None = None,
    actor=None,
) -> Violation:
    """Put a *candidate* violation on the ministry's list, raised by the system (e.g. a refused
    shipment, kind ``shipment_beyond_permit``). ``actor`` is whoever's action raised it, if any.

    Runs in the caller's transaction when there is one: a caller that refuses its own action by
    raising must record the candidate in a transaction of its own, or the candidate rolls back
    with the refused action."""
    if permit is not None and notification is None:
        notification = permit.notification
    return _create(
        firm=firm,
        kind=kind,
        description=description,
        actor=actor,
        action="violation.candidate",
        notifications=[notification] if notification is not None else [],
        permits=[permit] if permit is not None else [],
    )


@transaction.atomic
def violation_record(
    *,
    firm: Firm,
    kind: str,
    description: str,
    actor,
    occurred_on: datetime.date | None = None,
    notifications: Iterable[Notification] = (),
    permits: Iterable[Permit] = (),
) -> Violation:
    """Enforcement staff record a violation against ``firm`` (a candidate until confirmed)."""
    _require_enforcer(actor, _("record a violation"))
    return _create(
        firm=firm,
        kind=kind,
        description=description,
        actor=actor,
        action="violation.record",
        occurred_on=occurred_on,
        notifications=notifications,
        permits=permits,
    )


@transaction.atomic
def violation_disclose(
    *,
    actor,
    kind: str,
    description: str,
    occurred_on: datetime.date | None = None,
    notifications: Iterable[Notification] = (),
    permits: Iterable[Permit] = (),
) -> Violation:
    """A firm user discloses a breach of their own firm: a violation record marked disclosed."""
    if not access.is_firm_user(actor):
        raise TransitionError(
            _("Only a user of the firm can file its voluntary disclosure."), code="forbidden_role"
        )
    firm = Firm.objects.select_for_update().get(pk=actor.firm_id)
    return _create(
        firm=firm,
        kind=kind,
        description=description,
        actor=actor,
        action="violation.disclose",
        disclosed=True,
        occurred_on=occurred_on,
        notifications=notifications,
        permits=permits,
    )


def _decide(*, violation: Violation, actor, note: str, target: str, action: str, verb) -> Violation:
    _require_enforcer(actor, verb)
    locked = Violation.objects.select_for_update().get(pk=violation.pk)
    if locked.status != ViolationStatus.CANDIDATE:
        raise TransitionError(
            _("This violation is already %(status)s.")
            % {"status": ViolationStatus(locked.status).label.lower()},
            code="wrong_state",
        )
    note = (note or "").strip()
    if target == ViolationStatus.DISMISSED and not note:
        raise ValidationError({"note": [_("Give the reason for dismissing it.")]})
    locked.status = target
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    trail.record(
        action=action,
        actor=actor,
        obj=locked,
        firm=locked.firm,
        data={"from": ViolationStatus.CANDIDATE, "to": target, "note": note},
    )
    return locked


@transaction.atomic
def violation_confirm(*, violation: Violation, actor, note: str = "") -> Violation:
    return _decide(
        violation=violation,
        actor=actor,
        note=note,
        target=ViolationStatus.CONFIRMED,
        action="violation.confirm",
        verb=_("confirm a violation"),
    )


@transaction.atomic
def violation_dismiss(*, violation: Violation, actor, note: str) -> Violation:
    return _decide(
        violation=violation,
        actor=actor,
        note=note,
        target=ViolationStatus.DISMISSED,
        action="violation.dismiss",
        verb=_("dismiss a violation"),
    )


@transaction.atomic
def evidence_add(*, violation: Violation, actor, uploaded_file) -> ViolationEvidence:
    """Attach an evidence document, checked by content like every upload (PDF, PNG, JPEG, XLSX;
    ``settings.UPLOAD_MAX_BYTES``); its SHA-256 is kept with the row and on the audit trail.

    Enforcement staff may add evidence to any record; a firm user only to its own firm's
    disclosure."""
    locked = Violation.objects.select_for_update().get(pk=violation.pk)
    own_disclosure = access.is_firm_user_of(actor, locked.firm_id) and locked.disclosed
    if not (is_enforcer(actor) or own_disclosure):
        raise TransitionError(
            _("You are not allowed to %(action)s.") % {"action": _("add evidence")},
            code="forbidden_role",
        )
    inspected = uploads.inspect_upload(uploaded_file)
    evidence = ViolationEvidence(
        violation=locked,
        original_name=uploads.original_name(inspected.uploaded_file),
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        uploaded_by=actor,
    )
    inspected.uploaded_file.seek(0)
    evidence.file.save("upload", inspected.uploaded_file, save=False)
    try:
        evidence.save()
        trail.record(
            action="violation.evidence_added",
            actor=actor,
            obj=locked,
            firm=locked.firm,
            data={
                "evidence": str(evidence.public_id),
                "name": evidence.original_name,
                "content_type": evidence.content_type,
                "size": evidence.size,
                "sha256": evidence.sha256,
            },
        )
    except BaseException:
        # A refused row must not leave its bytes behind in storage.
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


# --- Sanctions --------------------------------------------------------------------------------


def _suspend_permits(firm: Firm, ban: Sanction, *, actor) -> list[str]:
    from notifications.services.permits import permit_suspend_for_ban

    reason = gettext("Export ban (FEFTA Art. 53) from %(start)s to %(end)s: %(reason)s") % {
        "start": ban.starts_on.isoformat(),
        "end": ban.ends_on.isoformat(),
        "reason": ban.reason,
    }
    suspended = []
    permits = Permit.objects.filter(
        notification__firm=firm, status=PermitStatus.VALID
    ).select_related("notification")
    for permit in permits.order_by("pk"):
        suspended.append(permit_suspend_for_ban(permit=permit, actor=actor, reason=reason).number)
    return suspended


@transaction.atomic
def sanction_impose(
    *,
    firm: Firm,
    kind: str,
    reason: str,
    actor,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    violation: Violation | None = None,
) -> Sanction:
    """Impose a warning or an export ban on ``firm``.

    A ban needs its last day (``ends_on``), at most three years after its first; a ban that has
    already started suspends the firm's valid permits in the same transaction."""
    _require_enforcer(actor, _("impose a sanction"))
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if kind not in SanctionKind.values:
        raise ValidationError({"kind": [_("Choose a warning or an export ban.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})
    if violation is not None:
        violation = Violation.objects.select_for_update().get(pk=violation.pk)
        if violation.firm_id != firm.pk:
            raise ValidationError({"violation": [_("The violation belongs to another firm.")]})
        if violation.status != ViolationStatus.CONFIRMED:
            raise ValidationError(
                {"violation": [_("Confirm the violation before sanctioning it.")]}
            )
    today = timezone.localdate()
    starts_on = starts_on or today
    if kind == SanctionKind.WARNING:
        ends_on = None
    else:
        if ends_on is None:
            raise ValidationError({"ends_on": [_("Give the last day of the ban.")]})
        if ends_on < starts_on:
            raise ValidationError({"ends_on": [_("The ban cannot end before it starts.")]})
        if ends_on >= starts_on + MAX_BAN:
            raise ValidationError(
                {
                    "ends_on": [
                        _(
                            "An export ban lasts at most three years (FEFTA Art. 53): its last "
                            "day is %(latest)s at the latest."
                        )
                        % {"latest": (starts_on + MAX_BAN - datetime.timedelta(days=1)).isoformat()}
                    ]
                }
            )
        if ends_on < today:
            raise ValidationError({"ends_on": [_("The ban cannot end in the past.")]})
    sanction = Sanction.objects.create(
        firm=firm,
        violation=violation,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        imposed_by=actor,
    )
    trail.record(
        action=f"sanction.{kind}",
        actor=actor,
        obj=sanction,
        firm=firm,
        data={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "reason": reason,
            "violation": str(violation.public_id) if violation else None,
        },
    )
    if kind == SanctionKind.EXPORT_BAN and starts_on <= today:
        _suspend_permits(firm, sanction, actor=actor)
    return sanction


def ban_suspend_permits_due(*, today: datetime.date | None = None) -> int:
    """Suspend the valid permits of every firm whose ban runs today (the daily task); each firm
    in a transaction of its own. Returns how many permits were suspended."""
    today = today or timezone.localdate()
    count = 0
    bans = Sanction.objects.filter(
        kind=SanctionKind.EXPORT_BAN,
        starts_on__lte=today,
        ends_on__gte=today,
        firm__notifications__permits__status=PermitStatus.VALID,
    ).distinct()
    for ban in bans.select_related("firm").order_by("pk"):
        with transaction.atomic():
            count += len(_suspend_permits(ban.firm, ban, actor=None))
    return count
