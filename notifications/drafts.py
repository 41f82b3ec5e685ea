"""Writing a draft: its header, items, parties, checklist and documents, and copying a filing.

Used by the exporter's browser views and by the REST API alike, so every rule lives here once.
Each service is one transaction that locks the notification row first (so two tabs, or a tab and
an ERP client, cannot interleave edits with a submit), refuses unless the notification is still
editable by the exporter and the actor is a firm user of its firm, and records its audit event
before it returns. Refusals raise ``ValidationError`` (bad input, field by field where possible) or
``TransitionError`` (wrong state or wrong person) and change nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Model
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.api_parsers import text_problem
from exportctl.audit import trail
from notifications import uploads
from notifications.lines import ITEM, ITEM_FIELDS, PARTY, PARTY_FIELDS, FilingLine, Line
from notifications.models import (
    Attachment,
    AttachmentKind,
    InformNotice,
    Item,
    Message,
    MessageKind,
    Notification,
    Party,
)
from notifications.prior_report_models import PriorReportDetails
from notifications.readiness import CHECKLIST_ANSWERS, CHECKLIST_SIZE, NOTE_REQUIRED_ANSWERS
from notifications.workflow import EDITABLE_STATUSES, Procedure, Status, TransitionError
from partners.selectors import key_technologies_in_force

if TYPE_CHECKING:
    from django.core.files import File
    from django.core.files.uploadedfile import UploadedFile

    from exportctl.access import Person
    from exportctl.accounts.models import Firm, User
    from partners.models import KeyTechnology

#: Header fields the exporter may set on a draft (everything else is set by the workflow).
HEADER_FIELDS = (
    "title",
    "destination_country",
    "end_use_description",
    "end_use_category",
    "inform_notice_received",
    # The notice the firm received (an ``InformNotice`` or its public id): never free text.
    "inform_notice",
    "planned_date",
)
#: What the firm reports about a key-technology transfer (``PriorReportDetails``).
PRIOR_REPORT_FIELDS = (
    "transaction_type",
    "transaction_description",
    "technology",
    "technology_description",
    "recipient_relation",
    "protection_access_control",
    "protection_contract_clauses",
    "protection_measures",
)
CHECKLIST_NOTE_MAX = 1000
#: Text fields that may hold several lines (tab, line feed and carriage return allowed); every
#: other text field is one line. No field may hold another control character or a lone surrogate.
MULTILINE_FIELDS = frozenset(
    {
        "end_use_description",
        "description",
        "address",
        "note",
        "transaction_description",
        "technology_description",
        "protection_measures",
    }
)

#: Statuses in which the exporter may attach documents to its reply to a ministry question.
REPLY_ATTACHMENT_STATUSES = frozenset({Status.INFO_REQUESTED, Status.UNDER_REVIEW})


# --- Who may write, and when -----------------------------------------------------------------


def _require_firm_user(actor: Person, firm_id: int | None) -> None:
    """Only an active exporter or firm admin of the notification's own firm may write to it."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise TransitionError(_("Sign in as a user of the filing firm."), code="forbidden_role")
    if not actor.is_active:
        raise TransitionError(_("Your account is not active."), code="forbidden_role")
    if actor.firm_id is None or actor.firm_id != firm_id:
        raise TransitionError(
            _("Only users of the filing firm may change this notification."),
            code="forbidden_role",
        )
    if not access.is_firm_user(actor):
        raise TransitionError(
            _("You need the exporter or firm administrator role to do this."),
            code="forbidden_role",
        )


def _lock(notification: Notification) -> Notification:
    return Notification.objects.select_for_update().get(pk=notification.pk)


def _lock_editable(notification: Notification, actor: User) -> Notification:
    locked = _lock(notification)
    _require_firm_user(actor, locked.firm_id)
    if locked.status not in EDITABLE_STATUSES:
        raise TransitionError(
            _("This notification is %(status)s; only drafts can be changed.")
            % {"status": Status(locked.status).label},
            code="wrong_state",
        )
    return locked


def _touch(locked: Notification) -> None:
    """Every edit of a part of the draft moves the draft's own ``updated_at`` (dashboard order)."""
    locked.save(update_fields=["updated_at"])


