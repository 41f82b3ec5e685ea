"""What the public verify page may say about a document: number, status, validity, holder.

Anyone holding a printed receipt, permit or denial letter can check that it is genuine and still
in force. The answer reveals nothing the paper does not already show, and only to someone who has
the verification code printed on it: an unknown number and a wrong code give the same "not found"
(no enumeration of numbers), and the code comparison takes the same time either way.
"""

import datetime
import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.documents.numbers import CODE_LENGTH, normalise_code, normalise_number
from notifications.models import Document, DocumentKind, PermitStatus
from notifications.workflow import Status

logger = logging.getLogger(__name__)

#: Compared against when the number is unknown, so both failures cost the same.
_DUMMY_CODE = "X" * CODE_LENGTH


class VerifyStatus:
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NO_LONGER_VALID = "no_longer_valid"
    IN_FORCE = "in_force"


STATUS_LABELS = {
    VerifyStatus.VALID: _("Valid"),
    VerifyStatus.SUSPENDED: _("Suspended"),
    VerifyStatus.REVOKED: _("Revoked"),
    VerifyStatus.EXPIRED: _("Expired"),
    VerifyStatus.NO_LONGER_VALID: _("No longer valid"),
    VerifyStatus.IN_FORCE: _("Decision in force"),
}


@dataclass(frozen=True)
class VerifiedDocument:
    number: str
    kind_label: str
    status: str
    status_label: str
    issued_on: datetime.date
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    holder: str
    holder_local: str


def _status(
    document: Document, today: datetime.date
) -> tuple[str, datetime.date | None, datetime.date | None]:
    if document.kind == DocumentKind.PERMIT:
        permit = getattr(document, "permit", None)
        if permit is None:
            return VerifyStatus.NO_LONGER_VALID, None, None
        if permit.status == PermitStatus.VALID and permit.valid_until < today:
            status = VerifyStatus.EXPIRED
        else:
            status = {
                PermitStatus.VALID: VerifyStatus.VALID,
                PermitStatus.SUSPENDED: VerifyStatus.SUSPENDED,
                PermitStatus.REVOKED: VerifyStatus.REVOKED,
                PermitStatus.EXPIRED: VerifyStatus.EXPIRED,
            }[permit.status]
        return status, permit.valid_from, permit.valid_until
    if document.kind == DocumentKind.RECEIPT:
        # A receipt stands while the case stays cleared; a reopened case needs a new decision.
        cleared = document.notification.status == Status.CLEARED
        return (VerifyStatus.VALID if cleared else VerifyStatus.NO_LONGER_VALID), None, None
    return VerifyStatus.IN_FORCE, None, None


def verify_document(*, number: str, code: str, ip: str | None = None) -> VerifiedDocument | None:
    """The public facts of the document with this number and code, or None for any mismatch."""
    number, code = normalise_number(number), normalise_code(code)
    document = (
        Document.objects.select_related("notification__firm", "permit")
        .filter(number=number)
        .first()
    )
    expected = document.verification_code if document is not None else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode())
    if document is None or not matches:
        # Failed attempts are logged for abuse monitoring, not audited: no record changed.
        logger.warning("verify: no match for number %r from %s", number[:40], ip or "?")
        return None
    status, valid_from, valid_until = _status(document, timezone.localdate())
    firm = document.notification.firm
    return VerifiedDocument(
        number=document.number,
        kind_label=str(document.get_kind_display()),
        status=status,
        status_label=str(STATUS_LABELS[status]),
        issued_on=timezone.localtime(document.issued_at).date(),
        valid_from=valid_from,
        valid_until=valid_until,
        holder=firm.name,
        holder_local=firm.name_local,
    )


@dataclass(frozen=True)
class UploadCheck:
    """An auditor's check of a PDF file: is it, byte for byte, a document this portal issued,
    with the ministry's signature intact and covering the whole file?"""

    sha256: str
    document: Document | None
    signature: object  # signing.SignatureVerdict

    @property
    def genuine(self) -> bool:
        return self.document is not None and self.signature.ok


def document_check_upload(*, data: bytes, actor, request=None) -> UploadCheck:
    """Hash lookup and signature validation of an uploaded PDF (which is not kept); audited."""
    # pyHanko loads slowly; the public verify page, which imports this module, never needs it.
    from exportctl.audit import trail
    from notifications.documents.signing import validate_pdf_signature

    sha256 = hashlib.sha256(data).hexdigest()
    document = Document.objects.select_related("notification").filter(sha256=sha256).first()
    check = UploadCheck(sha256=sha256, document=document, signature=validate_pdf_signature(data))
    trail.record(
        action="document.verified",
        actor=actor,
        object_type="notifications.document",
        object_id=str(document.public_id) if document else "",
        data={"sha256": sha256, "known": document is not None, "signature_ok": check.signature.ok},
        request=request,
    )
    return check
