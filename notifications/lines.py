"""The lines of a filing: its items and its parties, described once.

Items and parties are edited the same way everywhere (add, edit, delete, check while typing; in
the browser and in the API): the draft services (``notifications.drafts.line_add`` …), the
exporter's pages (``notifications.exporter_views.lines``) and the API
(``notifications.api.views.LineListCreate``/``LineDetail``) are written once and take a
``FilingLine``, which says what differs between the kinds: the model, the fields the exporter may
set, the cap on the filing, the rules a line must pass, what its audit events record and their
names, and the wizard step (and so the readiness gaps) it belongs to.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import Classification, Item, ItemKind, Notification, Party, PartyRole

#: A line of a filing: an item or a party.
Line = TypeVar("Line", Item, Party)

ITEM_FIELDS = (
    "kind",
    "description",
    "classification",
    "list_row",
    "item_code",
    "hs_code",
    "key_technology",
    "quantity",
    "unit",
    "value_jpy",
)
PARTY_FIELDS = ("role", "kind", "name", "local_name", "address", "country")


# --- Items ------------------------------------------------------------------------------------


def _clean_item(item: Item) -> None:
    """The classification rules in the exporter's words (the database constraints back them)."""
    for name in ("description", "list_row", "item_code", "hs_code", "unit"):
        setattr(item, name, (getattr(item, name) or "").strip())
    errors: dict[str, list] = {}
    if item.classification == Classification.LIST_CONTROL:
        if not item.list_row:
            errors.setdefault("list_row", []).append(
                _("A listed item needs its row of the control list (1–15).")
            )
    else:
        item.list_row = ""
        item.item_code = ""
    if item.classification == Classification.SPECIFIED_16_1 and not item.hs_code:
        errors.setdefault("hs_code", []).append(_("A row 16(1) item needs its HS code."))
    if item.key_technology_id is not None and item.kind == ItemKind.GOODS:
        errors.setdefault("key_technology", []).append(
            _("A key technology applies only to technology or software, not to goods.")
        )
    try:
        item.full_clean(exclude=["notification"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _item_data(item: Item) -> dict:
    return {
        "item": item.position,
        "kind": item.kind,
        "classification": item.classification,
        "description": item.description,
    }


# --- Parties ----------------------------------------------------------------------------------


def _clean_party(party: Party) -> None:
    for name in ("name", "local_name", "address", "country"):
        setattr(party, name, (getattr(party, name) or "").strip())
    party.country = party.country.upper()
    errors: dict[str, list] = {}
    if (
        party.role == PartyRole.END_USER
        and Party.objects.filter(notification_id=party.notification_id, role=PartyRole.END_USER)
        .exclude(pk=party.pk)
        .exists()
    ):
        errors["role"] = [_("This notification already names its end user; change that one.")]
    try:
        # ``public_id`` is a fresh uuid4 the database keeps unique: not asked of it on each save.
        party.full_clean(exclude=["notification", "public_id"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _party_data(party: Party) -> dict:
    return {
        "party": str(party.public_id),
        "role": party.role,
        "kind": party.kind,
        "name": party.name,
        "country": party.country,
    }


# --- The descriptions -------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingLine(Generic[Line]):
    """One kind of line of a filing, as the generic services, pages and API endpoints use it."""

    #: "item" or "party": the word in the audit events and the services' keyword arguments.
    name: str
    model: type[Line]
    #: The fields the exporter may set (a copy of the filing copies exactly these).
    fields: tuple[str, ...]
    #: The reverse accessor on ``Notification`` and the keyword of ``drafts.refuse_over_caps``.
    related_name: str
    #: The wizard step that lists these lines, and where the readiness gaps about them point.
    step: str
    #: Normalises a line in place and raises the ``ValidationError`` the exporter sees.
    clean: Callable[[Line], None]
    #: What every audit event about a line records.
    audit_data: Callable[[Line], dict]
    added_event: str
    updated_event: str
    deleted_event: str

    def lines_of(self, notification: Notification) -> models.QuerySet[Line]:
        return getattr(notification, self.related_name).all()


ITEM: FilingLine[Item] = FilingLine(
    name="item",
    model=Item,
    fields=ITEM_FIELDS,
    related_name="items",
    step="items",
    clean=_clean_item,
    audit_data=_item_data,
    added_event="notification.item_added",
    updated_event="notification.item_updated",
    deleted_event="notification.item_deleted",
)
PARTY: FilingLine[Party] = FilingLine(
    name="party",
    model=Party,
    fields=PARTY_FIELDS,
    related_name="parties",
    step="parties",
    clean=_clean_party,
    audit_data=_party_data,
    added_event="notification.party_added",
    updated_event="notification.party_updated",
    deleted_event="notification.party_deleted",
)