def _refuse_bad_text(fields: dict) -> None:
    """Refuse, field by field, text that cannot be stored and shown faithfully (web and API)."""
    errors = {
        name: [ValidationError(problem, code="invalid_character")]
        for name, value in fields.items()
        if isinstance(value, str)
        and (problem := text_problem(value, multiline=name in MULTILINE_FIELDS))
    }
    if errors:
        raise ValidationError(errors)


# --- Caps on one filing -----------------------------------------------------------------------


def refuse_over_caps(*, items: int = 0, parties: int = 0, attachments: int = 0) -> None:
    """Refuse a filing that would hold more than the stated caps (settings
    ``NOTIFICATION_MAX_ITEMS``, ``…_PARTIES``, ``…_ATTACHMENTS``), naming the cap.

    Screening, the PDF and the reviewer's page all grow with these counts; a cap keeps the worst
    case measured (``make bench``) rather than unbounded."""
    errors: dict[str, list] = {}
    if items > settings.NOTIFICATION_MAX_ITEMS:
        errors["items"] = [
            ValidationError(
                _("A notification may list at most %(max)s items.")
                % {"max": settings.NOTIFICATION_MAX_ITEMS},
                code="too_many",
            )
        ]
    if parties > settings.NOTIFICATION_MAX_PARTIES:
        errors["parties"] = [
            ValidationError(
                _("A notification may name at most %(max)s parties.")
                % {"max": settings.NOTIFICATION_MAX_PARTIES},
                code="too_many",
            )
        ]
    if attachments > settings.NOTIFICATION_MAX_ATTACHMENTS:
        errors["file"] = [
            ValidationError(
                _("A notification may hold at most %(max)s documents.")
                % {"max": settings.NOTIFICATION_MAX_ATTACHMENTS},
                code="too_many",
            )
        ]
    if errors:
        raise ValidationError(errors)


def _refuse_unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}, code="unknown_field"
        )


# --- The draft's header -----------------------------------------------------------------------


