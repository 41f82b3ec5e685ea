"""The key-technology prior report (事前報告, FEFTA Art. 55-8; domain.md §0, §0a, §10 rule 3): its
deadlines and the licence application that follows an inform notice.

The procedure, in the ministry's three steps (domain.md §0a):

1. **Report.** The firm files a ``Notification`` whose ``procedure`` is ``prior_report`` before the
   transfer, with its ``PriorReportDetails`` and the recipient as its end user. It is screened
   like any filing (every party against the lists); the reviewer sees the hits.
2. **Dialogue.** Screening always refers a prior report to a reviewer (the table has no clear move
   for it). The reviewer asks questions and the firm answers, on the record (messages).
3. **Outcome.** The reviewer closes the report without concern (``no_licence_required``, with a
   dated "you may proceed" letter) or issues an inform notice (``informed``): the firm must then
   apply for an Art. 25 licence, in a catch-all filing that cites the notice
   (``licence_application_start``); that application is approved or denied as today.

Why no automatic outcome: domain.md §0a says the firm may proceed when the ministry does not
inform it, but the scheme's answer is the ministry's, after a dialogue. A low screening score says
only that no party is listed, not that the ministry has no concern about the technology, so a
prior report is never cleared by the worker (nor turned into a receipt): even the plainest report
waits for a reviewer's close, which is one click on a low-risk case. And a prior report is never
answered with a permit: approve, deny and countersign are not moves of this procedure.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.audit import trail
from notifications import drafts, planning
from notifications.models import Item, ItemKind, Notification, Party
from notifications.prior_report_models import PriorReportDetails
from notifications.workflow import Procedure, Status, TransitionError
from partners import reference_data

#: Days before the planned transfer by which the report is due: reference data, unconfirmed [B].
LEAD_DAYS = reference_data.PRIOR_REPORT_LEAD_DAYS
LEAD_DAYS_CONFIRMED = reference_data.PRIOR_REPORT_LEAD_DAYS_CONFIRMED


@dataclass(frozen=True)
class Deadlines:
    """A prior report's dates, as the exporter and the reviewer see them."""

    planned_date: datetime.date | None
    #: The day the report is due (planned date − lead days); ``confirmed`` says whether that
    #: deadline is the ordinance's (it is not yet: domain.md §0a).
    due_by: datetime.date | None
    confirmed: bool
    #: Filed (or, for a draft, today) after the due date.
    after_deadline: bool
    #: The filing's late flag (``planning``): the same for a prior report as for any filing
    #: (after the planned date, or too close to it for the ministry's review).
    lateness: planning.Lateness

    @property
    def late(self) -> bool:
        return self.lateness.late


def filing_deadline(planned_date: datetime.date | None) -> datetime.date | None:
    if planned_date is None:
        return None
    return planned_date - datetime.timedelta(days=LEAD_DAYS)


def deadlines_for(notification: Notification) -> Deadlines:
    planned = notification.planned_date
    due_by = filing_deadline(planned)
    filed_on = (
        timezone.localdate(notification.submitted_at)
        if notification.submitted_at
        else timezone.localdate()
    )
    return Deadlines(
        planned_date=planned,
        due_by=due_by,
        confirmed=LEAD_DAYS_CONFIRMED,
        after_deadline=due_by is not None and filed_on > due_by,
        lateness=planning.lateness(planned, filed_on=filed_on),
    )


def details_for(notification: Notification) -> PriorReportDetails | None:
    if notification.procedure != Procedure.PRIOR_REPORT:
        return None
    return (
        PriorReportDetails.objects.select_related("technology")
        .filter(notification=notification)
        .first()
    )


@transaction.atomic
def technology_step_save(
    *, notification: Notification, actor, planned_date: datetime.date | None, details: dict
) -> PriorReportDetails:
    """The browser's technology step: the planned transfer date (the filing's own
    ``planned_date``) and the report's details, both or neither."""
    drafts.draft_update(notification=notification, actor=actor, planned_date=planned_date)
    return drafts.prior_report_update(notification=notification, actor=actor, **details)


@transaction.atomic
def licence_application_start(*, prior_report: Notification, actor) -> Notification:
    """After an inform notice ends a prior report, the firm applies for the Art. 25 licence: a new
    catch-all draft of the same firm that cites the notice (``inform_notice``), with the report's
    recipient and parties, destination, planned date and the technology as its one item. The
    firm completes it (value, checklist) and submits it; screening then refers it for the
    licence decision (an inform notice is never cleared automatically), and a permit may follow.
    """
    source = Notification.objects.select_for_update().get(pk=prior_report.pk)
    if not access.is_firm_user_of(actor, source.firm_id):
        # Another firm's report does not exist for this actor (the views answer 404 first).
        raise TransitionError(
            _("Only users of the filing firm may change this notification."),
            code="forbidden_role",
        )
    if source.procedure != Procedure.PRIOR_REPORT or source.status != Status.INFORMED:
        raise TransitionError(
            _("A licence application follows only a prior report closed with an inform notice."),
            code="wrong_state",
        )
    existing = (
        Notification.objects.filter(
            firm_id=source.firm_id,
            procedure=Procedure.CATCH_ALL,
            inform_notice_id=source.inform_notice_id,
            copied_from=source,
        )
        .exclude(status=Status.WITHDRAWN)
        .first()
    )
    if existing is not None:
        return existing
    details = details_for(source)
    technology = details.technology if details is not None else None
    application = drafts.draft_create(
        actor=actor,
        title=str(_("Licence application after inform notice %(number)s"))
        % {"number": source.inform_notice.number},
        destination_country=source.destination_country,
        end_use_description=(details.transaction_description if details else "")
        or (details.technology_description if details else ""),
        inform_notice_received=True,
        # Checked by ``drafts`` like any firm's answer: a notice this firm has received.
        inform_notice=source.inform_notice,
        planned_date=source.planned_date,
    )
    application.copied_from = source
    application.save(update_fields=["copied_from", "updated_at"])
    for party in source.parties.order_by("position", "pk"):
        Party.objects.create(
            notification=application,
            position=party.position,
            **{name: getattr(party, name) for name in drafts.PARTY_FIELDS},
        )
    if details is not None and technology is not None:
        Item.objects.create(
            notification=application,
            position=1,
            kind=ItemKind.TECHNOLOGY,
            description=(details.technology_description or technology.name_en)[:500],
            classification="na",
            key_technology=technology,
            quantity=1,
            unit="transfer",
            value_jpy=0,
        )
    trail.record(
        action="notification.licence_application_started",
        actor=actor,
        obj=application,
        data={
            "prior_report": source.reference,
            "inform_notice": source.inform_notice.number,
            "parties": application.parties.count(),
        },
    )
    return application
