"""The public verify page: number + verification code → status, validity and holder."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from exportctl.ratelimits import rate_limited
from notifications.documents.numbers import NUMBER_PATTERN, normalise_code, normalise_number
from notifications.documents.verification import verify_document


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        help_text=_("As printed at the top of the document, e.g. PM-2026-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("The 8 characters printed beside the QR code, e.g. ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_number(self) -> str:
        number = normalise_number(self.cleaned_data["number"])
        if not NUMBER_PATTERN.match(number):
            raise forms.ValidationError(
                _("Enter the number as printed, e.g. PM-2026-000123."), code="format"
            )
        return number

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])


def _verify_rate(group, request) -> str:
    return settings.VERIFY_RATE


@require_GET
def verify(request):
    """GET only, so the QR code on a document can link straight to the answer."""
    form = VerifyForm(request.GET if request.GET else None)
    result, not_found = None, False
    if form.is_bound:
        # Every lookup counts, valid or not, so that codes cannot be guessed at speed.
        if is_ratelimited(
            request, group="verify", key="ip", rate=_verify_rate, method="GET", increment=True
        ):
            return rate_limited(request, None)
        if form.is_valid():
            result = verify_document(
                number=form.cleaned_data["number"],
                code=form.cleaned_data["code"],
                ip=request.META.get("REMOTE_ADDR"),
            )
            not_found = result is None
    response = render(
        request,
        "verify/verify.html",
        {"form": form, "result": result, "not_found": not_found},
    )
    # The code travels in the query string: keep it out of caches and other sites' referrers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
