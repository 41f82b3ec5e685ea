from django import forms
from django.utils.translation import gettext_lazy as _

from exportctl.audit.log import LogFilter


class LogFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=254)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("An action or its beginning, e.g. notification. or document.download"),
    )
    object = forms.CharField(
        label=_("Object"), required=False, max_length=80, help_text=_("Object type or id")
    )
    refusals = forms.BooleanField(
        label=_("Refused attempts only"),
        required=False,
        help_text=_(
            "Attempts at an action the person may not take, e.g. an exporter calling an "
            "endpoint of the reviewers. Repeats are counted, not each written."
        ),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def log_filter(self) -> LogFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return LogFilter(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            object=data.get("object") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            refusals=bool(data.get("refusals")),
        )
