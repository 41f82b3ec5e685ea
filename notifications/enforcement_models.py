"""Violations, voluntary disclosures and administrative sanctions (FEFTA Art. 53; domain.md §6).

A ``Violation`` is a breach on the record against a firm: recorded by the ministry's enforcement
staff, disclosed by the firm itself (``disclosed``), or raised by the system as a *candidate* (a
refused shipment). A ``Sanction`` is the ministry's administrative answer: a warning, or an export
ban of up to three years that blocks the firm's filings and permits while it runs
(``notifications.enforcement``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import MAX_ATTACHMENT_BYTES, Notification, Permit, TimeStamped


class ViolationKind(models.TextChoices):
    EXPORT_WITHOUT_LICENCE = "export_without_licence", _("Export without a required licence")
    LATE_OR_MISSING_REPORT = (
        "late_or_missing_report",
        _("Late or missing prior report or notification"),
    )
    FALSE_DECLARATION = "false_declaration", _("False declaration")
    PERMIT_CONDITION_BREACH = "permit_condition_breach", _("Breach of a permit condition")
    SHIPMENT_BEYOND_PERMIT = "shipment_beyond_permit", _("Shipment beyond the permit")


class ViolationStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Violation(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey("accounts.Firm", on_delete=models.PROTECT, related_name="violations")
    kind = models.CharField(_("kind"), max_length=32, choices=ViolationKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ViolationStatus.choices,
        default=ViolationStatus.CANDIDATE,
    )
    #: Filed by the firm itself (voluntary disclosure), which counts in its favour (domain.md §6).
    disclosed = models.BooleanField(_("voluntary disclosure"), default=False)
    description = models.TextField(_("description"))
    occurred_on = models.DateField(_("date of the breach"), null=True, blank=True)
    notifications = models.ManyToManyField(
        Notification, blank=True, related_name="violations", verbose_name=_("cases")
    )
    permits = models.ManyToManyField(
        Permit, blank=True, related_name="violations", verbose_name=_("permits")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ViolationKind.values), name="violation_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ViolationStatus.values),
                name="violation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.firm})"


def evidence_path(instance: "ViolationEvidence", filename: str) -> str:
    # The stored name never comes from the uploader; the original name is kept as data only.
    return f"evidence/{instance.violation.public_id}/{instance.public_id}"


class ViolationEvidence(TimeStamped):
    """A document supporting a violation record, checked like every upload (by content)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["violation", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__lte=MAX_ATTACHMENT_BYTES), name="evidence_max_size"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    EXPORT_BAN = "export_ban", _("Export ban")


class Sanction(TimeStamped):
    """An administrative sanction. An export ban runs from ``starts_on`` to ``ends_on``, both
    days included: the firm may file again from the day after ``ends_on``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey("accounts.Firm", on_delete=models.PROTECT, related_name="sanctions")
    violation = models.ForeignKey(
        Violation, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SanctionKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    imposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SanctionKind.values), name="sanction_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="export_ban")
                | models.Q(ends_on__isnull=False, ends_on__gte=models.F("starts_on")),
                name="sanction_ban_has_end",
            ),
        ]
        indexes = [models.Index(fields=["firm", "kind", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.firm})"
