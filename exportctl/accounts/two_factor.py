"""A second factor (TOTP, django-otp) for every ministry account.

Ministry staff decide on licences and see every firm's filings, so a password alone is not enough:
``MinistrySecondFactorMiddleware`` keeps a signed-in ministry user on the enrolment or verification
page until the session is verified by a one-time code. Firm users are not asked (their firm may
adopt it later). Enrolment, success and failure are audited; wrong codes are rate-limited.
"""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit

from exportctl.audit import trail

DEVICE_NAME = "authenticator"
#: Paths a signed-in but unverified ministry user may still reach.
EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/static/", "/jsi18n/")
EXEMPT_PATHS = ("/healthz",)


def second_factor_required(user) -> bool:
    return bool(
        getattr(settings, "EXPORTCTL_MINISTRY_2FA", True)
        and user.is_authenticated
        and user.is_ministry
        and not user.is_verified()
    )


class MinistrySecondFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: unverified ministry sessions go to 2FA."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        exempt = path.startswith(EXEMPT_PREFIXES) or path in EXEMPT_PATHS
        if not exempt and second_factor_required(request.user):
            target = (
                "accounts_2fa:verify" if _confirmed_device(request.user) else "accounts_2fa:setup"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": _("Enter the six digits shown in your authenticator app.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7}
        ),
    )


def _qr_data_uri(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _rate(group, request) -> str:
    return getattr(settings, "EXPORTCTL_OTP_RATE", "5/m")


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=_rate, method="POST", block=True)
def setup(request):
    """Enrol an authenticator: show its secret as a QR code, confirm it with a first code."""
    user = request.user
    if _confirmed_device(user):
        return redirect(f"{reverse('accounts_2fa:verify')}?next={_next_url(request)}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                trail.record(action="auth.otp_enrolled", actor=user, obj=user, request=request)
            otp_login(request, device)
            # The session gains the ministry's privileges here: a key seen before (fixed or
            # leaked while only the password was proven) must not carry them.
            request.session.cycle_key()
            return redirect(_next_url(request))
        trail.record(action="auth.otp_failed", actor=user, obj=user, request=request)
        form.add_error("code", _("That code is not right. Check the time on your device."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr": _qr_data_uri(device),
        "secret": secret,
        "next": _next_url(request),
    }
    return render(request, "accounts/2fa_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=_rate, method="POST", block=True)
def verify(request):
    user = request.user
    device = _confirmed_device(user)
    if device is None:
        return redirect(f"{reverse('accounts_2fa:setup')}?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            otp_login(request, device)
            request.session.cycle_key()  # a new key for the higher privilege, as at enrolment
            trail.record(action="auth.otp_verified", actor=user, obj=user, request=request)
            return redirect(_next_url(request))
        trail.record(action="auth.otp_failed", actor=user, obj=user, request=request)
        form.add_error("code", _("That code is not right. Check the time on your device."))
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": _next_url(request)})
