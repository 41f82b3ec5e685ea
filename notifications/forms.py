"""The exporter's forms. They parse what the browser sent; the rules live in ``drafts.py`` and
``services.py``, whose ``ValidationError``s are put back on these forms field by field."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl.countries import CountryField
from exportctl.foreign_terms import with_terms
from notifications import declaration
from notifications.inform_notice_selectors import notices_received_by
from notifications.models import (
    AttachmentKind,
    Classification,
    EndUseCategory,
    InformNotice,
    Item,
    ItemKind,
    PartyKind,
    PartyRole,
)
from notifications.readiness import CHECKLIST_QUESTIONS
from notifications.workflow import Status

ANSWER_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Unknown"))]
UPLOAD_ACCEPT = ".pdf,.png,.jpg,.jpeg,.xlsx,application/pdf,image/png,image/jpeg"


def apply_errors(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Put a service's ``ValidationError`` on the form: on the field it names (or its alias on
    this form) when the form has that field, otherwise at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            name = (aliases or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def required(message) -> dict:
    """GOV.UK-style: a missing answer is told what to do, in the field's own words."""
    return {"required": message}


class StartForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A short name your firm will recognise, e.g. the order or project."),
        error_messages={
            **required(_("Enter a title for the notification.")),
            "max_length": _("Keep the title to %(limit_value)d characters or fewer."),
        },
    )


class ItemForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is exported"),
        choices=ItemKind.choices,
        widget=forms.RadioSelect,
        error_messages=required(_("Choose what is exported: goods, technology or software.")),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        help_text=_("Model, grade or technology, as in the contract."),
        error_messages={
            **required(_("Enter the item name.")),
            "max_length": _("Keep the item name to %(limit_value)d characters or fewer."),
        },
    )
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=Classification.choices,
        widget=forms.RadioSelect,
        error_messages=required(_("Choose the item's classification.")),
        help_text=_(
            "Rows 1–15 of the control list, row 16(1) (HS scope), row 16(2), or not applicable."
        ),
    )
    list_row = forms.CharField(
        label=_("List row"),
        max_length=8,
        required=False,
        help_text=_("For a listed item: the row, 1–15."),
        validators=Item._meta.get_field("list_row").validators,
    )
    item_code = forms.CharField(
        label=_("Item code"),
        max_length=40,
        required=False,
        help_text=_("For a listed item: the item of the row, e.g. 2(12)."),
    )
    hs_code = forms.CharField(
        label=_("HS code"),
        max_length=12,
        required=False,
        help_text=_("Required for a row 16(1) item, e.g. 8457.10."),
        validators=Item._meta.get_field("hs_code").validators,
    )
    key_technology = forms.ModelChoiceField(
        label=_("Key technology"),
        queryset=None,
        required=False,
        empty_label=_("None of these"),
        help_text=_(
            "For technology or software: whether it is a key technology that must be "
            "reported before transfer."
        ),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=0,
        max_digits=14,
        decimal_places=3,
        error_messages={
            **required(_("Enter the quantity.")),
            "invalid": _("Enter the quantity as a number, e.g. 12 or 2.5."),
            "min_value": _("Enter a quantity of 0 or more."),
        },
    )
    unit = forms.CharField(
        label=_("Unit"),
        max_length=20,
        help_text=_("e.g. units, kg, licences"),
        error_messages=required(_("Enter the unit of the quantity, e.g. units or kg.")),
    )
    value_jpy = forms.IntegerField(
        label=_("Value in yen"),
        min_value=0,
        error_messages={
            **required(_("Enter the value in yen.")),
            "invalid": _("Enter the value in whole yen, digits only, e.g. 3800000."),
            "min_value": _("Enter a value of 0 yen or more."),
        },
    )

    def __init__(self, *args, **kwargs):
        from partners.models import KeyTechnology

        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["key_technology"].queryset = KeyTechnology.objects.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=today), effective_from__lte=today
        ).order_by("code")
        self.fields["value_jpy"].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ItemKind.GOODS:
            cleaned["key_technology"] = None
        return cleaned

    @classmethod
    def initial_for(cls, item) -> dict:
        return {
            "kind": item.kind,
            "description": item.description,
            "classification": item.classification,
            "list_row": item.list_row,
            "item_code": item.item_code,
            "hs_code": item.hs_code,
            "key_technology": item.key_technology_id,
            "quantity": item.quantity,
            "unit": item.unit,
            "value_jpy": item.value_jpy,
        }


