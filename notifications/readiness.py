"""What a notification still lacks before it may be submitted.

The exporter sees exactly this list on the review step and the API returns it on a refused submit,
so each entry names the step and the field in the exporter's terms.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, PartyRole

CHECKLIST_ANSWERS = frozenset({"yes", "no", "unknown"})

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


@dataclass(frozen=True)
class Gap:
    step: str
    field: str
    message: str


def readiness_gaps(notification: Notification) -> list[Gap]:
    gaps: list[Gap] = []
    if not notification.items.exists():
        gaps.append(Gap("items", "items", _("Add at least one item.")))
    if not notification.destination_country:
        gaps.append(Gap("parties", "destination_country", _("Choose the destination country.")))
    if not notification.parties.filter(role=PartyRole.END_USER).exists():
        gaps.append(Gap("parties", "end_user", _("Name the end user.")))
    if not notification.end_use_description.strip():
        gaps.append(Gap("end_use", "end_use_description", _("Describe the end use.")))
    if not notification.end_use_category:
        gaps.append(Gap("end_use", "end_use_category", _("Choose the end-use category.")))
    if notification.inform_notice_received and not notification.inform_notice_reference.strip():
        gaps.append(
            Gap(
                "end_use",
                "inform_notice_reference",
                _("Give the reference of the ministry's inform notice."),
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
    return gaps
