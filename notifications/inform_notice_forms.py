"""The ministry's form to issue an inform notice on its own initiative. It only parses input; the
rules (who may, what a destination subject looks like, grounds required) live in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exportctl.accounts.models import Firm
from notifications.models import InformSubject


class InformNoticeIssueForm(forms.Form):
    firm = forms.ModelChoiceField(
        label=_("Firm"),
        queryset=Firm.objects.order_by("name", "pk"),
        help_text=_("The firm the notice is addressed to."),
    )
    subject_kind = forms.ChoiceField(
        label=_("The notice is about"),
        choices=InformSubject.choices,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(
        label=_("Subject details"),
        max_length=500,
        help_text=_(
            "Describe the goods or technology, give the destination as a two-letter country "
            "code (e.g. CN), or name the end user."
        ),
    )
    grounds = forms.CharField(
        label=_("Grounds"),
        help_text=_("Why the ministry requires a licence. The firm sees the grounds."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
