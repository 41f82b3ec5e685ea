"""Shipments against a permit (issue 22, part 3; domain.md §7 "Shipping check", §10 rule 13).

The exporter records each shipment after customs clearance — in the browser on the permit page or
over the API, as an ERP would. Each line ships a quantity of one permitted item (by its position
on the filing); the permit's balance per item is the permitted quantity less what was shipped.

Whether a shipment fits the permit is decided by rule 13 of the screening rules
(``screening.rules``, ``licence_mismatch``), never by a second copy of it here: the permit and its
*remaining* balance become the licence facts, the shipment the shipment facts, and any evidence the
rule returns refuses the shipment. A refused shipment is never stored; the refusal is written to the
audit trail and raised as a violation candidate for the ministry
(``enforcement.violation_candidate_record``, kind ``shipment_beyond_permit``) in a transaction of
its own, then ``ShipmentRefused`` is raised with one message per problem, in the reader's language.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.audit import trail
from exportctl.audit.selectors import CHAIN_ORDER
from notifications.models import Item, Permit
from notifications.shipment_models import Shipment, ShipmentLine
from notifications.workflow import TransitionError
from screening import rules

#: The rule of domain.md §10 that decides whether a shipment fits its licence.
LICENCE_RULE = "licence_mismatch"
#: The kind of violation candidate a refused shipment raises (notifications.enforcement).
VIOLATION_KIND = "shipment_beyond_permit"
REFUSED_CODE = "shipment_refused"


class ShipmentRefused(Exception):
    """Rule 13 refused the shipment; nothing was stored. ``problems`` is the rule's evidence."""

    code = REFUSED_CODE

    def __init__(self, problems: list[dict], messages: list[str]):
        self.problems = problems
        self.messages = messages
        super().__init__(" ".join(messages))


@dataclass(frozen=True)
class BalanceLine:
    item: Item
    permitted: Decimal
    shipped: Decimal

    @property
    def balance(self) -> Decimal:
        return self.permitted - self.shipped


def balances(permit: Permit) -> list[BalanceLine]:
    """Per permitted item: the quantity permitted, shipped so far and left (permitted − shipped)."""
    shipped = dict(
        ShipmentLine.objects.filter(shipment__permit=permit)
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
    )
    return [
        BalanceLine(item=item, permitted=item.quantity, shipped=shipped.get(item.pk, Decimal(0)))
        for item in permit.notification.items.order_by("position", "pk")
    ]


def _licence_facts(permit: Permit) -> rules.LicenceFacts:
    """The permit as rule 13 reads it: what is *left* of each line may still be shipped."""
    return rules.LicenceFacts(
        number=permit.number,
        status=permit.status,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        destination_country=permit.notification.destination_country,
        lines=tuple(
            rules.LineFacts(
                position=line.item.position, quantity=line.balance, value_jpy=line.item.value_jpy
            )
            for line in balances(permit)
        ),
    )


def _shipment_facts(
    permit: Permit, shipped_on: datetime.date, quantities: Mapping[int, Decimal]
) -> rules.ShipmentFacts:
    # The shipment's value is not recorded: the rule's value test is left to the quantity.
    return rules.ShipmentFacts(
        shipped_on=shipped_on,
        destination_country=permit.notification.destination_country,
        lines=tuple(
            rules.LineFacts(position=position, quantity=quantity, value_jpy=0)
            for position, quantity in sorted(quantities.items())
        ),
    )


def rule_13_problems(
    permit: Permit, shipped_on: datetime.date, quantities: Mapping[int, Decimal]
) -> list[dict]:
    """The problems rule 13 finds with this shipment under ``permit`` ([] when it fits)."""
    context = rules.ScreeningContext(
        on=shipped_on,
        destination_country=permit.notification.destination_country,
        licence=_licence_facts(permit),
        shipment=_shipment_facts(permit, shipped_on, quantities),
    )
    evidence = rules.CHECKS[LICENCE_RULE](context)
    return list(evidence["problems"]) if evidence else []


def problem_message(problem: dict) -> str:
    """One refusal reason in the reader's language."""
    kind = problem["problem"]
    if kind == "quantity_exceeds_licence":
        return gettext(
            "Item %(item)s: the quantity shipped (%(shipped)s) is more than the balance left on "
            "the permit (%(licensed)s)."
        ) % {
            "item": problem["item"],
            "shipped": _quantity(problem["shipped"]),
            "licensed": _quantity(problem["licensed"]),
        }
    if kind == "licence_expired":
        return gettext("The permit expired on %(date)s: nothing can be shipped under it after.") % {
            "date": problem["valid_until"]
        }
    if kind == "licence_not_yet_valid":
        return gettext("The permit is valid only from %(date)s.") % {"date": problem["valid_from"]}
    if kind == "licence_not_valid":
        return gettext("The permit is %(status)s: nothing can be shipped under it.") % {
            "status": _status_label(problem["status"])
        }
    if kind == "item_not_licensed":
        return gettext("Item %(item)s is not on the permit.") % {"item": problem["item"]}
    if kind == "destination_differs":
        return gettext("The destination differs from the permit's.")
    return gettext("The shipment does not match the permit (%(problem)s).") % {"problem": kind}


