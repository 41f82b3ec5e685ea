"""What the auditor's exports hold, column by column, in words a person reads.

Headers are lazy translations and values go through the same ``TextChoices`` labels the pages
show, so a Japanese reader gets 承認 and 高, an English reader Approved and High, never
``approve_for_countersign`` or ``high``. Times are left as datetimes: ``exportctl.audit.exports``
writes them in local time (CSV text, XLSX date cells). The audit log's data dict is written as a
sentence by ``describe_event`` (also used by the log page).
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exportctl.audit.exports import Column
from exportctl.countries import country_name
from notifications.models import DecisionKind, DocumentKind, PartyRole, PermitStatus, RiskLevel
from notifications.workflow import Move, Status
from partners.models import ListVersionStatus
from screening.models import Disposition, Outcome, RunStatus, Trigger


def choice_label(choices, value) -> str:
    """The translated label of a stored choice; the value itself if it is not one (old data)."""
    if value in (None, ""):
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def risk_label(level: str) -> str:
    return choice_label(RiskLevel, level)


# --- Decisions, permits, adjudications -----------------------------------------------------


DECISION_COLUMNS = [
    Column(_("Reference"), lambda d: d.notification.reference),
    Column(_("Firm"), lambda d: d.notification.firm.name),
    Column(_("Corporate number"), lambda d: d.notification.firm.corporate_number),
    Column(_("Destination"), lambda d: d.notification.destination_country),
    Column(_("Destination name"), lambda d: country_name(d.notification.destination_country)),
    Column(_("Decision"), lambda d: d.get_kind_display()),
    Column(_("Decided by"), lambda d: d.actor.email),
    Column(_("Decided at"), lambda d: d.created_at),
    Column(_("Reason"), lambda d: d.reason),
    Column(_("Conditions"), lambda d: d.conditions),
    Column(_("Validity (months)"), lambda d: d.validity_months),
    Column(_("Risk level"), lambda d: choice_label(RiskLevel, d.notification.risk_level)),
    Column(_("Risk score"), lambda d: d.notification.risk_score),
]

PERMIT_COLUMNS = [
    Column(_("Permit number"), lambda p: p.number),
    Column(_("Reference"), lambda p: p.notification.reference),
    Column(_("Holder"), lambda p: p.notification.firm.name),
    Column(_("Corporate number"), lambda p: p.notification.firm.corporate_number),
    Column(_("Destination"), lambda p: p.notification.destination_country),
    Column(_("Destination name"), lambda p: country_name(p.notification.destination_country)),
    Column(_("Status"), lambda p: p.get_status_display()),
    Column(_("Status reason"), lambda p: p.status_reason),
    Column(_("Valid from"), lambda p: p.valid_from),
    Column(_("Valid until"), lambda p: p.valid_until),
    Column(_("Conditions"), lambda p: p.conditions),
    Column(_("Document number"), lambda p: p.document.number if p.document else ""),
    Column(_("Document SHA-256"), lambda p: p.document.sha256 if p.document else ""),
]

ADJUDICATION_COLUMNS = [
    Column(_("Reference"), lambda h: h.run.notification.reference),
    Column(_("Firm"), lambda h: h.run.notification.firm.name),
    Column(_("Party"), lambda h: h.party.name),
    Column(_("Party's role"), lambda h: h.party.get_role_display()),
    Column(_("Party's country"), lambda h: h.party.country),
    Column(_("Party's country name"), lambda h: country_name(h.party.country)),
    Column(_("List"), lambda h: h.entry.version.source.name),
    Column(_("List version"), lambda h: h.entry.version.label),
    Column(_("Entry number"), lambda h: h.entry.number),
    Column(_("Listed name"), lambda h: h.entry.name),
    Column(_("Matched name"), lambda h: h.matched_name),
    Column(_("Score"), lambda h: round(h.score, 4)),
    Column(_("Screened at"), lambda h: h.run.created_at),
    Column(_("Disposition"), lambda h: h.get_disposition_display()),
    Column(_("Reason"), lambda h: h.disposition_reason),
    Column(_("Adjudicated by"), lambda h: h.adjudicated_by.email if h.adjudicated_by else ""),
    Column(_("Adjudicated at"), lambda h: h.adjudicated_at),
]


# --- The audit log --------------------------------------------------------------------------

#: Labels of the data keys the services write (``trail.record(data=...)``), in the order a
#: sentence names them (what the event is about first, the reason last: PostgreSQL's jsonb does
#: not keep the written order); other keys follow with their key, underscores as spaces.
KEY_LABELS = {
    "notification": _("Case"),
    # Keys of the filing's own events (submission, draft edits, list versions).
    "declaration_version": _("Declaration version"),
    "late": _("Late"),
    "planned_date": _("Planned date"),
    "applies_from": _("Applies from"),
    "file_sha256": _("File SHA-256"),
    "inform_notice": _("Inform notice"),
    "due_on": _("Answer due by"),
    "checks": _("Checklist items"),
    "item": _("Item"),
    "role": _("Role"),
    "description": _("Description"),
    "classification": _("Classification"),
    "procedure": _("Procedure"),
    "reference": _("Reference"),
    "number": _("Number"),
    "kind": _("Kind"),
    "permit": _("Permit number"),
    "party": _("Party"),
    "entry_number": _("Entry number"),
    "email": _("E-mail"),
    "name": _("Name"),
    "corporate_number": _("Corporate number"),
    "label": _("Revision"),
    "source": _("Source"),
    "valid_until": _("Valid until"),
    "sha256": _("SHA-256"),
    "size": _("Size (bytes)"),
    "template_version": _("Template version"),
    "assignee": _("Assigned to"),
    "previous_assignee": _("Previously assigned to"),
    "suspended_permits": _("Suspended permits"),
    "score": _("Score"),
    "level": _("Risk level"),
    "run": _("Screening run"),
    "trigger": _("Trigger"),
    "trigger_ref": _("Trigger reference"),
    "ruleset_version": _("Ruleset version"),
    "rules": _("Rules"),
    "lists": _("Lists"),
    "outcome": _("Outcome"),
    "hits": _("Hits"),
    "new_hits": _("New hits"),
    "what": _("Export"),
    "attempted": _("Attempted action"),
    "method": _("Method"),
    "path": _("Address"),
    "message": _("Message"),
    "count": _("Attempts in this window"),
    "window_seconds": _("Window (seconds)"),
    "door": _("Through"),
    "filename": _("Served as"),
    "content_type": _("Content type"),
    "format": _("Format"),
    "query": _("Searched name"),
    "country": _("Country"),
    "channel": _("Channel"),
    "entries": _("Entries"),
    "entry_count": _("Entries"),
    "fields": _("Fields"),
    "roles": _("Roles"),
    "ok": _("Intact"),
    "checked": _("Events checked"),
    "broken_seq": _("Broken at event"),
    "signature_ok": _("Signature valid"),
    "decision": _("Decision"),
    "status": _("Status"),
    "disposition": _("Disposition"),
    "validity_months": _("Validity (months)"),
    "conditions": _("Conditions"),
    "copied_from": _("Copied from"),
    "attachment": _("Attachment"),
    "file_name": _("File name"),
    "reason": _("Reason"),
    "error": _("Error"),
}

#: Keys whose values are stored choices, shown by their label.
_VALUE_CHOICES = {
    "kind": (DocumentKind, DecisionKind),
    "level": (RiskLevel,),
    "outcome": (Outcome,),
    "trigger": (Trigger,),
    "decision": (DecisionKind,),
    "disposition": (Disposition,),
    "role": (PartyRole,),
    "status": (Status, PermitStatus, RunStatus, ListVersionStatus),
}


def _states_of(action: str) -> tuple[str, tuple]:
    """What the ``from``/``to`` pair of an event is a change of, by its action."""
    if action == "screening.hit_adjudicate":
        return gettext("Disposition"), (Disposition,)
    if action.startswith("permit."):
        return gettext("Permit status"), (PermitStatus,)
    if action == "notification.risk_update":
        return gettext("Risk"), ()
    return gettext("Status"), (Status,)


def _choice(value, enums) -> str | None:
    for enum in enums:
        if value in enum.values:
            return str(enum(value).label)
    return None


def _value(key: str, value, enums=()) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(_value(key, v, enums) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{_key(k)} {_value(k, v)}" for k, v in _in_order(value)) or "—"
    if isinstance(value, str):
        label = _choice(value, enums or _VALUE_CHOICES.get(key, ()))
        if label is not None:
            return label
    return str(value)


def _in_order(data: dict) -> list[tuple[str, object]]:
    """Known keys in ``KEY_LABELS`` order, then the others alphabetically: the same sentence
    whatever order the database returns the keys in."""
    rank = {key: n for n, key in enumerate(KEY_LABELS)}
    return sorted(data.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def _key(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def describe_event(action: str, data: dict | None) -> str:
    """An event's data as a sentence: "Status: Under review → Approved; Case: EXN-…; Reason: …".

    A change of state (``from``/``to``) comes first, with the labels of the states; every other
    key follows as "label: value", known keys and stored choices translated.
    """
    if not isinstance(data, dict):
        return _value("", data)
    data = dict(data)
    parts = []
    if "from" in data or "to" in data:
        label, enums = _states_of(action)
        before, after = data.pop("from", None), data.pop("to", None)
        parts.append(f"{label}: {_value('', before, enums)} → {_value('', after, enums)}")
    move = action.removeprefix("notification.")
    if move != action and move in Move.values and not parts:
        parts.append(str(Move(move).label))
    parts.extend(f"{_key(key)}: {_value(key, value)}" for key, value in _in_order(data))
    return "; ".join(parts)


LOG_COLUMNS = [
    Column("#", lambda e: e.seq),
    Column(_("When"), lambda e: e.occurred_at),
    Column(_("Actor"), lambda e: e.actor_label),
    Column(_("Action"), lambda e: e.action),
    Column(_("Object type"), lambda e: e.object_type),
    Column(_("Object"), lambda e: e.object_id),
    Column(_("Firm"), lambda e: e.firm.name if e.firm else ""),
    Column(_("IP address"), lambda e: e.ip_address),
    Column(_("Details"), lambda e: describe_event(e.action, e.data)),
    Column(_("Previous hash"), lambda e: e.prev_hash),
    Column(_("Hash"), lambda e: e.hash),
]