def _clean_header(notification: Notification, fields: dict) -> None:
    _refuse_unknown(fields, HEADER_FIELDS)
    _refuse_bad_text(fields)
    fields = dict(fields)
    if "inform_notice" in fields:
        fields["inform_notice"] = _received_notice(notification, fields["inform_notice"])
        if fields["inform_notice"] is not None:
            fields.setdefault("inform_notice_received", True)
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if name == "destination_country":
                value = value.upper()
        setattr(notification, name, value)
    if not notification.inform_notice_received:
        notification.inform_notice = None
    # The reference the screening rules and documents quote is the chosen notice's number.
    notification.inform_notice_reference = (
        notification.inform_notice.number if notification.inform_notice is not None else ""
    )
    errors: dict[str, list] = {}
    if "title" in fields and not notification.title:
        # A draft the firm cannot tell apart on its dashboard is lost work: every draft is named.
        errors["title"] = [
            ValidationError(_("Enter a title for the notification."), code="required")
        ]
    excluded = [f.name for f in notification._meta.fields if f.name not in fields]
    try:
        notification.clean_fields(exclude=excluded)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(name, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def _received_notice(notification: Notification, value: Any) -> InformNotice | None:
    """The firm's own notice named by ``value`` (the notice, or its public id), or None for an
    empty answer. Another firm's notice, or an unknown id, is refused like a wrong value: the
    exporter can only cite a notice its firm actually received."""
    if value in (None, ""):
        return None
    public_id = value.public_id if isinstance(value, InformNotice) else value
    notice = (
        InformNotice.objects.filter(firm_id=notification.firm_id, public_id=public_id).first()
        if _is_uuid(public_id)
        else None
    )
    if notice is None:
        raise ValidationError(
            {"inform_notice": _("Choose an inform notice your firm has received.")},
            code="invalid_choice",
        )
    return notice


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def draft_create(
    *,
    actor: User,
    firm: Firm | None = None,
    idempotency_key: str = "",
    procedure: str = Procedure.CATCH_ALL,
    **header: Any,
) -> Notification:
    """A new draft of ``firm`` (the actor's own firm by default): a catch-all notification, or a
    key-technology prior report (``procedure``), which gets its empty ``PriorReportDetails``.

    With an ``idempotency_key`` (the API's Idempotency-Key header) a retried create returns the
    draft the first attempt made instead of making a second one.
    """
    notification, _created = draft_get_or_create(
        actor=actor, firm=firm, idempotency_key=idempotency_key, procedure=procedure, **header
    )
    return notification


@transaction.atomic
def draft_get_or_create(
    *,
    actor: User,
    firm: Firm | None = None,
    idempotency_key: str = "",
    procedure: str = Procedure.CATCH_ALL,
    **header: Any,
) -> tuple[Notification, bool]:
    """``draft_create``, saying whether the draft is new (``False``: the draft an earlier request
    with this ``idempotency_key`` made)."""
    firm_id = firm.pk if firm is not None else getattr(actor, "firm_id", None)
    _require_firm_user(actor, firm_id)
    header.setdefault("title", "")
    if idempotency_key:
        if len(idempotency_key) > 64:
            raise ValidationError(
                {"idempotency_key": _("Use an idempotency key of at most 64 characters.")}
            )
        # _require_firm_user refused a missing firm: firm_id is set.
        existing = Notification.objects.filter(
            firm_id=firm_id,  # type: ignore[misc]
            idempotency_key=idempotency_key,
        ).first()
        if existing is not None:
            return existing, False
    if procedure not in Procedure.values:
        raise ValidationError(
            {"procedure": [ValidationError(_("Choose a known procedure."), code="invalid_choice")]}
        )
    notification = Notification(
        firm_id=firm_id,  # type: ignore[misc]  # set: _require_firm_user refused a missing firm
        created_by=actor,
        status=Status.DRAFT,
        idempotency_key=idempotency_key,
        procedure=procedure,
    )
    _clean_header(notification, header)
    notification.save()
    if procedure == Procedure.PRIOR_REPORT:
        PriorReportDetails.objects.create(notification=notification)
    trail.record(
        action="notification.draft_created",
        actor=actor,
        obj=notification,
        data={"fields": sorted(header), "procedure": procedure},
    )
    return notification, True


@transaction.atomic
def draft_update(*, notification: Notification, actor: User, **fields: Any) -> Notification:
    locked = _lock_editable(notification, actor)
    _clean_header(locked, fields)
    locked.save()
    trail.record(
        action="notification.draft_updated",
        actor=actor,
        obj=locked,
        data={"fields": sorted(fields)},
    )
    return locked


# --- A prior report's details -------------------------------------------------------------------


@transaction.atomic
def prior_report_update(
    *, notification: Notification, actor: User, **fields: Any
) -> PriorReportDetails:
    """Write the details of a key-technology prior report (its transaction, technology, recipient
    relation and protection measures). The planned transfer date is the filing's own
    ``planned_date`` and is written with ``draft_update``."""
    locked = _lock_editable(notification, actor)
    if locked.procedure != Procedure.PRIOR_REPORT:
        raise TransitionError(
            _("Only a prior report has transaction and technology details."),
            code="wrong_procedure",
        )
    _refuse_unknown(fields, PRIOR_REPORT_FIELDS)
    _refuse_bad_text(fields)
    details, _created = PriorReportDetails.objects.select_for_update().get_or_create(
        notification=locked
    )
    for name, value in fields.items():
        setattr(details, name, value.strip() if isinstance(value, str) else value)
    if details.technology is not None and not _technology_in_force(details.technology):
        raise ValidationError(
            {"technology": [_("Choose a key technology on the list in force.")]}, code="invalid"
        )
    excluded = [f.name for f in details._meta.fields if f.name not in fields]
    details.full_clean(exclude=[*excluded, "notification"])
    details.save()
    _touch(locked)
    trail.record(
        action="notification.prior_report_updated",
        actor=actor,
        obj=locked,
        data={"fields": sorted(fields)},
    )
    return details


def _technology_in_force(technology: KeyTechnology) -> bool:
    return key_technologies_in_force().filter(pk=technology.pk).exists()


# --- The lines of a filing: items and parties (``notifications.lines``) ---------------------------


def _apply(obj: Model, fields: dict) -> None:
    # Raw values (strings from a form or JSON) are converted by ``full_clean`` in ``_clean_*``.
    _refuse_bad_text(fields)
    for name, value in fields.items():
        setattr(obj, name, value)


@transaction.atomic
def line_add(
    *, line: FilingLine[Line], notification: Notification, actor: User, **fields: Any
) -> Line:
    """Append a line of ``line``'s kind to the draft, after its last one."""
    locked = _lock_editable(notification, actor)
    _refuse_unknown(fields, line.fields)
    held = line.lines_of(locked).aggregate(count=Count("pk"), last=Max("position"))
    refuse_over_caps(**{line.related_name: held["count"] + 1})
    position = (held["last"] or 0) + 1
    obj = line.model(notification=locked, position=position)
    _apply(obj, fields)
    line.clean(obj)
    obj.save()
    _touch(locked)
    trail.record(action=line.added_event, actor=actor, obj=locked, data=line.audit_data(obj))
    return obj


@transaction.atomic
def line_update(*, line: FilingLine[Line], obj: Line, actor: User, **fields: Any) -> Line:
    locked = _lock_editable(obj.notification, actor)
    _refuse_unknown(fields, line.fields)
    obj = line.model.objects.select_for_update().get(pk=obj.pk, notification=locked)
    _apply(obj, fields)
    line.clean(obj)
    obj.save()
    _touch(locked)
    trail.record(
        action=line.updated_event,
        actor=actor,
        obj=locked,
        data={**line.audit_data(obj), "fields": sorted(fields)},
    )
    return obj


@transaction.atomic
def line_delete(*, line: FilingLine[Line], obj: Line, actor: User) -> None:
    locked = _lock_editable(obj.notification, actor)
    obj = line.model.objects.select_for_update().get(pk=obj.pk, notification=locked)
    data = line.audit_data(obj)
    obj.delete()
    _touch(locked)
    trail.record(action=line.deleted_event, actor=actor, obj=locked, data=data)


def line_check(
    *, line: FilingLine[Line], notification: Notification, obj: Line | None = None, **fields: Any
) -> None:
    """Raise the ``ValidationError`` that ``line_add`` (or ``line_update`` of ``obj``) would
    raise for ``fields``; store nothing.

    For inline validation while the exporter types."""
    _refuse_unknown(fields, line.fields)
    if obj is None:
        obj = line.model(notification=notification, position=1)
    else:
        obj = line.model.objects.get(pk=obj.pk, notification=notification)
    _apply(obj, fields)
    line.clean(obj)


# The services by their kind's name, as the filing API, the demo world and the tests call them.


def item_add(*, notification: Notification, actor: User, **fields: Any) -> Item:
    return line_add(line=ITEM, notification=notification, actor=actor, **fields)


def item_update(*, item: Item, actor: User, **fields: Any) -> Item:
    return line_update(line=ITEM, obj=item, actor=actor, **fields)


def item_delete(*, item: Item, actor: User) -> None:
    line_delete(line=ITEM, obj=item, actor=actor)


def item_check(*, notification: Notification, **fields: Any) -> None:
    line_check(line=ITEM, notification=notification, **fields)


def party_add(*, notification: Notification, actor: User, **fields: Any) -> Party:
    return line_add(line=PARTY, notification=notification, actor=actor, **fields)


def party_update(*, party: Party, actor: User, **fields: Any) -> Party:
    return line_update(line=PARTY, obj=party, actor=actor, **fields)


def party_delete(*, party: Party, actor: User) -> None:
    line_delete(line=PARTY, obj=party, actor=actor)


def party_check(*, notification: Notification, party: Party | None = None, **fields: Any) -> None:
    line_check(line=PARTY, notification=notification, obj=party, **fields)


# --- The clear-criteria checklist -------------------------------------------------------------


def _clean_answers(answers: dict) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    errors: dict[str, list] = {}
    for key, entry in answers.items():
        # ASCII digits only: "²" passes ``isdigit()`` and "１" passes ``int()``.
        digits = str(key).strip()
        number = int(digits) if digits.isascii() and digits.isdigit() else 0
        if not 1 <= number <= CHECKLIST_SIZE:
            errors.setdefault("checklist", []).append(
                _("There is no check number %(number)s; checks are numbered 1–%(size)s.")
                % {"number": key, "size": CHECKLIST_SIZE}
            )
            continue
        entry = entry or {}
        if not isinstance(entry, dict):
            errors.setdefault(f"check_{number}", []).append(
                _("Answer check %(number)s with yes, no or unknown.") % {"number": number}
            )
            continue
        answer = str(entry.get("answer") or "").strip()
        note = str(entry.get("note") or "").strip()
        for name, text in (("answer", answer), ("note", note)):
            problem = text_problem(text, multiline=name in MULTILINE_FIELDS)
            if problem:
                errors.setdefault(f"check_{number}", []).append(problem)
        if answer and answer not in CHECKLIST_ANSWERS:
            errors.setdefault(f"check_{number}", []).append(
                _("Answer check %(number)s with yes, no or unknown.") % {"number": number}
            )
        if answer in NOTE_REQUIRED_ANSWERS and not note:
            # The clear criteria ask for the grounds of every answer that is not "yes": a
            # reviewer reads them before anything else, and "unknown" alone says nothing.
            errors.setdefault(f"note_{number}", []).append(
                ValidationError(
                    _(
                        "Enter a note on check %(number)s: say why the answer is no or unknown "
                        "and what you relied on."
                    )
                    % {"number": number},
                    code="note_required",
                )
            )
        if len(note) > CHECKLIST_NOTE_MAX:
            errors.setdefault(f"check_{number}", []).append(
                _("Keep the note on check %(number)s to %(max)s characters.")
                % {"number": number, "max": CHECKLIST_NOTE_MAX}
            )
        cleaned[str(number)] = {"answer": answer, "note": note}
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def checklist_save(*, notification: Notification, actor: User, answers: dict) -> Notification:
    """Save some or all of the 20 answers; checks not mentioned keep their saved answers.

    An empty answer is allowed in a draft (the readiness check lists it before submission)."""
    locked = _lock_editable(notification, actor)
    cleaned = _clean_answers(answers)
    locked.checklist = {**(locked.checklist or {}), **cleaned}
    locked.save(update_fields=["checklist", "updated_at"])
    trail.record(
        action="notification.checklist_saved",
        actor=actor,
        obj=locked,
        data={"checks": sorted(cleaned, key=int)},
    )
    return locked


# --- Documents --------------------------------------------------------------------------------


def _clean_kind(kind: str) -> str:
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": [_("Choose what kind of document this is.")]})
    return kind


def _store(
    locked: Notification,
    inspected: uploads.InspectedUpload,
    *,
    kind: str,
    actor: User,
    message: Message | None = None,
) -> Attachment:
    attachment = Attachment(
        notification=locked,
        message=message,
        kind=kind,
        original_name=uploads.original_name(inspected.uploaded_file),
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        uploaded_by=actor,
    )
    inspected.uploaded_file.seek(0)
    attachment.file.save("upload", inspected.uploaded_file, save=False)
    try:
        attachment.save()
        trail.record(
            action="notification.attachment_added",
            actor=actor,
            obj=locked,
            data={
                "attachment": str(attachment.public_id),
                "kind": kind,
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "message": str(message.public_id) if message is not None else None,
            },
        )
    except BaseException:
        # A refused row must not leave its bytes behind in storage.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def _check_reply_message(locked: Notification, message: Message, actor: User) -> Message:
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.notification_id != locked.pk or message.kind != MessageKind.REPLY:
        raise TransitionError(
            _("Documents can be attached only to your reply on this notification."),
            code="wrong_message",
        )
    if message.author.firm_id != actor.firm_id:
        raise TransitionError(
            _("Documents can be attached only to your firm's reply."), code="wrong_message"
        )
    if locked.status not in REPLY_ATTACHMENT_STATUSES:
        raise TransitionError(
            _("This notification is %(status)s; documents can no longer be added to the reply.")
            % {"status": Status(locked.status).label},
            code="wrong_state",
        )
    latest = locked.messages.exclude(kind=MessageKind.INTERNAL_NOTE).order_by("-created_at", "-pk")
    if latest.values_list("pk", flat=True).first() != message.pk:
        raise TransitionError(
            _("Documents can be added only to your latest reply."), code="wrong_message"
        )
    return message


@transaction.atomic
def attachment_add(
    *,
    notification: Notification,
    actor: User,
    kind: str,
    uploaded_file: UploadedFile,
    message: Message | None = None,
) -> Attachment:
    """Store one document of the draft (or of the exporter's latest reply, with ``message``).

    Checked before anything is stored: the actor and the state, the kind, the size against
    ``settings.UPLOAD_MAX_BYTES``, and the type by content (PDF, PNG, JPEG, or an XLSX workbook);
    the SHA-256 of the bytes is recorded with the row and on the audit trail.
    """
    if message is None:
        locked = _lock_editable(notification, actor)
    else:
        locked = _lock(notification)
        _require_firm_user(actor, locked.firm_id)
        message = _check_reply_message(locked, message, actor)
    kind = _clean_kind(kind)
    refuse_over_caps(attachments=locked.attachments.count() + 1)
    inspected = uploads.inspect_upload(uploaded_file)
    attachment = _store(locked, inspected, kind=kind, actor=actor, message=message)
    _touch(locked)
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    """Remove a document from a draft. Documents of a reply are part of the record and stay."""
    locked = _lock_editable(attachment.notification, actor)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, notification=locked)
    if attachment.message_id is not None:
        raise TransitionError(
            _("A document sent with a reply cannot be removed."), code="wrong_state"
        )
    data = {
        "attachment": str(attachment.public_id),
        "kind": attachment.kind,
        "name": attachment.original_name,
        "sha256": attachment.sha256,
    }
    stored_name = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    _touch(locked)
    trail.record(action="notification.attachment_deleted", actor=actor, obj=locked, data=data)
    # The bytes go only once the row's removal is committed.
    transaction.on_commit(lambda: storage.delete(stored_name))


