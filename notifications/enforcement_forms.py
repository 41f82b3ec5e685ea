"""Forms of the enforcement pages. They only parse input; the rules live in
``notifications.enforcement``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exportctl.accounts.models import Firm
from notifications.enforcement_models import SanctionKind, ViolationKind, ViolationStatus
from notifications.models import Notification, Permit

DATE = forms.DateInput(attrs={"type": "date"})


def _references(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


class _LinksMixin:
    """Cases and permits named by their reference and number, resolved within the firm."""

    def resolve_links(self, firm) -> tuple[list[Notification], list[Permit]]:
        notifications, permits, unknown = [], [], []
        for reference in _references(self.cleaned_data.get("references", "")):
            notification = Notification.objects.filter(firm=firm, reference=reference).first()
            permit = (
                Permit.objects.filter(notification__firm=firm, number=reference)
                .select_related("notification")
                .first()
            )
            if notification is not None:
                notifications.append(notification)
            elif permit is not None:
                permits.append(permit)
            else:
                unknown.append(reference)
        if unknown:
            self.add_error(
                "references",
                _("No case or permit of this firm has the number %(numbers)s.")
                % {"numbers": ", ".join(unknown)},
            )
        return notifications, permits


class DisclosureForm(_LinksMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=ViolationKind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, when it was found, and what your firm has done since."),
    )
    occurred_on = forms.DateField(label=_("Date of the breach"), required=False, widget=DATE)
    references = forms.CharField(
        label=_("Cases and permits concerned"),
        required=False,
        max_length=500,
        help_text=_("Notification references or permit numbers, separated by spaces."),
    )
    evidence = forms.FileField(
        label=_("Supporting document"),
        required=False,
        help_text=_("Optional: a PDF, PNG, JPEG or XLSX file."),
    )


class ViolationRecordForm(_LinksMixin, forms.Form):
    firm = forms.ModelChoiceField(label=_("Firm"), queryset=Firm.objects.order_by("name", "pk"))
    kind = forms.ChoiceField(label=_("Kind of violation"), choices=ViolationKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    occurred_on = forms.DateField(label=_("Date of the breach"), required=False, widget=DATE)
    references = forms.CharField(
        label=_("Cases and permits concerned"),
        required=False,
        max_length=500,
        help_text=_("Notification references or permit numbers, separated by spaces."),
    )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when dismissing."),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence document"), help_text=_("PDF, PNG, JPEG or XLSX."))


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Sanction"), choices=SanctionKind.choices, widget=forms.RadioSelect
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(
        label=_("Last day of the ban"),
        required=False,
        widget=DATE,
        help_text=_("Export bans only: at most three years after the first day (FEFTA Art. 53)."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ViolationFilterForm(forms.Form):
    firm = forms.CharField(label=_("Firm"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(ViolationStatus.choices),
    )
