from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from exportctl import access
from exportctl.accounts import selectors, services, throttle
from exportctl.accounts.forms import (
    EmailAuthenticationForm,
    FirmForm,
    InvitationAcceptForm,
    InvitationForm,
    LocalisedPasswordResetForm,
    LocalisedSetPasswordForm,
    ProfileForm,
    SignupForm,
)
from exportctl.accounts.identity import normalise_email
from exportctl.audit import trail
from exportctl.ratelimits import rate_limited

#: Page rate limits per client IP; each can be overridden by a setting of the same name.
RATE_DEFAULTS = {
    "ACCOUNTS_SIGNUP_RATE": "10/h",
    "ACCOUNTS_INVITATION_RATE": "30/h",
    "ACCOUNTS_PASSWORD_RESET_RATE": "10/h",
}


def _rate(setting: str):
    def rate(group, request) -> str:
        return getattr(settings, setting, RATE_DEFAULTS[setting])

    return rate


def _limited(setting: str, method=ratelimit.ALL):
    """Count the request against the client IP's budget; the view answers 429 when it is spent
    (checked in the view, so it works whether or not the ratelimit middleware is installed)."""
    return ratelimit(key="ip", rate=_rate(setting), method=method, block=False)


def _set_language(response, language: str) -> None:
    """Make ``language`` the active one from the next request on (LocaleMiddleware reads the
    cookie, as Django's own set_language view leaves it)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class SignInView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        with transaction.atomic():
            trail.record(
                action="auth.login_failed",
                object_type="auth",
                object_id="login",
                data={"email": normalise_email(form.data.get("username"))},
                request=self.request,
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        with transaction.atomic():
            trail.record(action="auth.login", actor=user, request=self.request)
        response = super().form_valid(form)
        # The user's preferred language applies from the next page on, unless the visitor chose
        # a language in this browser with the switcher (a cookie): that explicit choice stands.
        if settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES:
            _set_language(response, user.preferred_language)
        # This browser now knows the password: the per-account throttle will not slow it down.
        throttle.set_device_cookie(response, user.email)
        return response


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or an image cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            with transaction.atomic():
                trail.record(action="auth.logout", actor=request.user, request=request)
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed, so the message survives into the next page.
        messages.success(request, _("You have been signed out."))
        return response


#: Where each person lands on the start page (``access.home_area``).
_HOME = {
    access.Area.FIRM: "notifications:dashboard",
    access.Area.REVIEW: "review:queue",
    access.Area.AUDIT: "audit:search",
    access.Area.LISTS: "partners:manage",
    access.Area.ENFORCEMENT: "enforcement:list",
}


@login_required
def home(request):
    """One front door; each role lands on its own work."""
    user = request.user
    area = access.home_area(user)
    if area is not None:
        return redirect(_HOME[area])
    return render(request, "accounts/no_role.html", status=403)


# --- Firm sign-up -------------------------------------------------------------------------------


@_limited("ACCOUNTS_SIGNUP_RATE", method="POST")
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    if getattr(request, "limited", False):
        return rate_limited(request, None)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.firm_signup_request(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
                firm_name=data["firm_name"],
                firm_name_local=data["firm_name_local"],
                corporate_number=data["corporate_number"],
                address=data["address"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same answer whether or not the address already had an account.
            request.session["signup_email"] = data["email"]
            return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request):
    return render(
        request, "accounts/signup_sent.html", {"email": request.session.get("signup_email", "")}
    )


@_limited("ACCOUNTS_SIGNUP_RATE", method="POST")
def signup_confirm(request, token: str):
    if getattr(request, "limited", False):
        return rate_limited(request, None)
    signup_request = selectors.signup_request_from_token(token)
    if signup_request is None:
        return render(request, "accounts/link_invalid.html", status=404)
    if request.method == "POST":
        try:
            user = services.firm_signup_complete(signup=signup_request, request=request)
        except ValidationError as error:
            return render(
                request,
                "accounts/link_invalid.html",
                {"reason": " ".join(error.messages)},
                status=409,
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        translation.activate(user.preferred_language)
        messages.success(
            request,
            _(
                "Your firm is registered and you are its administrator. Record your compliance "
                "programme below, then invite your colleagues."
            ),
        )
        response = redirect("accounts:firm")
        _set_language(response, user.preferred_language)
        return response
    return render(request, "accounts/signup_confirm.html", {"signup": signup_request})


# --- The firm's profile and compliance programme (firm admin) ----------------------------------


@login_required
def firm(request):
    firm = selectors.access_firm_for_admin(request.user)
    initial = {
        "name": firm.name,
        "name_local": firm.name_local,
        "address": firm.address,
        "compliance_programme_filed": firm.compliance_programme_filed,
        "compliance_programme_filed_on": firm.compliance_programme_filed_on,
    }
    form = FirmForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _firm, changed = services.firm_update(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("The firm's details have been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("accounts:firm")
    return render(request, "accounts/firm.html", {"firm": firm, "form": form})


@login_required
def colleagues(request):
    firm = selectors.access_firm_for_admin(request.user)
    page = selectors.colleague_page_for(user=request.user, page_number=request.GET.get("page"))
    return render(request, "accounts/colleagues.html", {"firm": firm, "page": page})


@login_required
def colleague_deactivate(request, public_id):
    colleague = selectors.access_colleague_for_admin(user=request.user, public_id=public_id)
    if request.method == "POST":
        try:
            services.colleague_deactivate(actor=request.user, colleague=colleague, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:colleagues")
        if colleague.pk == request.user.pk:
            logout(request)
            messages.success(request, _("Your account has been deactivated."))
            return redirect("accounts:login")
        messages.success(
            request,
            _("%(name)s can no longer sign in.") % {"name": colleague.full_name or colleague.email},
        )
        return redirect("accounts:colleagues")
    return render(request, "accounts/colleague_deactivate.html", {"colleague": colleague})


def _colleague_action(request, public_id, service, success):
    colleague = selectors.access_colleague_for_admin(user=request.user, public_id=public_id)
    try:
        service(actor=request.user, colleague=colleague, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success % {"name": colleague.full_name or colleague.email})
    return redirect("accounts:colleagues")


@login_required
@require_POST
def colleague_make_admin(request, public_id):
    return _colleague_action(
        request,
        public_id,
        services.colleague_make_admin,
        _("%(name)s is now an administrator of the firm."),
    )


@login_required
@require_POST
def colleague_reactivate(request, public_id):
    return _colleague_action(
        request, public_id, services.colleague_reactivate, _("%(name)s can sign in again.")
    )


@login_required
def invitations(request):
    firm = selectors.access_firm_for_admin(request.user)
    page = selectors.invitation_page_for(user=request.user, page_number=request.GET.get("page"))
    return render(request, "accounts/invitations.html", {"firm": firm, "page": page})


@login_required
def invitation_new(request):
    firm = selectors.access_firm_for_admin(request.user)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_send(
                actor=request.user, email=form.cleaned_data["email"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("accounts:invitations")
    return render(request, "accounts/invitation_new.html", {"firm": firm, "form": form})


@login_required
@require_POST
def invitation_resend(request, public_id):
    invitation = selectors.access_invitation_for_admin(user=request.user, public_id=public_id)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s has been sent again; earlier links no longer work.")
            % {"email": invitation.email},
        )
    return redirect("accounts:invitations")


@login_required
@require_POST
def invitation_revoke(request, public_id):
    invitation = selectors.access_invitation_for_admin(user=request.user, public_id=public_id)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s has been revoked.") % {"email": invitation.email},
        )
    return redirect("accounts:invitations")


@_limited("ACCOUNTS_INVITATION_RATE")
def invitation_accept(request, token: str):
    if getattr(request, "limited", False):
        return rate_limited(request, None)
    invitation = selectors.invitation_from_token(token)
    if invitation is None:
        return render(request, "accounts/link_invalid.html", status=404)
    form = InvitationAcceptForm(
        request.POST or None,
        email=invitation.email,
        initial={"preferred_language": translation.get_language()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                preferred_language=form.cleaned_data["preferred_language"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.user.is_authenticated:
                logout(request)
            translation.activate(user.preferred_language)
            messages.success(
                request, _("Your account is ready. Sign in with your e-mail address and password.")
            )
            response = redirect("accounts:login")
            _set_language(response, user.preferred_language)
            return response
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


# --- Your own profile ---------------------------------------------------------------------------


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "email_all_firm_notifications": user.email_all_firm_notifications,
        },
        firm_user=user.firm_id is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            user, changed = services.profile_update(
                actor=user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            translation.activate(user.preferred_language)
            if changed:
                messages.success(request, _("Your profile has been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            response = redirect("accounts:profile")
            _set_language(response, user.preferred_language)
            return response
    return render(request, "accounts/profile.html", {"form": form})


# --- Password reset (Django's views, our templates, audited) -----------------------------------


@method_decorator(_limited("ACCOUNTS_PASSWORD_RESET_RATE", method="POST"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = LocalisedPasswordResetForm
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset_body.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return rate_limited(request, None)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        services.password_reset_requested(
            email=email, matched=len(list(form.get_users(email))), request=self.request
        )
        # The link names the configured address, never the request's Host header: a forged Host
        # would otherwise send the reset token to a site of the forger's choosing.
        form.save(
            domain_override=urlsplit(settings.PUBLIC_BASE_URL).netloc,
            use_https=settings.PUBLIC_BASE_URL.startswith("https://"),
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context={"base_url": settings.PUBLIC_BASE_URL},
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = LocalisedSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        services.password_reset_complete(
            user=self.user, password=form.cleaned_data["new_password1"], request=self.request
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["login_url"] = reverse("accounts:login")
        return context
