"""A case's history as sentences in the reader's language.

The audit trail stores language-neutral facts: an event code (``notification.checklist_saved``),
its actor and a little data (state values, a party's name, an item's position). The timeline of a
case — on the reviewer's case page, the auditor's case record and the exporter's status page —
reads those facts as one sentence per event, "Hanako Yamada saved the checklist" /
"山田 花子 さんが確認項目を保存しました", from ``EVENT_SENTENCES``: one sentence template per event
code. A code without a sentence of its own still reads as a sentence (``GENERIC_SENTENCE``, or the
status change it records), never as the raw code; stored values are shown by their translated
labels, parties by their names.

A sentence is rendered when it is read, so an event recorded in one language reads in the other,
and an old event reads with today's wording.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from exportctl.audit.trail import SYSTEM_ACTOR
from notifications.models import DecisionKind, DocumentKind, PartyRole, PermitStatus, RiskLevel
from notifications.workflow import Status
from screening.models import Disposition, Trigger

#: One sentence per event code. ``%(actor)s`` is who did it ("Hanako Yamada", "The system"); the
#: other placeholders are filled from the event's data (see ``_params``).
EVENT_SENTENCES: dict[str, Promise] = {
    # The exporter's draft.
    "notification.draft_created": _("%(actor)s started the draft"),
    "notification.draft_updated": _("%(actor)s updated the draft"),
    "notification.prior_report_updated": _("%(actor)s updated the prior report"),
    "notification.copied": _("%(actor)s started the draft as a copy of %(reference)s"),
    "notification.item_added": _("%(actor)s added item %(item)s"),
    "notification.item_updated": _("%(actor)s changed item %(item)s"),
    "notification.item_deleted": _("%(actor)s removed item %(item)s"),
    "notification.party_added": _("%(actor)s added the party %(party)s"),
    "notification.party_updated": _("%(actor)s changed the party %(party)s"),
    "notification.party_deleted": _("%(actor)s removed the party %(party)s"),
    "notification.checklist_saved": _("%(actor)s saved the checklist"),
    "notification.attachment_added": _("%(actor)s attached the file %(name)s"),
    "notification.attachment_deleted": _("%(actor)s removed the file %(name)s"),
    "notification.licence_application_started": _("%(actor)s started a licence application"),
    # The workflow's moves (``notifications.workflow.Move``).
    "notification.submit": _("%(actor)s submitted the notification"),
    "notification.start_screening": _("%(actor)s started screening"),
    "notification.clear": _("%(actor)s cleared the case"),
    "notification.refer": _("%(actor)s referred the case for review"),
    "notification.request_info": _("%(actor)s asked the exporter a question"),
    "notification.respond": _("%(actor)s answered the ministry's question"),
    "notification.approve": _("%(actor)s approved the case"),
    "notification.approve_for_countersign": _(
        "%(actor)s approved the case and sent it for countersignature"
    ),
    "notification.countersign": _("%(actor)s countersigned the approval"),
    "notification.return": _("%(actor)s returned the case to review"),
    "notification.deny": _("%(actor)s denied the case"),
    "notification.deny_for_countersign": _(
        "%(actor)s denied the case and sent the denial for countersignature"
    ),
    "notification.countersign_denial": _("%(actor)s countersigned the denial"),
    "notification.withdraw": _("%(actor)s withdrew the notification"),
    "notification.reopen": _("%(actor)s reopened the case after an End User List update"),
    "notification.conclude_no_licence": _("%(actor)s concluded that no licence is required"),
    # The ministry's work on the case.
    "notification.checklist_note": _("%(actor)s added a note on checklist item %(item)s"),
    "notification.internal_note": _("%(actor)s added an internal note"),
    "notification.inform": _("%(actor)s issued inform notice %(notice)s"),
    "inform_notice.issue": _("%(actor)s issued inform notice %(number)s"),
    "notification.risk_update": _("%(actor)s updated the risk to %(level)s"),
    "review.claim": _("%(actor)s took the case"),
    "review.release": _("%(actor)s released the case"),
    "review.assign": _("%(actor)s assigned the case to %(assignee)s"),
    "screening.run_completed": _("%(actor)s completed a screening run: %(level)s risk"),
    "screening.run_failed": _("%(actor)s could not complete a screening run"),
    "screening.rerun_requested": _("%(actor)s asked for screening to run again"),
    "screening.hit_adjudicate": _(
        "%(actor)s decided on the match of %(party)s with listed entry No. %(entry_number)s: %(to)s"
    ),
    # Permits and documents.
    "permit.issue": _("%(actor)s issued permit %(permit)s"),
    "permit.suspend": _("%(actor)s suspended permit %(permit)s"),
    "permit.revoke": _("%(actor)s revoked permit %(permit)s"),
    "permit.reinstate": _("%(actor)s reinstated permit %(permit)s"),
    "permit.expire": _("Permit %(permit)s expired"),
    "document.issued": _("%(actor)s issued the document %(number)s (%(kind)s)"),
    "document.rendered": _("%(actor)s made the PDF of the document %(number)s"),
    "document.download": _("%(actor)s downloaded the document %(number)s"),
    "attachment.download": _("%(actor)s downloaded the attachment %(name)s"),
    "access.refused": _("%(actor)s tried an action without the right to it, and was refused"),
}
#: An event with a change of status but no sentence of its own.
STATUS_CHANGE_SENTENCE = _("%(actor)s changed the status from %(from)s to %(to)s")
#: Any other event: it still reads as a sentence, and the audit log holds its details.
GENERIC_SENTENCE = _("%(actor)s recorded an action on the case")

#: Who did it: a person is named ("山田 花子 さん" in Japanese); the rest are institutions.
PERSON = pgettext_lazy("timeline actor", "%(name)s")
SYSTEM = _("The system")
MINISTRY = _("The ministry")

#: Data keys whose values are stored choices, read by their labels.
_CHOICES: dict[str, tuple] = {
    "level": (RiskLevel,),
    "trigger": (Trigger,),
    "role": (PartyRole,),
    "kind": (DocumentKind, DecisionKind),
}


@dataclass(frozen=True)
class TimelineSentence:
    at: datetime.datetime
    action: str
    text: str
    details: list[str] = field(default_factory=list)


def _label(value, enums) -> str:
    for enum in enums:
        if isinstance(value, str) and value in enum.values:
            return str(enum(value).label)
    return "—" if value in (None, "") else str(value)


def _states(action: str) -> tuple:
    if action == "screening.hit_adjudicate":
        return (Disposition,)
    if action.startswith("permit."):
        return (PermitStatus,)
    return (Status,)


def _date(value) -> str:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def _params(event, data: Mapping, names: Mapping[str, str]) -> dict:
    """The sentence's placeholders from the event's data; every one has a value, so no sentence
    fails on an old event that stored less."""
    states = _states(event.action)
    level = data.get("level")
    if isinstance(data.get("to"), dict):  # a risk update stores {"level": …, "score": …}
        level = data["to"].get("level", level)
    party = data.get("party")
    if party in names:
        party = names[party]
    elif data.get("name") and event.action.startswith("notification.party_"):
        party = data["name"]
    number = data.get("number") or names.get(str(event.object_id), "")
    return {
        "reference": data.get("reference") or data.get("copied_from") or "—",
        "item": data.get("item") or data.get("position") or "—",
        "party": party or "—",
        "name": data.get("name") or data.get("file_name") or "—",
        "notice": data.get("notice") or "—",
        "number": number or "—",
        "permit": names.get(str(event.object_id)) or data.get("permit") or number or "—",
        "kind": _label(data.get("kind"), _CHOICES["kind"]),
        "level": _label(level, _CHOICES["level"]),
        "assignee": names.get(data.get("assignee"), data.get("assignee") or "—"),
        "entry_number": data.get("entry_number") or "—",
        "from": _label(data.get("from"), states) if not isinstance(data.get("from"), dict) else "—",
        "to": _label(data.get("to"), states) if not isinstance(data.get("to"), dict) else "—",
    }


def event_details(event, data: Mapping | None = None) -> list[str]:
    """The facts a sentence leaves out that a reader needs: the reference, a due date, a reason."""
    data = data if data is not None else (event.data if isinstance(event.data, dict) else {})
    details = []
    if event.action == "notification.submit" and data.get("reference"):
        details.append(gettext("Reference %(reference)s") % {"reference": data["reference"]})
    if data.get("due_on"):
        details.append(gettext("Reply due by %(date)s") % {"date": _date(data["due_on"])})
    if data.get("reason"):
        details.append(gettext("Reason: %(reason)s") % {"reason": data["reason"]})
    if data.get("valid_until") and event.action == "permit.issue":
        details.append(gettext("Valid until %(date)s") % {"date": _date(data["valid_until"])})
    return details


def actor_phrase(name: str | None) -> str:
    """A person by name, or the system when no one acted."""
    return str(PERSON % {"name": name}) if name else str(SYSTEM)


def actor_name(event) -> str | None:
    actor = getattr(event, "actor", None)
    if actor is not None:
        return actor.full_name or actor.email
    label = getattr(event, "actor_label", "")
    return label if label and label != SYSTEM_ACTOR else None


def sentence(event, *, actor: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """The event as one sentence in the active language.

    ``actor`` is the phrase for who did it (default: the event's actor by name, or the system);
    ``names`` maps stored ids (a party's or permit's public id, a reviewer's e-mail) to what the
    reader knows them by.
    """
    data = event.data if isinstance(event.data, dict) else {}
    params = _params(event, data, names or {})
    params["actor"] = actor if actor is not None else actor_phrase(actor_name(event))
    template = EVENT_SENTENCES.get(event.action)
    if template is None:
        has_states = isinstance(data.get("from"), str) and isinstance(data.get("to"), str)
        template = STATUS_CHANGE_SENTENCE if has_states else GENERIC_SENTENCE
    text = str(template) % params
    return text[:1].upper() + text[1:]


def timeline(
    events,
    *,
    actor: Callable[[object], str] | None = None,
    names: Mapping[str, str] | None = None,
    details: bool = True,
) -> list[TimelineSentence]:
    """``events`` (audit events, oldest first) as sentences; ``actor(event)`` may name the actor
    differently (the exporter sees the ministry, not its officials)."""
    return [
        TimelineSentence(
            at=event.occurred_at,
            action=event.action,
            text=sentence(event, actor=actor(event) if actor else None, names=names),
            details=event_details(event) if details else [],
        )
        for event in events
    ]


def names_for_case(notification) -> dict[str, str]:
    """What the reader knows a case's stored ids by: parties by name, permits and documents by
    number, ministry staff (stored by e-mail in assignments) by name."""
    from exportctl.accounts.models import User
    from notifications.models import Document

    names: dict[str, str] = {}
    for party in notification.parties.all():
        names[str(party.public_id)] = party.name
    for permit in notification.permits.all():
        names[str(permit.public_id)] = permit.number
    for document in Document.objects.filter(notification=notification):
        names[str(document.public_id)] = document.number
    for email, full_name in User.objects.filter(firm__isnull=True).values_list(
        "email", "full_name"
    ):
        names[email] = full_name or email
    return names
