"""The details of a key-technology prior report (事前報告, FEFTA Art. 55-8; domain.md §0, §0a).

A prior report is a ``Notification`` whose ``procedure`` is ``prior_report``: it shares the filing's
parties (the recipient abroad is its end user, screened against the lists like any party),
messages (the dialogue with the ministry), documents, audit trail, access checks and review queue.
What only a prior report has lives here, one row per report.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, TimeStamped


class TransactionType(models.TextChoices):
    """How the technology goes abroad: the transactions the scheme names (domain.md §0a)."""

    INVESTMENT = "investment", _("Investment in a foreign entity")
    LICENCE = "licence", _("Licence or technology contract")
    GUIDANCE = "guidance", _("Technical guidance or training")
    OTHER = "other", _("Other transaction")


class RecipientRelation(models.TextChoices):
    SUBSIDIARY = "subsidiary", _("Subsidiary of the reporting firm")
    JOINT_VENTURE = "joint_venture", _("Joint venture")
    UNRELATED = "unrelated", _("Unrelated company")


class PriorReportDetails(TimeStamped):
    """What the firm reports about the transfer. Every field may be empty while the report is a
    draft; ``readiness`` lists what is still missing before it may be submitted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="prior_report"
    )
    transaction_type = models.CharField(
        _("transaction type"), max_length=16, choices=TransactionType.choices, blank=True
    )
    transaction_description = models.TextField(_("the transaction"), blank=True)
    technology = models.ForeignKey(
        "partners.KeyTechnology",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key technology"),
    )
    technology_description = models.TextField(_("what is transferred"), blank=True)
    recipient_relation = models.CharField(
        _("the recipient's relation to the firm"),
        max_length=16,
        choices=RecipientRelation.choices,
        blank=True,
    )
    protection_access_control = models.BooleanField(
        _("access to the technology is controlled"), default=False
    )
    protection_contract_clauses = models.BooleanField(
        _("the contract restricts use and onward transfer"), default=False
    )
    protection_measures = models.TextField(_("protection measures"), blank=True)

    class Meta:
        ordering = ["notification"]
        verbose_name = _("prior report details")
        verbose_name_plural = _("prior report details")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(transaction_type__in=[*TransactionType.values, ""]),
                name="prior_report_transaction_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient_relation__in=[*RecipientRelation.values, ""]),
                name="prior_report_recipient_relation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification} ({self.get_transaction_type_display()})"
