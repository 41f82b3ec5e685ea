"""What the public verify page may say about a document.

Anyone holding a printed receipt, permit or denial letter — typically a customs officer with a
shipment in front of them — can check that it is genuine, still in force, and that it covers this
shipment. The answer reveals nothing the paper does not already show, and only to someone who has
the verification code printed on it: an unknown number and a wrong code give the same "not found"
(no enumeration of numbers), and the code comparison takes the same time either way.

What is shown, and why (the decision is ``public_facts`` below):

- the document's number, type, status and validity (or date of issue), and the holder (the
  exporting firm's name): is this paper genuine and in force?
- the destination country, by name in the reader's language, and the end user's name: is the
  shipment going where and to whom the document says?
- the goods: each line's description, quantity and unit, control classification (list row) and
  HS code: are these the goods in the crate?
- for a permit, each line's balance (permitted less shipped, ``notifications.shipments``): is there
  still enough left on the permit for the goods in front of the officer?

What is never shown, though some of it is on the paper: the value of the goods (a commercial
price), consignees, intermediaries and addresses, the case reference, the corporate number, the
permit's conditions and a denial's grounds (which may cite list entries), and everything that is
not on the paper at all: screening hits and scores, risk, reviewers and their notes, messages.
"""

import datetime
import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from notifications.documents.countries import country_name
from notifications.documents.numbers import CODE_LENGTH, normalise_code, normalise_number
from notifications.models import (
    Document,
    DocumentKind,
    InformSubject,
    Item,
    Party,
    PartyRole,
    PermitStatus,
)
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
class VerifiedParty:
    name: str
    local_name: str


@dataclass(frozen=True)
class VerifiedGoods:
    description: str
    quantity: str
    unit: str
    classification: str
    list_row: str
    hs_code: str
    #: For a permit: the quantity still to be shipped under it ("" on other documents).
    balance: str = ""


@dataclass(frozen=True)
class VerifiedDocument:
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    issued_on: datetime.date
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    holder: str
    holder_local: str
    destination: str
    destination_name: str
    end_users: tuple[VerifiedParty, ...]
    goods: tuple[VerifiedGoods, ...]


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
    if document.kind == DocumentKind.NO_LICENCE_LETTER:
        # Like a receipt: it stands while the conclusion does; a reopened case needs a new one.
        concluded = document.notification.status == Status.NO_LICENCE_REQUIRED
        return (VerifyStatus.VALID if concluded else VerifyStatus.NO_LONGER_VALID), None, None
    return VerifyStatus.IN_FORCE, None, None


def verify_document(*, number: str, code: str, ip: str | None = None) -> VerifiedDocument | None:
    """The public facts of the document with this number and code, or None for any mismatch."""
    number, code = normalise_number(number), normalise_code(code)
    document = (
        Document.objects.select_related("notification__firm", "permit", "inform_notice__firm")
        .prefetch_related(
            Prefetch(
                "notification__parties",
                queryset=Party.objects.filter(role=PartyRole.END_USER).order_by("position", "pk"),
                to_attr="public_end_users",
            ),
            Prefetch(
                "notification__items",
                queryset=Item.objects.order_by("position", "pk"),
                to_attr="public_items",
            ),
        )
        .filter(number=number)
        .first()
    )
    expected = document.verification_code if document is not None else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode())
    if document is None or not matches:
        # Failed attempts are logged for abuse monitoring, not audited: no record changed.
        logger.warning("verify: no match for number %r from %s", number[:40], ip or "?")
        return None
    return public_facts(document)


def public_facts(document: Document) -> VerifiedDocument:
    """The answer for a matched document: only the fields listed in this module's docstring.
    Built field by field (never from the model as a whole), so that a field added to a model
    later does not reach the public page unless it is added here on purpose."""
    status, valid_from, valid_until = _status(document, timezone.localdate())
    if document.kind == DocumentKind.INFORM_NOTICE:
        return _inform_notice_facts(document, status)
    notification = document.notification
    firm = notification.firm
    balances = _permit_balances(document)
    return VerifiedDocument(
        number=document.number,
        kind=document.kind,
        kind_label=str(document.get_kind_display()),
        status=status,
        status_label=str(STATUS_LABELS[status]),
        issued_on=timezone.localtime(document.issued_at).date(),
        valid_from=valid_from,
        valid_until=valid_until,
        holder=firm.name,
        holder_local=firm.name_local,
        destination=notification.destination_country,
        destination_name=country_name(notification.destination_country, get_language()),
        end_users=tuple(
            VerifiedParty(name=party.name, local_name=party.local_name)
            for party in notification.public_end_users
        ),
        # No value_jpy: the price of the goods is commercial information.
        goods=tuple(
            VerifiedGoods(
                description=item.description,
                quantity=f"{item.quantity.normalize():f}",
                unit=item.unit,
                classification=str(item.get_classification_display()),
                list_row=item.list_row,
                hs_code=item.hs_code,
                balance=balances.get(item.pk, ""),
            )
            for item in notification.public_items
        ),
    )


def _permit_balances(document: Document) -> dict[int, str]:
    """Item id → the balance left on the document's permit; empty for other documents."""
    if document.kind != DocumentKind.PERMIT:
        return {}
    permit = getattr(document, "permit", None)
    if permit is None:
        return {}
    from notifications.shipments import balances

    return {line.item.pk: f"{line.balance.normalize():f}" for line in balances(permit)}


def _inform_notice_facts(document: Document, status: str) -> VerifiedDocument:
    """An inform notice's letter: its number, date, addressee and — for a destination notice —
    the destination. Not its grounds (they may cite intelligence), nor a case's goods."""
    notice = document.inform_notice
    destination = notice.subject if notice.subject_kind == InformSubject.DESTINATION else ""
    return VerifiedDocument(
        number=document.number,
        kind=document.kind,
        kind_label=str(document.get_kind_display()),
        status=status,
        status_label=str(STATUS_LABELS[status]),
        issued_on=timezone.localtime(document.issued_at).date(),
        valid_from=None,
        valid_until=None,
        holder=notice.firm.name,
        holder_local=notice.firm.name_local,
        destination=destination,
        destination_name=country_name(destination, get_language()) if destination else "",
        end_users=(),
        goods=(),
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
