"""Personal API tokens (knox ``AuthToken``, hashed at rest): the services that issue and revoke
them, the profile page at /accounts/tokens/, and ``POST /api/v1/auth/token/`` for scripts.

A token is shown once, when it is made; afterwards only its first characters (``token_key``)
identify it. Every issue, revocation and failed sign-in for a token is audited.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from exportctl import access
from exportctl.accounts.identity import normalise_email
from exportctl.api_error_shapes import ErrorResponseSerializer
from exportctl.audit import trail

#: The expiry choices on the page and the longest lifetime the API accepts.
EXPIRY_DAY_CHOICES = (7, 30, 90, 180, 365)
MAX_EXPIRY_DAYS = 365


class TokenLimitReached(Exception):
    """The user already holds the most live tokens allowed (``REST_KNOX["TOKEN_LIMIT_PER_USER"]``)."""


# --- Who may hold a token --------------------------------------------------------------------


def may_hold_api_token(user) -> bool:
    """Anyone active with a role: exporters for their ERP, ministry staff for the reviewer API.
    Each API endpoint still checks roles of its own."""
    return access.has_any_role(user)


def may_use_token_page(user) -> bool:
    """Everyone who may hold a token; ministry staff reach the page only with a session that has
    passed the second factor (``two_factor`` middleware), so their tokens come from there."""
    return may_hold_api_token(user)


def password_alone_suffices(user) -> bool:
    """Ministry accounts need a second factor, which a script posting a password cannot give."""
    return not (getattr(settings, "EXPORTCTL_MINISTRY_2FA", True) and user.is_ministry)


# --- Reads -----------------------------------------------------------------------------------


def api_tokens_for(*, user) -> QuerySet[AuthToken]:
    """The user's own tokens, newest first (expired ones too, until knox deletes them on use)."""
    return AuthToken.objects.filter(user=user).order_by("-created", "token_key")


def _live_tokens(user) -> QuerySet[AuthToken]:
    now = timezone.now()
    return AuthToken.objects.filter(user=user).exclude(expiry__lte=now)


# --- Services --------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(
    *, actor, expires_in_days: int | None, via: str, request=None
) -> tuple[AuthToken, str]:
    """Issue a token for ``actor`` (never for someone else). Returns the row and the secret,
    which is never stored and cannot be shown again."""
    if not may_hold_api_token(actor):
        raise PermissionDenied
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValueError("expires_in_days out of range")
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    # Serialise concurrent requests of one user so the limit cannot be overrun.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    if limit is not None and _live_tokens(actor).count() >= limit:
        raise TokenLimitReached
    expiry = datetime.timedelta(days=expires_in_days) if expires_in_days else None
    instance, secret = AuthToken.objects.create(user=actor, expiry=expiry)
    trail.record(
        action="api_token.created",
        actor=actor,
        object_type="knox.authtoken",
        object_id=instance.token_key,
        firm=actor.firm,
        data={"token_key": instance.token_key, "expiry": instance.expiry, "via": via},
        request=request,
    )
    return instance, secret


@transaction.atomic
def api_token_revoke(*, actor, token_key: str, via: str, request=None) -> None:
    """Revoke one of ``actor``'s own tokens; another person's token is a 404."""
    tokens = list(AuthToken.objects.select_for_update().filter(user=actor, token_key=token_key))
    if not tokens:
        raise Http404
    for token in tokens:
        token.delete()
    trail.record(
        action="api_token.revoked",
        actor=actor,
        object_type="knox.authtoken",
        object_id=token_key,
        firm=actor.firm,
        data={"token_key": token_key, "via": via},
        request=request,
    )


@transaction.atomic
def api_token_obtain_failed(*, email: str, reason: str, request=None) -> None:
    trail.record(
        action="api_token.obtain_failed",
        object_type="auth",
        object_id="api_token",
        data={"email": email[:254], "reason": reason},
        request=request,
    )


# --- The profile page ------------------------------------------------------------------------


class TokenCreateForm(forms.Form):
    expires_in_days = forms.TypedChoiceField(
        label=gettext_lazy("Expires"),
        help_text=gettext_lazy(
            "A token that never expires stays valid until you revoke it. Prefer an expiry for "
            "scripts you are trying out."
        ),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so the labels follow the language of the request.
        self.fields["expires_in_days"].choices = [("", _("Never (until revoked)"))] + [
            (str(days), _("After %(days)d days") % {"days": days}) for days in EXPIRY_DAY_CHOICES
        ]


def _token_rows(user) -> list[dict]:
    now = timezone.now()
    return [
        {
            "token_key": token.token_key,
            "created": token.created,
            "expiry": token.expiry,
            "expired": token.expiry is not None and token.expiry <= now,
        }
        for token in api_tokens_for(user=user)
    ]


def _page(request, form, *, new_token: str = "", new_token_key: str = "", status_code=200):
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": _token_rows(request.user),
            "new_token": new_token,
            "new_token_key": new_token_key,
            "token_limit": knox_settings.TOKEN_LIMIT_PER_USER,
            "api_docs_url": reverse("api:docs"),
        },
        status=status_code,
    )


