"""What a notification still lacks before it may be submitted.

The exporter sees exactly this list on the review step and the API returns it on a refused submit,
so each entry names the step and the field in the exporter's terms.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, PartyRole

CHECKLIST_SIZE = 20
CHECKLIST_ANSWERS = frozenset({"yes", "no", "unknown"})


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