class DestinationForm(forms.Form):
    destination_country = CountryField(
        label=_("Destination country"),
        help_text=with_terms(
            _(
                "The country or region the goods are shipped to, or the technology is provided "
                "in. Type part of its name (e.g. {iran} or Iran) and choose it from the list."
            ),
            iran=("ja", "イラン"),
        ),
        error_messages={"required": _("Select the destination country or region.")},
    )
    planned_date = forms.DateField(
        label=_("Planned export or transfer date"),
        error_messages={
            **required(_("Enter the planned export or transfer date.")),
            "invalid": _("Enter the planned date as a real date, e.g. 2026-12-24."),
        },
        help_text=_(
            "The day the goods are to leave Japan, or the technology is to be provided. The "
            "ministry needs time to review a notification before that day."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class PartyForm(forms.Form):
    #: What a party from the address book brings with it (the role is chosen anew).
    reusable_fields = ("kind", "name", "local_name", "address", "country")
    #: What the exporter types (the role, kind and country come preset): any of them filled in
    #: means a party is being added, which "Continue" must not drop.
    typed_fields = ("name", "local_name", "address")

    role = forms.ChoiceField(
        label=_("Role"),
        choices=PartyRole.choices,
        error_messages=required(_("Choose the party's role.")),
    )
    kind = forms.ChoiceField(
        label=_("Person or organisation"),
        choices=PartyKind.choices,
        initial=PartyKind.ORGANIZATION,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Screening weighs a person against listed persons, a body against listed bodies."
        ),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        help_text=_("In Latin letters."),
        error_messages=required(_("Enter the party's name in Latin letters.")),
    )
    local_name = forms.CharField(
        label=_("Name in the local script"), max_length=300, required=False
    )
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    country = CountryField(
        label=_("Country or region"),
        help_text=_(
            "Where the party is located. Type part of its name and choose it from the list."
        ),
        error_messages={"required": _("Select the party's country or region.")},
    )

    def clean_kind(self) -> str:
        # Like the API: a party whose kind is not given is an organisation.
        return self.cleaned_data.get("kind") or PartyKind.ORGANIZATION

    @classmethod
    def initial_for(cls, party) -> dict:
        return {
            "role": party.role,
            "kind": party.kind,
            "name": party.name,
            "local_name": party.local_name,
            "address": party.address,
            "country": party.country,
        }


class EndUseForm(forms.Form):
    end_use_description = forms.CharField(
        label=_("End use"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the end user will do with the goods or technology, and where."),
        error_messages=required(_("Describe the end use.")),
    )
    end_use_category = forms.ChoiceField(
        label=_("End-use category"),
        choices=[("", _("Choose…")), *EndUseCategory.choices],
        error_messages=required(_("Choose the end-use category.")),
    )
    inform_notice_received = forms.BooleanField(
        label=_("The ministry has sent an inform notice about this transaction"), required=False
    )
    inform_notice = forms.ModelChoiceField(
        label=_("Inform notice"),
        queryset=InformNotice.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label=_("Choose…"),
        help_text=_("Only the notices your firm has received are listed."),
    )

    def __init__(self, *args, firm_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the firm's own notices are offered, and only they validate.
        self.fields["inform_notice"].queryset = notices_received_by(firm_id=firm_id)
        self.fields["inform_notice"].label_from_instance = lambda notice: (
            f"{notice.number} — {notice.get_subject_kind_display()}: {notice.subject}"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("inform_notice_received") and not cleaned.get("inform_notice"):
            self.add_error("inform_notice", _("Choose the inform notice your firm received."))
        if not cleaned.get("inform_notice_received"):
            cleaned["inform_notice"] = None
        return cleaned


class ChecklistForm(forms.Form):
    """One yes/no/unknown answer and a note for each of the 20 clear-criteria checks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(CHECKLIST_QUESTIONS, start=1):
            self.fields[f"check_{number}"] = forms.ChoiceField(
                label=question,
                choices=ANSWER_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"note_{number}"] = forms.CharField(
                label=_("Note on check %(number)s") % {"number": number},
                max_length=1000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @classmethod
    def initial_for(cls, checklist: dict) -> dict:
        initial = {}
        for key, entry in (checklist or {}).items():
            initial[f"check_{key}"] = (entry or {}).get("answer", "")
            initial[f"note_{key}"] = (entry or {}).get("note", "")
        return initial

    def rows(self):
        """(number, answer field, note field) per check, for the template."""
        return [
            (number, self[f"check_{number}"], self[f"note_{number}"])
            for number in range(1, len(CHECKLIST_QUESTIONS) + 1)
        ]

    def answers(self) -> dict[int, dict[str, str]]:
        return {
            number: {
                "answer": self.cleaned_data.get(f"check_{number}") or "",
                "note": self.cleaned_data.get(f"note_{number}") or "",
            }
            for number in range(1, len(CHECKLIST_QUESTIONS) + 1)
        }


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[("", _("Choose…")), *AttachmentKind.choices],
        error_messages=required(_("Choose what kind of document this is.")),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG, JPEG or XLSX, up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
        error_messages={
            **required(_("Choose the file to upload.")),
            "empty": _("The file is empty."),
        },
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": UPLOAD_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000
    )
    kind = forms.ChoiceField(
        label=_("The documents are"),
        choices=AttachmentKind.choices,
        initial=AttachmentKind.OTHER,
        required=False,
    )
    documents = MultipleFileField(
        label=_("Documents"),
        required=False,
        help_text=_("Optional. PDF, PNG, JPEG or XLSX, up to 20 MB each."),
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write a reply."))
        return body


class DeclarationForm(forms.Form):
    """The declaration of ``notifications.declaration``, in the language of the page: the label
    is the exact statement that ``notification_submit`` stores."""

    declaration = forms.BooleanField(
        error_messages={"required": _("Confirm the declaration before you submit.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreed = declaration.current()
        self.language = declaration.language_of()
        self.fields["declaration"].label = self.agreed.statement[self.language]

    @property
    def warning(self) -> str:
        return self.agreed.warning[self.language]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DashboardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        help_text=_("Reference, title or party name"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    destination = CountryField(
        label=_("Destination"), required=False, blank_label=_("Any destination")
    )
    date_from = forms.DateField(
        label=_("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Filed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned
