"""What a notification still lacks before it may be submitted.

The exporter sees exactly this list on the review step and the API returns it on a refused submit,
so each entry names the step and the field in the exporter's terms.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, PartyRole, PriorReportDetails
from notifications.prior_report_models import TransactionType
from notifications.workflow import Procedure

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a gettext_lazy message (django-stubs, dev only)

CHECKLIST_ANSWERS = frozenset({"yes", "no", "unknown"})
#: Answers that must come with a note giving the grounds (the clear criteria's "no" and "unknown").
NOTE_REQUIRED_ANSWERS = frozenset({"no", "unknown"})

#: The 20 checks of the published clear criteria (明らかガイドライン, domain.md §4), in order.
#: Each is phrased so that "yes" is the clear answer; "no" or "unknown" on any one means the case
#: cannot be called clear by the exporter.
CHECKLIST_QUESTIONS = (
    _("The end use has been explained to you."),
    _("The end use fits the buyer's line of business."),
    _("The site where the goods or technology will be used is known."),
    _("If that site is near a military facility, there are no suspicious facts about it."),
    _("No unusual safety or security measures are requested."),
    _("The related equipment is consistent with the stated end use."),
    _("The related materials are consistent with the stated end use."),
    _("There is no excessive demand for spare parts."),
    _("The normal ancillary items are ordered with the goods."),
    _("The marking requested is normal."),
    _("The shipping route is normal."),
    _("The packing requested is normal."),
    _("The payment terms are normal."),
    _("The buyer wants the normal warranty."),
    _("The buyer does not refuse installation or training."),
    _("The buyer asks for no unusual secrecy."),
    _(
        "If a party is on the End User List, its concern code does not match the concern type "
        "of the goods (for a conventional-weapons listing with row 16(1) goods, checked on all "
        "available information)."
    ),
    _("No military use appears in the contract, specifications or other documents."),
    _(
        "If the destination is under a UN arms embargo, the goods are neither on the "
        "conventional-weapons high-risk list nor in row 16(1)."
    ),
    _("Nothing else about the transaction is unusual."),
)
CHECKLIST_SIZE = len(CHECKLIST_QUESTIONS)
#: The order in which the exporter fills in the form; gaps link to these steps.
STEPS = ("items", "parties", "end_use", "checklist", "documents", "review")
#: A key-technology prior report has no goods items, end-use step or clear-criteria checklist (those
#: belong to the catch-all test): the technology and the transaction take their place.
PRIOR_REPORT_STEPS = ("technology", "parties", "documents", "review")


def steps_for(notification: Notification) -> tuple[str, ...]:
    if notification.procedure == Procedure.PRIOR_REPORT:
        return PRIOR_REPORT_STEPS
    return STEPS


@dataclass(frozen=True)
class Gap:
    step: str
    field: str
    message: "str | StrPromise"


def _names_end_user(notification: Notification) -> bool:
    """Whether the filing names its end user; read from its parties when they are already loaded
    (a prefetch, or a draft as just written), else asked of the database."""
    if "parties" in getattr(notification, "_prefetched_objects_cache", {}):
        return any(party.role == PartyRole.END_USER for party in notification.parties.all())
    return notification.parties.filter(role=PartyRole.END_USER).exists()


def readiness_gaps(notification: Notification) -> list[Gap]:
    if notification.procedure == Procedure.PRIOR_REPORT:
        return prior_report_gaps(notification)
    gaps: list[Gap] = []
    if not notification.items.exists():
        gaps.append(Gap("items", "items", _("Add at least one item.")))
    if not notification.destination_country:
        gaps.append(Gap("parties", "destination_country", _("Choose the destination country.")))
    if not _names_end_user(notification):
        gaps.append(Gap("parties", "end_user", _("Name the end user.")))
    if not notification.end_use_description.strip():
        gaps.append(Gap("end_use", "end_use_description", _("Describe the end use.")))
    if not notification.end_use_category:
        gaps.append(Gap("end_use", "end_use_category", _("Choose the end-use category.")))
    if notification.planned_date is None:
        gaps.append(
            Gap(
                "parties",
                "planned_date",
                _("Give the planned date of the export or transfer."),
            )
        )
    if notification.inform_notice_received and notification.inform_notice_id is None:
        gaps.append(
            Gap(
                "end_use",
                "inform_notice",
                _("Choose the inform notice your firm received."),
            )
        )
    answers = notification.checklist or {}
    unanswered = [
        number
        for number in range(1, CHECKLIST_SIZE + 1)
        if (answers.get(str(number)) or {}).get("answer") not in CHECKLIST_ANSWERS
    ]
    if unanswered:
        gaps.append(
            Gap(
                "checklist",
                "checklist",
                _("Answer clear-criteria checks %(numbers)s.")
                % {"numbers": ", ".join(str(n) for n in unanswered)},
            )
        )
    # ``checklist_save`` refuses such an answer; a draft copied from an older filing may still
    # hold one, and it must not reach the ministry without its grounds.
    without_note = [
        number
        for number in range(1, CHECKLIST_SIZE + 1)
        if (answers.get(str(number)) or {}).get("answer") in NOTE_REQUIRED_ANSWERS
        and not str((answers.get(str(number)) or {}).get("note") or "").strip()
    ]
    if without_note:
        gaps.append(
            Gap(
                "checklist",
                "checklist_notes",
                _("Give the grounds in the note of clear-criteria checks %(numbers)s.")
                % {"numbers": ", ".join(str(n) for n in without_note)},
            )
        )
    return gaps


def prior_report_gaps(notification: Notification) -> list[Gap]:
    """What a key-technology prior report still lacks: the transaction, the technology from the
    published list, the planned transfer date, the protection measures, and the recipient (its
    end user, screened like any party) with its country."""
    details = PriorReportDetails.objects.filter(notification=notification).first()
    details = details or PriorReportDetails(notification=notification)
    gaps: list[Gap] = []
    if not details.transaction_type:
        gaps.append(Gap("technology", "transaction_type", _("Choose the type of transaction.")))
    elif details.transaction_type == TransactionType.OTHER and not (
        details.transaction_description.strip()
    ):
        gaps.append(Gap("technology", "transaction_description", _("Describe the transaction.")))
    if details.technology_id is None:
        gaps.append(
            Gap("technology", "technology", _("Choose the key technology from the published list."))
        )
    if not details.technology_description.strip():
        gaps.append(
            Gap(
                "technology",
                "technology_description",
                _("Describe the technology that will be provided."),
            )
        )
    if not notification.planned_date:
        gaps.append(Gap("technology", "planned_date", _("Give the planned transfer date.")))
    if not details.recipient_relation:
        gaps.append(
            Gap(
                "technology",
                "recipient_relation",
                _("Say how the recipient is related to your firm."),
            )
        )
    if not (
        details.protection_access_control
        or details.protection_contract_clauses
        or details.protection_measures.strip()
    ):
        gaps.append(
            Gap(
                "technology",
                "protection_measures",
                _("State the measures that protect the technology."),
            )
        )
    if not notification.destination_country:
        gaps.append(Gap("parties", "destination_country", _("Choose the recipient's country.")))
    if not _names_end_user(notification):
        gaps.append(Gap("parties", "end_user", _("Name the recipient of the technology.")))
    return gaps
