"""Forms of the reviewer's pages: the queue's filters and one small form per decision.

They only parse and validate input; every rule of the decision itself lives in the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl.countries import CountryField
from notifications import calendar
from notifications.models import QUEUE_STATUSES, RiskLevel
from notifications.selectors import QueueFilters, reviewer_choices
from notifications.services.permits import DEFAULT_VALIDITY_MONTHS
from screening.models import Disposition

#: A reasonable default for the exporter's answer: two working weeks.
DEFAULT_ANSWER_WORKING_DAYS = 10


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [(s.value, s.label) for s in QUEUE_STATUSES],
    )
    risk = forms.ChoiceField(
        label=_("Risk"),
        required=False,
        choices=[("", _("Any risk"))]
        + [(level.value, level.label) for level in reversed(RiskLevel)]
        + [("none", _("Not screened"))],
    )
    destination = CountryField(
        label=_("Destination"), required=False, blank_label=_("Any destination")
    )
    hits = forms.ChoiceField(
        label=_("List hits"),
        required=False,
        choices=[
            ("", _("With or without hits")),
            ("any", _("With list hits")),
            ("pending", _("With hits to adjudicate")),
            ("none", _("Without list hits")),
        ],
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[
            ("", _("Anyone or nobody")),
            ("me", _("Assigned to me")),
            ("unassigned", _("Unassigned")),
        ],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    late = forms.BooleanField(
        label=_("Filed late only"),
        required=False,
        help_text=_("The planned export or transfer date was past or too close at filing."),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("risk", _("Risk, then age")),
            ("age", _("Oldest first")),
            ("due", _("Due date")),
        ],
    )

    def filters(self) -> QueueFilters:
        """The valid part of what was asked for; an invalid field counts as "any"."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return QueueFilters(
            status=data.get("status") or "",
            risk=data.get("risk") or "",
            destination=(data.get("destination") or "").upper(),
            hits=data.get("hits") or "",
            assigned=data.get("assigned") or "",
            overdue=bool(data.get("overdue")),
            late=bool(data.get("late")),
            sort=data.get("sort") or "risk",
        )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, empty_label=_("Choose a reviewer")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = reviewer_choices()
        self.fields["assignee"].label_from_instance = lambda user: user.full_name or user.email


class AdjudicateForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Finding"),
        choices=[
            (Disposition.CONFIRMED.value, Disposition.CONFIRMED.label),
            (Disposition.FALSE_POSITIVE.value, Disposition.FALSE_POSITIVE.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("What shows that this is (or is not) the listed entity."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        help_text=_("Seen by ministry staff only, never by the exporter."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestInfoForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the exporter"), widget=forms.Textarea(attrs={"rows": 4})
    )
    due_on = forms.DateField(
        label=_("Answer due by"),
        help_text=_("The processing period is paused until the exporter answers."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = calendar.add_working_days(
            timezone.localdate(), DEFAULT_ANSWER_WORKING_DAYS
        )

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on <= timezone.localdate():
            raise forms.ValidationError(_("The due date must be in the future."))
        return due_on


class ApproveForm(forms.Form):
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        help_text=_("Printed on the permit, e.g. prior consent before re-export."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    validity_months = forms.IntegerField(
        label=_("Validity (months)"),
        min_value=1,
        max_value=36,
        initial=DEFAULT_VALIDITY_MONTHS,
        help_text=_("An individual permit is valid for six months unless you set otherwise."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DenyForm(forms.Form):
    reason = forms.CharField(
        label=_("Grounds for the denial"),
        help_text=_("Cite the rule or the facts; the exporter's denial letter quotes them."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the approval is returned"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ChecklistNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Reviewer's note"),
        help_text=_(
            "What you established about this answer. Every “unknown” answer needs a note "
            "before the case can be approved. Seen by ministry staff only."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConcludeNoLicenceForm(forms.Form):
    grounds = forms.CharField(
        label=_("Why no licence is required"),
        help_text=_(
            "The case closes with a dated letter telling the firm it may proceed (no permit is "
            "issued). The firm sees these grounds."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InformForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of the inform notice"),
        help_text=_(
            "The exporter is told, by an inform notice, that this export needs a licence. "
            "The review continues."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