def _require_page_user(request) -> None:
    if not may_use_token_page(request.user):
        raise PermissionDenied


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """List the user's tokens; POST makes one and shows its secret on this response only."""
    _require_page_user(request)
    if request.method == "GET":
        return _page(request, TokenCreateForm())
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status_code=400)
    try:
        token, secret = api_token_create(
            actor=request.user,
            expires_in_days=form.cleaned_data["expires_in_days"],
            via="page",
            request=request,
        )
    except TokenLimitReached:
        form.add_error(
            None,
            _("You already have %(limit)d active tokens. Revoke one you no longer use first.")
            % {"limit": knox_settings.TOKEN_LIMIT_PER_USER},
        )
        return _page(request, form, status_code=400)
    # Rendered, not redirected: the secret must never travel through the session or a URL.
    return _page(request, TokenCreateForm(), new_token=secret, new_token_key=token.token_key)


@login_required
@require_POST
def token_revoke(request, token_key: str):
    _require_page_user(request)
    api_token_revoke(actor=request.user, token_key=token_key, via="page", request=request)
    messages.success(
        request,
        _("Token %(key)s… is revoked; scripts using it can no longer sign in.")
        % {"key": token_key},
    )
    return redirect("tokens:list")


# --- The API: POST/DELETE /api/v1/auth/token/ --------------------------------------------------


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        help_text="Omit (or null) for a token that stays valid until revoked.",
    )


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once.")
    token_key = serializers.CharField(help_text="The first characters, which identify the token.")
    expiry = serializers.DateTimeField(allow_null=True)


class TokenObtainView(APIView):
    """Exchange an e-mail address and password for a personal API token (for scripts).

    Throttled per client (scope ``token_obtain``); every failure is audited.
    """

    authentication_classes: list = []  # credentials come in the body; no session, no CSRF
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle, AnonRateThrottle]
    throttle_scope = "token_obtain"

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        request=TokenObtainSerializer,
        responses={
            201: TokenIssuedSerializer,
            400: ErrorResponseSerializer,
            401: ErrorResponseSerializer,
            429: ErrorResponseSerializer,
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # One spelling per account, before authentication and before django-axes counts it.
        email = normalise_email(serializer.validated_data["email"])
        user = authenticate(
            request._request, username=email, password=serializer.validated_data["password"]
        )
        if user is None:
            api_token_obtain_failed(email=email, reason="invalid_credentials", request=request)
            raise AuthenticationFailed(
                _("The e-mail address or password is not correct."), code="invalid_credentials"
            )
        if not may_hold_api_token(user):
            api_token_obtain_failed(email=email, reason="no_role", request=request)
            raise AuthenticationFailed(_("This account may not use the API."), code="no_api_access")
        if not password_alone_suffices(user):
            api_token_obtain_failed(email=email, reason="second_factor_required", request=request)
            raise ApiPermissionDenied(
                _(
                    "Ministry staff create API tokens on the token page, after signing in with "
                    "their one-time code."
                ),
                code="second_factor_required",
            )
        try:
            token, secret = api_token_create(
                actor=user,
                expires_in_days=serializer.validated_data.get("expires_in_days"),
                via="api",
                request=request,
            )
        except TokenLimitReached:
            api_token_obtain_failed(email=email, reason="token_limit", request=request)
            raise ValidationError(
                _("You already have %(limit)d active tokens. Revoke one you no longer use first.")
                % {"limit": knox_settings.TOKEN_LIMIT_PER_USER},
                code="token_limit",
            ) from None
        return Response(
            {"token": secret, "token_key": token.token_key, "expiry": token.expiry},
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    def get_authenticate_header(self, request):
        # A wrong password is a 401 (not DRF's 403 for views without authenticators).
        return "Token"


class TokenRevokeView(APIView):
    """Revoke the token this request is authenticated with (a script signing out)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        tags=["auth"],
        request=None,
        responses={204: None, 400: ErrorResponseSerializer, 401: ErrorResponseSerializer},
    )
    def delete(self, request):
        if not isinstance(request.auth, AuthToken):
            raise ValidationError(
                _("Sign out of the browser instead: this request did not use a token."),
                code="not_token_authenticated",
            )
        api_token_revoke(
            actor=request.user, token_key=request.auth.token_key, via="api", request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
