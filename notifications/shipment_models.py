"""Shipments made under a permit (domain.md §7 "Shipping check", §9 Permit.shipments[]).

A shipment is recorded by the exporter after customs clearance, in the browser or over the API (as
an ERP would). Each line ships a quantity of one item of the permitted notification; the permit's
balance per item is the permitted quantity less everything shipped. A shipment that does not fit the
permit (over the balance, after expiry, on a permit not in force) is never stored: rule 13 of
domain.md §10 (``screening.rules``, ``licence_mismatch``) refuses it (``notifications.shipments``).
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import Item, Permit, TimeStamped


class Shipment(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    permit = models.ForeignKey(
        Permit, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("permit")
    )
    shipped_on = models.DateField(_("date shipped"))
    customs_reference = models.CharField(_("customs declaration number"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The API client's Idempotency-Key: a retried POST finds the shipment it already recorded.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-shipped_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="shipment_idempotency_key_unique_per_permit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit} {self.shipped_on}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        ordering = ["shipment", "item__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "item"], name="shipment_line_one_per_item"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"
