"""Reading inform notices: who may see which, and which notices cover a filing.

The ministry (reviewers, senior reviewers, auditors) sees every notice; a firm's exporters and
admins see the notices their own firm received; anyone else — another firm's user, a list manager,
the public — is told the notice does not exist (404), never that it is forbidden.
"""

import unicodedata
from collections.abc import Iterable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from exportctl import access
from exportctl.accounts.models import User
from notifications.models import InformNotice, InformSubject, Item, ItemKind, Notification, Party


def _notices() -> QuerySet[InformNotice]:
    return InformNotice.objects.select_related("firm", "notification", "document", "issued_by")


def notices_for(*, user: User) -> QuerySet[InformNotice]:
    """Every notice the user may read, newest first; none for anyone else."""
    if access.is_ministry_reader(user):
        return _notices().order_by("-issued_at", "-pk")
    if access.is_firm_user(user):
        mine = _notices().filter(firm_id=user.firm_id)  # type: ignore[misc]  # a firm user has a firm: firm_id is set
        return mine.order_by("-issued_at", "-pk")
    return InformNotice.objects.none()


def access_notice_for(*, user: User, public_id: UUID | str) -> InformNotice:
    """One notice the user may read, or 404 (another firm's notice included)."""
    try:
        return notices_for(user=user).get(public_id=public_id)
    except (InformNotice.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def notices_received_by(*, firm_id: int | None) -> QuerySet[InformNotice]:
    """What an exporter may cite as "inform notice received": its own firm's notices only."""
    if firm_id is None:
        return InformNotice.objects.none()
    return InformNotice.objects.filter(firm_id=firm_id).order_by("-issued_at", "-pk")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def _mentions(subject: str, text: str) -> bool:
    """A notice's subject names a party or an item when one contains the other after folding
    width and case (株式会社 Ａｃｍｅ = acme): a notice about "Acme Trading" covers a party
    named "Acme Trading Co., Ltd." and a notice about "machine tools" an item so described."""
    a, b = _fold(subject), _fold(text)
    return bool(a) and bool(b) and (a in b or b in a)


def notices_covering(
    notification: Notification,
    *,
    parties: Iterable[Party] | None = None,
    items: Iterable[Item] | None = None,
) -> list[InformNotice]:
    """The firm's notices that cover this filing, so that it is never cleared without a reviewer
    (domain.md §10 rule 4: an inform notice received → licence, hold the shipment):

    - the notice the exporter cited (``Notification.inform_notice``);
    - a destination notice naming the filing's destination country;
    - an end-user notice naming one of its parties (any role: the concern follows the party);
    - a goods or technology notice naming one of its items of that kind (description or HS code).

    The matching is deliberately broad (containment after folding): a false "covered" only sends
    a filing to a reviewer, a missed one would let an informed export through unseen."""
    notices = list(notices_received_by(firm_id=notification.firm_id))
    if not notices:
        return []
    # A page that has the parties and items loaded already passes them (no query of its own).
    party_names: list[tuple[str, str]]
    if parties is None:
        party_names = list(notification.parties.values_list("name", "local_name"))
    else:
        party_names = [(p.name, p.local_name) for p in parties]
    item_texts: list[tuple[str, str, str]]
    if items is None:
        item_texts = list(notification.items.values_list("kind", "description", "hs_code"))
    else:
        item_texts = [(i.kind, i.description, i.hs_code) for i in items]
    covering = []
    for notice in notices:
        if notice.pk == notification.inform_notice_id or _covers(
            notice, notification, party_names, item_texts
        ):
            covering.append(notice)
    return covering


def _covers(
    notice: InformNotice,
    notification: Notification,
    parties: list[tuple[str, str]],
    items: list[tuple[str, str, str]],
) -> bool:
    if notice.subject_kind == InformSubject.DESTINATION:
        return _fold(notice.subject) == _fold(notification.destination_country)
    if notice.subject_kind == InformSubject.END_USER:
        return any(_mentions(notice.subject, name) for pair in parties for name in pair if name)
    kinds = (
        {ItemKind.GOODS}
        if notice.subject_kind == InformSubject.GOODS
        else {ItemKind.TECHNOLOGY, ItemKind.SOFTWARE}
    )
    return any(
        kind in kinds
        and (
            _mentions(notice.subject, description)
            or (hs_code and _fold(hs_code) in _fold(notice.subject))
        )
        for kind, description, hs_code in items
    )