def _quantity(value: str) -> str:
    """A quantity as people write it: 6, not 6.000."""
    return f"{Decimal(value).normalize():f}"


def _status_label(status: str) -> str:
    from notifications.models import PermitStatus

    return str(dict(PermitStatus.choices).get(status, status)).lower()


def _clean(
    *,
    shipped_on: datetime.date | None,
    quantities: Mapping[int, Decimal | None],
    customs_reference: str,
) -> dict[int, Decimal]:
    errors: dict[str, list] = {}
    if shipped_on is None:
        errors["shipped_on"] = [_("Enter the date the goods were shipped.")]
    elif shipped_on > timezone.localdate():
        errors["shipped_on"] = [
            _("A shipment is recorded after it was made: the date is in the future.")
        ]
    lines = {int(p): Decimal(q) for p, q in quantities.items() if q not in (None, "")}
    if any(q < 0 for q in lines.values()):
        errors["lines"] = [_("A quantity cannot be negative.")]
    lines = {p: q for p, q in lines.items() if q > 0}
    if not lines and "lines" not in errors:
        errors["lines"] = [_("Enter the quantity shipped of at least one item.")]
    if len(customs_reference) > 50:
        errors["customs_reference"] = [_("Use at most 50 characters.")]
    if errors:
        raise ValidationError(errors)
    return lines


def _require_firm_exporter(actor, permit: Permit) -> None:
    if not access.is_firm_user_of(actor, permit.notification.firm_id):
        raise TransitionError(
            _("You are not allowed to record a shipment under this permit."),
            code="forbidden_role",
        )


def shipment_record(
    *,
    permit: Permit,
    actor,
    shipped_on: datetime.date | None,
    quantities: Mapping[int, Decimal | None],
    customs_reference: str = "",
    idempotency_key: str = "",
    request_sha256: str = "",
) -> Shipment:
    """Record a shipment under ``permit``, or refuse it under rule 13 (``ShipmentRefused``).

    ``quantities`` maps an item's position on the filing to the quantity shipped."""
    _require_firm_exporter(actor, permit)
    customs_reference = (customs_reference or "").strip()
    lines = _clean(
        shipped_on=shipped_on, quantities=quantities, customs_reference=customs_reference
    )
    with transaction.atomic():
        # One shipment at a time per permit: two concurrent ones cannot both spend the balance.
        locked = Permit.objects.select_for_update().select_related("notification").get(pk=permit.pk)
        problems = rule_13_problems(locked, shipped_on, lines)
        if not problems:
            items = {item.position: item for item in locked.notification.items.all()}
            shipment = Shipment.objects.create(
                permit=locked,
                shipped_on=shipped_on,
                customs_reference=customs_reference,
                recorded_by=actor,
                idempotency_key=idempotency_key,
            )
            ShipmentLine.objects.bulk_create(
                ShipmentLine(shipment=shipment, item=items[position], quantity=quantity)
                for position, quantity in sorted(lines.items())
            )
            trail.record(
                action="shipment.record",
                actor=actor,
                obj=shipment,
                firm=locked.notification.firm,
                data={
                    "permit": locked.number,
                    "shipped_on": shipped_on,
                    "customs_reference": customs_reference,
                    "lines": {str(p): str(q) for p, q in sorted(lines.items())},
                    "idempotency_key": idempotency_key or None,
                    "request_sha256": request_sha256 or None,
                },
            )
            return shipment
    _refuse(locked, actor=actor, shipped_on=shipped_on, lines=lines, problems=problems)


def _refuse(permit: Permit, *, actor, shipped_on, lines, problems) -> None:
    """Audit the refusal and raise the violation candidate (own transaction), then raise."""
    from notifications import enforcement

    messages = [problem_message(problem) for problem in problems]
    with transaction.atomic():
        trail.record(
            action="shipment.refused",
            actor=actor,
            obj=permit,
            firm=permit.notification.firm,
            data={
                "permit": permit.number,
                "rule": LICENCE_RULE,
                "shipped_on": shipped_on,
                "lines": {str(p): str(q) for p, q in sorted(lines.items())},
                "problems": problems,
            },
        )
        enforcement.violation_candidate_record(
            firm=permit.notification.firm,
            kind=VIOLATION_KIND,
            description=(
                f"Shipment of {shipped_on.isoformat()} under permit {permit.number} refused by "
                f"rule 13 (domain.md §10): " + "; ".join(problem["problem"] for problem in problems)
            ),
            permit=permit,
            actor=actor,
        )
    raise ShipmentRefused(problems, messages)


def existing_for_key(permit: Permit, key: str) -> Shipment | None:
    if not key:
        return None
    return Shipment.objects.filter(permit=permit, idempotency_key=key).first()


def recorded_sha256(shipment: Shipment) -> str | None:
    from exportctl.audit.models import AuditEvent

    event = (
        AuditEvent.objects.filter(
            action="shipment.record",
            object_type=Shipment._meta.label_lower,
            object_id=str(shipment.public_id),
        )
        .order_by(*CHAIN_ORDER)
        .first()
    )
    return (event.data or {}).get("request_sha256") if event is not None else None
