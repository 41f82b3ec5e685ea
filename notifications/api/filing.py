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
) -> Notification:
    try:
        drafts.refuse_over_caps(items=len(items), parties=len(parties))
    except DjangoValidationError as exc:
        raise ValidationError(django_validation_detail(exc)) from exc
    notification = drafts.draft_create(actor=actor, idempotency_key=idempotency_key, **header)
    if idempotency_key and idempotency.recorded_fingerprint(notification) is not None:
        # draft_create found the draft another request with this key committed a moment ago.
        raise IdempotentReplay(notification)
    _write_prior_report(notification, actor, prior_report)
    for index, fields in enumerate(items):
        try:
            drafts.item_add(notification=notification, actor=actor, **fields)
        except DjangoValidationError as exc:
            raise _nested(exc, "items", index, len(items)) from exc
    for index, fields in enumerate(parties):
        try:
            drafts.party_add(notification=notification, actor=actor, **fields)
        except DjangoValidationError as exc:
            raise _nested(exc, "parties", index, len(parties)) from exc
    if checklist:
        try:
            drafts.checklist_save(notification=notification, actor=actor, answers=checklist)
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
    notification.refresh_from_db()
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
