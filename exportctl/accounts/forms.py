from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from stdnum.jp import cn as corporate_number

from exportctl.accounts.identity import normalise_email
from exportctl.accounts.models import Firm, User, validate_corporate_number
from exportctl.accounts.services import CORPORATE_NUMBER_TAKEN


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "spellcheck": "false"}
        ),
    )

    error_messages = {
        "invalid_login": _("The e-mail address or password is not correct."),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["password"].label = _("Password")
        self.fields["password"].error_messages["required"] = _("Enter your password.")

    def clean_username(self) -> str:
        # One spelling per account, before authentication and before django-axes counts it.
        return normalise_email(self.cleaned_data["username"])


# --- Onboarding -----------------------------------------------------------------------------


LANGUAGE_CHOICES = [("ja", "日本語"), ("en", "English")]


class LanguageSelect(forms.Select):
    """Each language is offered by its own name, marked with its language (``<option lang>``)
    so that a screen reader reads "日本語" in Japanese on an English page, and the reverse."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


class _NewPasswordMixin:
    """Two password fields checked against each other and Django's password validators."""

    def _add_password_fields(self) -> None:
        self.fields["password1"] = forms.CharField(
            label=_("Password"),
            strip=False,
            help_text=_(
                "At least 12 characters. Avoid common passwords and ones that resemble your name "
                "or e-mail address."
            ),
            error_messages={"required": _("Enter a password.")},
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        )
        self.fields["password2"] = forms.CharField(
            label=_("Password again"),
            strip=False,
            error_messages={"required": _("Enter the password again.")},
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        )

    def _clean_passwords(self, *, email: str, full_name: str) -> None:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if not password1 or not password2:
            return
        if password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
            return
        try:
            password_validation.validate_password(
                password1, user=User(email=email or "", full_name=full_name or "")
            )
        except ValidationError as error:
            self.add_error("password1", error)


class SignupForm(_NewPasswordMixin, forms.Form):
    firm_name = forms.CharField(
        label=_("Firm name (in English or romaji)"),
        max_length=200,
        error_messages={"required": _("Enter the firm's name.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    firm_name_local = forms.CharField(
        label=_("Firm name in Japanese"),
        max_length=200,
        required=False,
        help_text=_("As registered, for example 関東精密株式会社. Optional."),
    )
    corporate_number = forms.CharField(
        label=_("Corporate number (法人番号)"),
        max_length=20,
        help_text=_("13 digits, as published by the National Tax Agency."),
        error_messages={"required": _("Enter the firm's corporate number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We will send a link to this address to confirm the sign-up."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_password_fields()

    def clean_corporate_number(self) -> str:
        value = corporate_number.compact(self.cleaned_data["corporate_number"])
        validate_corporate_number(value)
        if Firm.objects.filter(corporate_number=value).exists():
            raise ValidationError(CORPORATE_NUMBER_TAKEN, code="taken")
        return value

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        self._clean_passwords(email=cleaned.get("email"), full_name=cleaned.get("full_name"))
        return cleaned


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        max_length=254,
        help_text=_("They will receive a link, valid for 7 days, to set their name and password."),
        error_messages={
            "required": _("Enter your colleague's e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class InvitationAcceptForm(_NewPasswordMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=LANGUAGE_CHOICES,
        widget=LanguageSelect,
        help_text=_("The portal and its e-mails will use this language."),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self._add_password_fields()

    def clean(self):
        cleaned = super().clean()
        self._clean_passwords(email=self.email, full_name=cleaned.get("full_name"))
        return cleaned


class FirmForm(forms.Form):
    name = forms.CharField(
        label=_("Firm name (in English or romaji)"),
        max_length=200,
        error_messages={"required": _("Enter the firm's name.")},
    )
    name_local = forms.CharField(label=_("Firm name in Japanese"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    compliance_programme_filed = forms.BooleanField(
        label=_("The firm has filed its compliance programme (CP) with the ministry"),
        required=False,
    )
    compliance_programme_filed_on = forms.DateField(
        label=_("Date filed"),
        required=False,
        help_text=_("For example 2026-04-01. Leave empty if the programme has not been filed."),
        error_messages={"invalid": _("Enter a real date, like 2026-04-01.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned = super().clean()
        filed = cleaned.get("compliance_programme_filed")
        filed_on = cleaned.get("compliance_programme_filed_on")
        if "compliance_programme_filed_on" in self.errors:
            return cleaned
        if filed and filed_on is None:
            self.add_error(
                "compliance_programme_filed_on", _("Enter the date the programme was filed.")
            )
        elif not filed and filed_on is not None:
            self.add_error(
                "compliance_programme_filed_on",
                _("Leave the date empty when the programme has not been filed."),
            )
        elif filed_on is not None and filed_on > timezone.localdate():
            self.add_error(
                "compliance_programme_filed_on", _("The filing date cannot be in the future.")
            )
        return cleaned


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=LANGUAGE_CHOICES,
        widget=LanguageSelect,
        help_text=_("The portal uses this language after you sign in, and e-mails to you too."),
    )
    email_all_firm_notifications = forms.BooleanField(
        label=_("Send me e-mail about all my firm's notifications"),
        required=False,
        help_text=_(
            "You always get e-mail about the notifications you filed. Tick this to also hear about "
            "every status change of your colleagues' notifications."
        ),
    )

    def __init__(self, *args, firm_user: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Ministry staff belong to no firm: the choice means nothing for them.
        if not firm_user:
            del self.fields["email_all_firm_notifications"]


class LocalisedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with our labels and the e-mail in each recipient's own language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        with translation.override(context["user"].preferred_language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class LocalisedSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters. Avoid common passwords and ones that resemble your name or "
            "e-mail address."
        )
        self.fields["new_password1"].error_messages["required"] = _("Enter a new password.")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].error_messages["required"] = _("Enter the new password again.")
