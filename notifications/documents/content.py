"""What an issued document says, as plain values: its identity (number, verification code, the
address that verifies it) and its case. Typesetting (HTML → PDF/A) is ``render``'s; this module
imports neither WeasyPrint nor the signer, so a web process or the screening worker can issue a
document whose PDF is made later.

A receipt is *frozen* at clearance (``freeze``: its context as JSON, with dates, times and
decimals tagged so ``thaw`` gives back the same values) and rendered when it is first downloaded.
Rendering depends on the context and the issue time alone (the signature is dated at issue), so the
PDF is the same whenever it is made.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from notifications.documents.countries import country_names
from notifications.documents.numbers import format_verification_code
from notifications.models import (
    Classification,
    DocumentKind,
    InformSubject,
    ItemKind,
    PartyKind,
    PartyRole,
)

# receipt 2026.4: an ordinary filing fits on one page (print.css, issue 14).
# 2026.2: page 1 carries the essentials (number, validity, QR and verification code; a denial's
# grounds and both appeal routes), the issuing authority, the destination's name, one number.
TEMPLATE_VERSIONS = {
    DocumentKind.RECEIPT: "receipt-2026.4",
    DocumentKind.PERMIT: "permit-2026.2",
    DocumentKind.DENIAL_LETTER: "denial-2026.2",
    DocumentKind.NO_LICENCE_LETTER: "no-licence-2026.1",
    DocumentKind.INFORM_NOTICE: "inform-notice-2026.1",
}
TITLES = {
    DocumentKind.RECEIPT: ("事前届出受理票", "Notification receipt"),
    DocumentKind.PERMIT: ("輸出許可証", "Export permit"),
    DocumentKind.DENIAL_LETTER: ("不許可通知書", "Notice of denial"),
    DocumentKind.NO_LICENCE_LETTER: ("許可不要通知書", "Notice: no licence required"),
    DocumentKind.INFORM_NOTICE: ("インフォーム通知書", "Inform notice"),
}
INFORM_SUBJECT_LABELS = {
    InformSubject.GOODS: ("貨物", "Goods"),
    InformSubject.TECHNOLOGY: ("技術", "Technology"),
    InformSubject.DESTINATION: ("仕向地", "Destination"),
    InformSubject.END_USER: ("需要者", "End user"),
}
# Fixed bilingual labels: the PDF must read the same whatever language the portal user chose.
CLASSIFICATION_LABELS = {
    Classification.LIST_CONTROL: ("リスト規制（1〜15項）", "Listed (rows 1–15)"),
    Classification.SPECIFIED_16_1: ("16項(1)", "Row 16(1) specified item"),
    Classification.OTHER_16_2: ("16項(2)", "Row 16(2)"),
    Classification.NOT_APPLICABLE: ("非該当", "Not applicable"),
}
ITEM_KIND_LABELS = {
    ItemKind.GOODS: ("貨物", "Goods"),
    ItemKind.TECHNOLOGY: ("技術", "Technology"),
    ItemKind.SOFTWARE: ("プログラム", "Software"),
}
ROLE_LABELS = {
    PartyRole.END_USER: ("需要者", "End user"),
    PartyRole.CONSIGNEE: ("荷受人", "Consignee"),
    PartyRole.INTERMEDIARY: ("仲介者", "Intermediary"),
    PartyRole.PURCHASER: ("購入者", "Purchaser"),
}
PARTY_KIND_LABELS = {
    PartyKind.PERSON: ("個人", "Person"),
    PartyKind.ORGANIZATION: ("団体・企業", "Organisation or company"),
}


@dataclass(frozen=True)
class Issue:
    """What is printed on a document besides the case: its identity and how to verify it."""

    kind: str
    number: str
    verification_code: str
    issued_at: datetime.datetime


def public_base_url() -> str:
    """The public site the document points to. A document is permanent: one printed with no
    address, or a relative one, could never be verified, so issuing it is refused."""
    base = (settings.PUBLIC_BASE_URL or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            "PUBLIC_BASE_URL is not set: set EXPORTCTL_PUBLIC_BASE_URL to the portal's public "
            "address before issuing documents."
        )
    return base


def verify_page_url() -> str:
    return f"{public_base_url()}/verify/"


def verify_url(number: str, code: str) -> str:
    query = urlencode({"number": number, "code": code})
    return f"{verify_page_url()}?{query}"


def _bilingual(labels: dict, value: str) -> tuple[str, str]:
    return labels.get(value, (value, value))


def _identity(issue: Issue) -> dict:
    url = verify_url(issue.number, issue.verification_code)
    return {
        "kind": issue.kind,
        "title": TITLES[DocumentKind(issue.kind)],
        "number": issue.number,
        "verification_code": format_verification_code(issue.verification_code),
        "issued_on": timezone.localtime(issue.issued_at).date(),
        "issued_at": timezone.localtime(issue.issued_at),
        "verify_url": url,
        "verify_page": verify_page_url(),
        "authority": settings.ISSUING_AUTHORITY,
        "template_version": TEMPLATE_VERSIONS[DocumentKind(issue.kind)],
    }


def _firm(firm) -> dict:
    return {
        "name": firm.name,
        "name_local": firm.name_local,
        "corporate_number": firm.corporate_number,
        "address": firm.address,
    }


def document_context(*, issue: Issue, notification, permit=None, decision=None) -> dict:
    """Everything a document template shows, as plain values."""
    items = [
        {
            "position": index,
            "kind": _bilingual(ITEM_KIND_LABELS, item.kind),
            "description": item.description,
            "classification": _bilingual(CLASSIFICATION_LABELS, item.classification),
            "list_row": item.list_row,
            "hs_code": item.hs_code,
            "quantity": item.quantity.normalize(),
            "unit": item.unit,
            "value_jpy": item.value_jpy,
        }
        for index, item in enumerate(notification.items.order_by("position", "pk"), start=1)
    ]
    parties = [
        {
            "role": _bilingual(ROLE_LABELS, party.role),
            "kind": _bilingual(PARTY_KIND_LABELS, party.kind),
            "name": party.name,
            "local_name": party.local_name,
            "country": party.country,
            "address": party.address,
        }
        for party in notification.parties.order_by("position", "pk")
    ]
    context = {
        **_identity(issue),
        "firm": _firm(notification.firm),
        "reference": notification.reference,
        "title_of_case": notification.title,
        "destination": notification.destination_country,
        "destination_names": country_names(notification.destination_country),
        "submitted_on": (
            timezone.localtime(notification.submitted_at).date()
            if notification.submitted_at
            else None
        ),
        "end_use": notification.end_use_description,
        "items": items,
        "total_value_jpy": sum(item["value_jpy"] for item in items),
        "parties": parties,
    }
    if permit is not None:
        context["permit"] = {
            "number": permit.number,
            "valid_from": permit.valid_from,
            "valid_until": permit.valid_until,
            "conditions": [line for line in permit.conditions.splitlines() if line.strip()],
        }
    context["procedure"] = getattr(notification, "procedure", "")
    if getattr(notification, "declaration_version", ""):
        # The declaration the person agreed to on submitting, word for word (receipt).
        context["declaration"] = {
            "version": notification.declaration_version,
            "language": notification.declaration_language or "ja",
            "paragraphs": [
                line for line in notification.declaration_text.splitlines() if line.strip()
            ],
            "accepted_at": timezone.localtime(notification.declaration_accepted_at)
            if notification.declaration_accepted_at
            else None,
        }
    if decision is not None:
        context["decision"] = {
            "decided_on": timezone.localtime(decision.created_at).date(),
            "grounds": [line for line in decision.reason.splitlines() if line.strip()],
        }
    return context


def inform_notice_context(*, issue: Issue, notice) -> dict:
    """What the inform notice letter shows: the notice itself, not a filing (it may have none)."""
    destination = notice.subject if notice.subject_kind == InformSubject.DESTINATION else ""
    return {
        **_identity(issue),
        "firm": _firm(notice.firm),
        "reference": notice.notification.reference if notice.notification_id else "",
        "subject_kind": notice.subject_kind,
        "subject_label": _bilingual(INFORM_SUBJECT_LABELS, notice.subject_kind),
        "subject": notice.subject,
        "destination_names": country_names(destination) if destination else None,
        "grounds": [line for line in notice.grounds.splitlines() if line.strip()],
    }


# --- A frozen context: JSON that thaws into the same values ---------------------------------------
# JSON has no dates, times or decimals; each is stored as a one-key object naming its type. Tuples
# come back as lists, which a template indexes and iterates alike.
_TAGS = {
    "$datetime": datetime.datetime.fromisoformat,
    "$date": datetime.date.fromisoformat,
    "$decimal": Decimal,
}


def _frozen(value):
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_frozen(item) for item in value]
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a document context holds plain values, not {type(value).__name__}")


def _thawed(value):
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, text),) = value.items()
            if tag in _TAGS:
                return _TAGS[tag](text)
        return {key: _thawed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_thawed(item) for item in value]
    return value


def freeze(context: dict) -> dict:
    """``context`` as JSON-safe values (refused if it holds anything but plain values)."""
    return _frozen(context)


def thaw(frozen: dict) -> dict:
    """The context ``freeze`` was given, with its dates, times and decimals back."""
    return _thawed(frozen)


def content_digest(frozen: dict) -> str:
    """SHA-256 of the frozen content in one canonical spelling: recorded at issue (on the row and
    in the audit trail) and checked again before the PDF is made from it."""
    canonical = json.dumps(frozen, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
