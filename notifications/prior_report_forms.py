"""The exporter's forms of a key-technology prior report: the procedure choice on the start page
and the technology-and-transaction step. Parsing only; ``drafts.prior_report_update`` and
``readiness.prior_report_gaps`` hold the rules (a draft may be saved half-filled)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.forms import StartForm
from notifications.prior_report_models import RecipientRelation, TransactionType
from notifications.workflow import Procedure
from partners.selectors import key_technologies_in_force


class NewFilingForm(StartForm):
    """The start page: a catch-all notification, or a prior report on a key technology."""

    procedure = forms.ChoiceField(
        label=_("What do you want to file?"),
        choices=[
            (
                Procedure.CATCH_ALL.value,
                _("Advance notification of an export (goods or technology)"),
            ),
            (Procedure.PRIOR_REPORT.value, _("Prior report on a key technology transfer")),
        ],
        initial=Procedure.CATCH_ALL.value,
        widget=forms.RadioSelect,
        required=False,
    )
    field_order = ["procedure", "title"]

    def clean_procedure(self) -> str:
        # Left unchosen (or by an older form), the start page files today's notification.
        return self.cleaned_data.get("procedure") or Procedure.CATCH_ALL.value


class KeyTechnologyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        from django.utils.translation import get_language

        return obj.name_ja if (get_language() or "").startswith("ja") else obj.name_en


class TechnologyForm(forms.Form):
    """The prior report's own step: the transaction, the technology, the recipient's relation,
    the planned transfer date and the protection measures."""

    transaction_type = forms.ChoiceField(
        label=_("Type of transaction"),
        choices=TransactionType.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    transaction_description = forms.CharField(
        label=_("The transaction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("E.g. the contract, the investment or the training programme."),
    )
    technology = KeyTechnologyChoiceField(
        label=_("Key technology"),
        queryset=None,
        required=False,
        empty_label=_("Choose from the published list"),
        help_text=_("The technologies on the published list for prior reporting."),
    )
    technology_description = forms.CharField(
        label=_("What is provided"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("Documents, know-how, training: what the recipient will be able to do."),
    )
    recipient_relation = forms.ChoiceField(
        label=_("The recipient's relation to your firm"),
        choices=RecipientRelation.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Name the recipient on the next step, as the end user."),
    )
    planned_date = forms.DateField(
        label=_("Planned transfer date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The report must reach the ministry before the transfer."),
    )
    protection_access_control = forms.BooleanField(
        label=_("Access to the technology is controlled"), required=False
    )
    protection_contract_clauses = forms.BooleanField(
        label=_("The contract restricts use and onward transfer"), required=False
    )
    protection_measures = forms.CharField(
        label=_("Protection measures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("Other measures, or details of those above."),
    )

    DETAIL_FIELDS = (
        "transaction_type",
        "transaction_description",
        "technology",
        "technology_description",
        "recipient_relation",
        "protection_access_control",
        "protection_contract_clauses",
        "protection_measures",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technology"].queryset = key_technologies_in_force()

    @classmethod
    def initial_for(cls, notification, details) -> dict:
        initial = {"planned_date": notification.planned_date}
        if details is not None:
            initial.update({name: getattr(details, name) for name in cls.DETAIL_FIELDS})
        return initial

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.DETAIL_FIELDS}
