"""The ``Idempotency-Key`` header on create: an ERP that retries a timed-out POST files once.

The key is stored on the draft (``Notification.idempotency_key``, unique per firm) and the
request's fingerprint on the audit event of the create, in the same transaction. A retry with the
same key and the same body gets the same draft back (200). The same key with a different body is
refused with 422 ``idempotency_key_reused``: the client has a bug, and guessing which body it
meant could file the wrong goods.
"""

import hashlib
import json
import re

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError

from exportctl.audit.models import AuditEvent
from exportctl.audit.selectors import CHAIN_ORDER
from notifications.models import Notification

HEADER = "Idempotency-Key"
#: Printable ASCII without spaces, as for any HTTP token; the column holds 64 characters.
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,64}$")
#: The audit action that records an API create with its key and fingerprint.
CREATED_ACTION = "notification.api_created"


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new "
        "notification."
    )

    def __init__(self):
        super().__init__({HEADER: [ErrorDetail(self.default_detail, code=self.default_code)]})


def key_from(request) -> str:
    """The request's key, or "" when it sent none; a malformed key is refused (400)."""
    key = request.headers.get(HEADER)
    if key is None:
        return ""
    if not KEY_PATTERN.match(key):
        raise ValidationError(
            {
                HEADER: [
                    ErrorDetail(
                        _("Use 1 to 64 printable ASCII characters without spaces."),
                        code="invalid_idempotency_key",
                    )
                ]
            }
        )
    return key


def fingerprint(data) -> str:
    """SHA-256 of the request body in a canonical form (key order and spacing do not count)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def existing_draft(*, firm_id: int, key: str) -> Notification | None:
    if not key:
        return None
    return Notification.objects.filter(firm_id=firm_id, idempotency_key=key).first()


def recorded_fingerprint(notification: Notification) -> str | None:
    event = (
        AuditEvent.objects.filter(
            action=CREATED_ACTION,
            object_type=Notification._meta.label_lower,
            object_id=str(notification.public_id),
        )
        .order_by(*CHAIN_ORDER)
        .first()
    )
    return (event.data or {}).get("request_sha256") if event is not None else None


def replay(notification: Notification, request_fingerprint: str) -> Notification:
    """The draft a retried request already made, or 422 when the body differs from the first."""
    if recorded_fingerprint(notification) != request_fingerprint:
        raise IdempotencyKeyReused
    return notification
