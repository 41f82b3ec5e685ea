"""Composite writes of the API: one request that the browser makes in several steps.

Each function is one transaction around the draft services (``notifications.drafts``), so a
create with three items whose second is invalid files nothing, and the refusal names the field
inside the request (``items[1].hs_code``).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.exceptions import ValidationError

from exportctl.api_errors import django_validation_detail
from exportctl.audit import trail
from notifications import drafts
from notifications.api import idempotency
from notifications.models import Notification
from notifications.workflow import Procedure


class IdempotentReplay(Exception):
    """A concurrent request with the same key made the draft first; this one changes nothing."""

    def __init__(self, notification: Notification) -> None:
        super().__init__(str(notification.public_id))
        self.notification = notification


def _nested(exc: DjangoValidationError, name: str, index: int, count: int) -> ValidationError:
    errors: list = [{} for _ in range(count)]
    errors[index] = django_validation_detail(exc)
    return ValidationError({name: errors})


@transaction.atomic
def draft_create_with_parts(
    *,
    actor,
    header: dict,
    items: list[dict],
    parties: list[dict],
    checklist: dict | None,
    idempotency_key: str,
    request_fingerprint: str,
    prior_report: dict | None = None,
) -> tuple[Notification, bool]:
    """The new draft, and whether it comes with its parts as written (``as_written``): then its
    representation needs no second read."""
    try:
        drafts.refuse_over_caps(items=len(items), parties=len(parties))
    except DjangoValidationError as exc:
        raise ValidationError(django_validation_detail(exc)) from exc
    notification, created = drafts.draft_get_or_create(
        actor=actor, idempotency_key=idempotency_key, **header
    )
    if not created and idempotency.recorded_fingerprint(notification) is not None:
        # draft_create found the draft another request with this key committed a moment ago.
        raise IdempotentReplay(notification)
    _write_prior_report(notification, actor, prior_report)
    # Each service below locks and re-reads the draft; the last one read holds its latest state.
    latest = notification
    written_items = []
    for index, fields in enumerate(items):
        try:
            item = drafts.item_add(notification=notification, actor=actor, **fields)
        except DjangoValidationError as exc:
            raise _nested(exc, "items", index, len(items)) from exc
        written_items.append(item)
        latest = item.notification
    written_parties = []
    for index, fields in enumerate(parties):
        try:
            party = drafts.party_add(notification=notification, actor=actor, **fields)
        except DjangoValidationError as exc:
            raise _nested(exc, "parties", index, len(parties)) from exc
        written_parties.append(party)
        latest = party.notification
    if checklist:
        try:
            latest = drafts.checklist_save(
                notification=notification, actor=actor, answers=checklist
            )
        except DjangoValidationError as exc:
            raise ValidationError({"checklist": django_validation_detail(exc)}) from exc
    trail.record(
        action=idempotency.CREATED_ACTION,
        actor=actor,
        obj=notification,
        data={
            "idempotency_key": idempotency_key,
            "request_sha256": request_fingerprint,
            "items": len(items),
            "parties": len(parties),
        },
    )
    if not created or notification.procedure != Procedure.CATCH_ALL:
        # A prior report's details live in rows of their own (and a draft found by its key may
        # hold parts this request did not write): the caller reads it back whole.
        return notification, False
    written = as_written(
        latest,
        inform_notice=notification.inform_notice,
        items=written_items,
        parties=written_parties,
    )
    return written, True


def as_written(notification: Notification, *, inform_notice, items: list, parties: list):
    """The new draft with its parts as this transaction wrote them, so that its representation
    needs no second read: the relations the exporter's serializer follows are filled in as a
    prefetch would fill them (a new draft has no documents, attachments, permits or source filing
    yet)."""
    if notification.inform_notice_id is not None:
        notification.inform_notice = inform_notice
    written = {
        "items": items,
        "parties": parties,
        "attachments": [],
        "documents": [],
        "permits": [],
    }
    cache = notification.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in written.items():
        queryset = getattr(notification, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset
    return notification


def _write_prior_report(notification: Notification, actor, details: dict | None) -> None:
    if details is None:
        return
    try:
        drafts.prior_report_update(notification=notification, actor=actor, **details)
    except DjangoValidationError as exc:
        raise ValidationError({"prior_report": django_validation_detail(exc)}) from exc


@transaction.atomic
def draft_update_with_details(
    *, notification: Notification, actor, header: dict, prior_report: dict | None
) -> Notification:
    """A PATCH of the header and, for a prior report, its details: both or neither."""
    if header or prior_report is None:
        notification = drafts.draft_update(notification=notification, actor=actor, **header)
    _write_prior_report(notification, actor, prior_report)
    return notification
