"""Inform notices (インフォーム通知): from a case, as the end of a prior report, or on the
ministry's own initiative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.audit import trail
from exportctl.countries import validate_country_code
from notifications.documents.numbers import next_number
from notifications.models import (
    Decision,
    DecisionKind,
    DocumentKind,
    InformNotice,
    InformSubject,
    ItemKind,
    Message,
    MessageKind,
    Notification,
)
from notifications.services.base import (
    INFORM_STATUSES,
    REVIEWER_ROLES,
    begin_move,
    close_review,
    finish_move,
    lock_notification,
    notify_firm,
    require_roles,
    require_status,
)
from notifications.services.decision_rules import refuse_if_claimed_by_other
from notifications.workflow import Move, Procedure, TransitionError

if TYPE_CHECKING:
    from exportctl.accounts.models import Firm, User


@transaction.atomic
def notification_inform(*, notification: Notification, actor: User, grounds: str) -> Decision:
    """An inform notice (インフォーム通知) from a case: the ministry tells the exporter that this
    export needs a licence whatever the catch-all tests say (domain.md §0, §10 rule 4). It is
    recorded as a decision of its own kind, a message to the exporter and an ``InformNotice``
    (numbered, with its signed letter) issued through ``inform_notice_issue``; the filing is
    marked as informed so that every later screening applies the inform rule. The review goes
    on: the licence decision (approve or deny) is still to be taken."""
    if notification.procedure == Procedure.PRIOR_REPORT:
        return prior_report_conclude_informed(
            notification=notification, actor=actor, grounds=grounds
        )
    locked = lock_notification(notification)
    action = _("issue an inform notice")
    require_roles(actor, locked, REVIEWER_ROLES, action)
    require_status(locked, INFORM_STATUSES, action)
    if not grounds.strip():
        raise TransitionError(_("State the grounds of the inform notice."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.INFORM, actor=actor, reason=grounds.strip()
    )
    notice = inform_notice_issue(
        actor=actor,
        firm=locked.firm,
        subject_kind=_case_subject_kind(locked),
        subject=_case_subject(locked),
        grounds=grounds,
        notification=locked,
        decision=decision,
    )
    message = Message.objects.create(
        notification=locked,
        kind=MessageKind.INFORM_NOTICE,
        author=actor,
        body=grounds.strip(),
    )
    locked.inform_notice_received = True
    locked.inform_notice_reference = notice.number
    locked.inform_notice = notice
    locked.save(
        update_fields=[
            "inform_notice_received",
            "inform_notice_reference",
            "inform_notice",
            "updated_at",
        ]
    )
    notify_firm(locked, "inform_notice")
    trail.record(
        action="notification.inform",
        actor=actor,
        obj=locked,
        data={
            "reference": locked.reference,
            "decision": str(decision.public_id),
            "message": str(message.public_id),
            "notice": notice.number,
        },
    )
    return decision


@transaction.atomic
def prior_report_conclude_informed(
    *, notification: Notification, actor: User, grounds: str
) -> Decision:
    """The dialogue on a key-technology prior report left the ministry's concern in place: the
    report ends with an inform notice (FEFTA Art. 55-8; domain.md §0a step 3) and the firm must now
    apply for an Art. 25 licence, in a filing of its own that cites the notice. Unlike an inform
    notice on a catch-all case, the report itself is closed: it never leads to a permit."""
    locked = begin_move(notification, Move.CONCLUDE_INFORMED, actor)
    refuse_if_claimed_by_other(locked, actor)
    if not grounds.strip():
        raise TransitionError(_("State the grounds of the inform notice."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.INFORM, actor=actor, reason=grounds.strip()
    )
    details = getattr(locked, "prior_report", None)
    technology = details.technology if details is not None else None
    subject = technology.name_en if technology is not None else (locked.title or "")
    notice = inform_notice_issue(
        actor=actor,
        firm=locked.firm,
        subject_kind=InformSubject.TECHNOLOGY,
        subject=f"{locked.reference}: {subject}"[:500],
        grounds=grounds,
        notification=locked,
        decision=decision,
    )
    message = Message.objects.create(
        notification=locked, kind=MessageKind.INFORM_NOTICE, author=actor, body=grounds.strip()
    )
    locked.inform_notice_received = True
    locked.inform_notice_reference = notice.number
    locked.inform_notice = notice
    locked.decided_at = timezone.now()
    close_review(locked)
    finish_move(
        locked,
        Move.CONCLUDE_INFORMED,
        actor=actor,
        fields=(
            "inform_notice_received",
            "inform_notice_reference",
            "inform_notice",
            "decided_at",
        ),
        data={
            "decision": str(decision.public_id),
            "message": str(message.public_id),
            "notice": notice.number,
        },
    )
    return decision


def _case_subject_kind(notification: Notification) -> str:
    """A notice from a case is about what the case exports: technology if every item is
    technology or software, goods otherwise."""
    kinds = set(notification.items.values_list("kind", flat=True))
    if kinds and kinds <= {ItemKind.TECHNOLOGY, ItemKind.SOFTWARE}:
        return InformSubject.TECHNOLOGY
    return InformSubject.GOODS


def _case_subject(notification: Notification) -> str:
    descriptions = list(
        notification.items.order_by("position", "pk").values_list("description", flat=True)
    )
    text = "; ".join(descriptions) or notification.title or str(notification.reference)
    return f"{notification.reference}: {text}"[:500]


# --- Inform notices as records of their own ---------------------------------------------------
@transaction.atomic
def inform_notice_issue(
    *,
    actor: User,
    firm: Firm,
    subject_kind: str,
    subject: str,
    grounds: str,
    notification: Notification | None = None,
    decision: Decision | None = None,
) -> InformNotice:
    """Issue an inform notice to ``firm``: from a case (``notification``), or on the ministry's
    own initiative about goods, a technology, a destination or an end user. Takes the next IN-
    number, audits in this transaction, and after commit e-mails the firm and issues the signed
    letter (verifiable at /verify/). Only an active reviewer or senior reviewer may."""
    if not access.is_reviewer(actor):
        raise TransitionError(
            _("You are not allowed to %(action)s.") % {"action": _("issue an inform notice")},
            code="forbidden_role",
        )
    if subject_kind not in InformSubject.values:
        raise TransitionError(_("Choose what the notice is about."), code="invalid_subject")
    subject, grounds = (subject or "").strip(), (grounds or "").strip()
    if subject_kind == InformSubject.DESTINATION:
        subject = subject.upper()
        try:
            validate_country_code(subject)
        except ValidationError as exc:
            raise TransitionError(
                _("Give the destination as a two-letter ISO 3166 country code, e.g. CN."),
                code="invalid_subject",
            ) from exc
    if not subject:
        raise TransitionError(_("Describe what the notice is about."), code="invalid_subject")
    if not grounds:
        raise TransitionError(_("State the grounds of the inform notice."), code="reason_required")
    if notification is not None and notification.firm_id != firm.pk:
        raise TransitionError(
            _("The case belongs to another firm than the notice."), code="wrong_firm"
        )
    now = timezone.now()
    notice = InformNotice.objects.create(
        number=next_number(DocumentKind.INFORM_NOTICE, year=timezone.localdate(now)),
        firm=firm,
        subject_kind=subject_kind,
        subject=subject[:500],
        grounds=grounds,
        notification=notification,
        decision=decision,
        issued_by=actor,
        issued_at=now,
        requires_licence=True,
    )
    trail.record(
        action="inform_notice.issue",
        actor=actor,
        obj=notice,
        firm=firm,
        data={
            "number": notice.number,
            "subject_kind": subject_kind,
            "subject": notice.subject,
            "notification": notification.reference if notification is not None else None,
            "own_initiative": notification is None,
        },
    )
    from notifications.documents.tasks import render_inform_notice
    from notifications.tasks import send_inform_notice_email

    render_inform_notice.delay_on_commit(notice.pk)
    if notification is None:
        # A notice from a case reaches the firm with the case's own e-mail (the inform event).
        send_inform_notice_email.delay_on_commit(notice.pk)
    return notice
