"""The API's shape of a key-technology prior report's details (``PriorReportDetails``).

Written and read as the ``prior_report`` object of a notification whose ``procedure`` is
``prior_report``; the planned transfer date is the notification's own ``planned_date``. Parsing
only: ``notifications.drafts.prior_report_update`` holds every rule.
"""

from rest_framework import serializers

from notifications.prior_report_models import RecipientRelation, TransactionType
from partners.models import KeyTechnology


class PriorReportSerializer(serializers.Serializer):
    transaction_type = serializers.ChoiceField(
        choices=TransactionType.choices,
        required=False,
        allow_blank=True,
        help_text="How the technology goes abroad.",
    )
    transaction_description = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="The transaction in the firm's words (required for `other`).",
    )
    technology = serializers.SlugRelatedField(
        slug_field="code",
        queryset=KeyTechnology.objects.all(),
        required=False,
        allow_null=True,
        help_text="Code of the key technology on the published list (e.g. `mlcc`).",
    )
    technology_description = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="What will be provided: documents, know-how, training.",
    )
    recipient_relation = serializers.ChoiceField(
        choices=RecipientRelation.choices,
        required=False,
        allow_blank=True,
        help_text="How the recipient (the end user party) is related to the firm.",
    )
    protection_access_control = serializers.BooleanField(
        required=False, help_text="Access to the technology is controlled."
    )
    protection_contract_clauses = serializers.BooleanField(
        required=False, help_text="The contract restricts use and onward transfer."
    )
    protection_measures = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="Other protection measures, or details of those above.",
    )
