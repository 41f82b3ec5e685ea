from django import forms
from django.utils.translation import gettext_lazy as _

from exportctl.countries import CountryField
from notifications.auditor_selectors import NOTIFICATION_SORTS, NotificationSearch
from notifications.models import DecisionKind
from notifications.workflow import Status

SORT_CHOICES = [
    ("-submitted", _("Newest submission first")),
    ("submitted", _("Oldest submission first")),
    ("-decided", _("Newest decision first")),
    ("decided", _("Oldest decision first")),
    ("-risk", _("Highest risk first")),
    ("risk", _("Lowest risk first")),
    ("reference", _("Reference A–Z")),
    ("-reference", _("Reference Z–A")),
]
# S101: an import-time check that two constant tables agree; no input reaches it, and without it
# (python -O) nothing is less safe: the form refuses an unknown sort, the selector falls back.
assert {value for value, _label in SORT_CHOICES} == set(NOTIFICATION_SORTS)  # noqa: S101


class NotificationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_(
            "Reference, permit or document number (receipt, permit, denial letter), firm, "
            "corporate number, or a party's name in any spelling or script"
        ),
    )
    destination = CountryField(
        label=_("Destination"), required=False, blank_label=_("Any destination")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [c for c in Status.choices if c[0] != Status.DRAFT],
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", _("Any decision")), *DecisionKind.choices],
    )
    reviewer = forms.EmailField(label=_("Decided by (e-mail)"), required=False)
    date_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def search(self) -> NotificationSearch:
        data = self.cleaned_data if self.is_valid() else {}
        return NotificationSearch(
            text=data.get("q") or "",
            destination=data.get("destination") or "",
            status=data.get("status") or "",
            decision=data.get("decision") or "",
            reviewer=data.get("reviewer") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort") or "-submitted",
        )


class PdfVerifyForm(forms.Form):
    file = forms.FileField(
        label=_("PDF document"),
        help_text=_("A receipt, permit or denial letter issued by this portal (up to 20 MB)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("This file is not a PDF document."))
        return upload