@transaction.atomic
def reply_with_documents(
    *,
    notification: Notification,
    actor: User,
    body: str,
    documents: Iterable[tuple[str, File]] = (),
) -> Message:
    """Answer the ministry's question with text and documents, which returns the case to review.

    Every document is checked before the reply is written, so a refused file leaves the question
    unanswered and nothing stored.
    """
    from notifications.services.lifecycle import notification_respond

    documents = list(documents)
    inspected = [(_clean_kind(kind), uploads.inspect_upload(upload)) for kind, upload in documents]
    if inspected:
        refuse_over_caps(attachments=notification.attachments.count() + len(inspected))
    message = notification_respond(notification=notification, actor=actor, body=body)
    locked = _lock(notification)
    for kind, upload in inspected:
        _store(locked, upload, kind=kind, actor=actor, message=message)
    return message


# --- Amendment by copy ------------------------------------------------------------------------


@transaction.atomic
def notification_copy(*, notification: Notification, actor: User) -> Notification:
    """A new draft with the contents of ``notification`` (any status), linked by ``copied_from``.

    Items, parties, answers and the draft's own documents are copied; the reference, the
    declaration, the screening result and everything the ministry wrote are not.
    """
    source = _lock(notification)
    _require_firm_user(actor, source.firm_id)
    copy = Notification(
        firm_id=source.firm_id,
        created_by=actor,
        status=Status.DRAFT,
        procedure=source.procedure,
        copied_from=source,
        checklist=dict(source.checklist or {}),
        inform_notice_reference=source.inform_notice_reference,
        **{name: getattr(source, name) for name in HEADER_FIELDS},
    )
    copy.save()
    source_details = PriorReportDetails.objects.filter(notification=source).first()
    if source_details is not None:
        PriorReportDetails.objects.create(
            notification=copy,
            **{name: getattr(source_details, name) for name in PRIOR_REPORT_FIELDS},
        )
    for item in source.items.order_by("position", "pk"):
        Item.objects.create(
            notification=copy,
            position=item.position,
            **{name: getattr(item, name) for name in ITEM_FIELDS},
        )
    for party in source.parties.order_by("position", "pk"):
        Party.objects.create(
            notification=copy,
            position=party.position,
            **{name: getattr(party, name) for name in PARTY_FIELDS},
        )
    stored: list = []
    try:
        for attachment in source.attachments.filter(message__isnull=True).order_by(
            "created_at", "pk"
        ):
            duplicate = Attachment(
                notification=copy,
                kind=attachment.kind,
                original_name=attachment.original_name,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                uploaded_by=actor,
            )
            with attachment.file.open("rb") as handle:
                duplicate.file.save("upload", ContentFile(handle.read()), save=False)
            stored.append(duplicate.file)
            duplicate.save()
        trail.record(
            action="notification.copied",
            actor=actor,
            obj=copy,
            data={
                "copied_from": str(source.public_id),
                "reference": source.reference,
                "items": copy.items.count(),
                "parties": copy.parties.count(),
                "attachments": len(stored),
            },
        )
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return copy
