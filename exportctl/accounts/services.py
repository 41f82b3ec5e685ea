"""Writes for accounts: firm sign-up, invitations, colleagues, the firm profile, a user's own
profile and password reset.

Each function is one transaction that locks what it changes, re-checks the rule it enforces
(forms check too, for friendly messages, but only this layer is authoritative) and writes its
audit event before it returns. E-mails go out through tasks queued after commit.
"""

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from exportctl import access
from exportctl.accounts import tasks, throttle
from exportctl.accounts.identity import normalise_email
from exportctl.accounts.models import Firm, Invitation, InvitationStatus, SignupRequest, User
from exportctl.accounts.roles import Role
from exportctl.accounts.signed_links import INVITATION_MAX_AGE, SIGNUP_MAX_AGE
from exportctl.audit import trail

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

CORPORATE_NUMBER_TAKEN = _(
    "A firm with this corporate number is already registered. Ask its firm administrator to "
    "invite you."
)
LINK_NOT_VALID = _("This link is not valid: it has expired, has been used or has been replaced.")


def _lower(email: str) -> str:
    return normalise_email(email)


def _require_firm_admin(actor: User) -> Firm:
    if not access.is_firm_admin(actor):
        raise PermissionDenied("only an active firm administrator may do this")
    firm = actor.firm
    if firm is None:  # never: a firm administrator has a firm (narrows the type)
        raise PermissionDenied("only an active firm administrator may do this")
    return firm


# --- Sign-up ------------------------------------------------------------------------------------


@transaction.atomic
def firm_signup_request(
    *,
    email: str,
    full_name: str,
    password: str,
    firm_name: str,
    firm_name_local: str,
    corporate_number: str,
    address: str,
    language: str,
    request: "HttpRequest | Request | None" = None,
) -> SignupRequest | None:
    """Record a sign-up and mail its confirmation link. When the address already has an account
    nothing is recorded and that address is told so instead: the visitor sees the same answer
    either way, so the form cannot be used to find out who has an account."""
    email = _lower(email)
    if Firm.objects.filter(corporate_number=corporate_number).exists():
        raise ValidationError(
            {"corporate_number": ValidationError(CORPORATE_NUMBER_TAKEN, code="taken")}
        )
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        trail.record(
            action="firm.signup_refused",
            object_type="accounts.user",
            object_id=str(existing.public_id),
            data={"reason": "email_registered", "corporate_number": corporate_number},
            request=request,
            actor_label=email,
        )
        tasks.send_signup_existing_account_email.delay_on_commit(existing.pk)
        return None
    signup = SignupRequest.objects.create(
        email=email,
        full_name=full_name.strip(),
        password=make_password(password),
        preferred_language=language if language in ("ja", "en") else "ja",
        firm_name=firm_name.strip(),
        firm_name_local=firm_name_local.strip(),
        corporate_number=corporate_number,
        address=address.strip(),
        expires_at=timezone.now() + SIGNUP_MAX_AGE,
    )
    trail.record(
        action="firm.signup_requested",
        obj=signup,
        data={"corporate_number": corporate_number, "firm_name": signup.firm_name},
        request=request,
        actor_label=email,
    )
    tasks.send_signup_email.delay_on_commit(signup.pk)
    return signup


def firm_signup_complete(
    *, signup: SignupRequest, request: "HttpRequest | Request | None" = None
) -> User:
    """Create the firm and its first user, who becomes firm admin (and exporter)."""
    try:
        with transaction.atomic():
            return _firm_signup_complete(signup=signup, request=request)
    except IntegrityError as exc:
        # Two confirmations racing for one corporate number (or address): the loser is told.
        if Firm.objects.filter(corporate_number=signup.corporate_number).exists():
            raise ValidationError(CORPORATE_NUMBER_TAKEN, code="taken") from exc
        raise ValidationError(LINK_NOT_VALID, code="invalid_link") from exc


def _firm_signup_complete(
    *, signup: SignupRequest, request: "HttpRequest | Request | None"
) -> User:
    signup = SignupRequest.objects.select_for_update().get(pk=signup.pk)
    if signup.completed_at is not None or signup.expires_at <= timezone.now():
        raise ValidationError(LINK_NOT_VALID, code="invalid_link")
    if Firm.objects.filter(corporate_number=signup.corporate_number).exists():
        raise ValidationError(CORPORATE_NUMBER_TAKEN, code="taken")
    if User.objects.filter(email=signup.email).exists():
        raise ValidationError(LINK_NOT_VALID, code="invalid_link")
    firm = Firm(
        name=signup.firm_name,
        name_local=signup.firm_name_local,
        corporate_number=signup.corporate_number,
        address=signup.address,
    )
    firm.full_clean()
    firm.save()
    user = User(
        email=signup.email,
        full_name=signup.full_name,
        firm=firm,
        preferred_language=signup.preferred_language,
        password=signup.password,
    )
    user.save()
    user.groups.set(Group.objects.filter(name__in=[Role.FIRM_ADMIN, Role.EXPORTER]))
    signup.completed_at = timezone.now()
    signup.firm = firm
    signup.save(update_fields=["completed_at", "firm", "updated_at"])
    trail.record(
        action="firm.signed_up",
        actor=user,
        obj=firm,
        data={
            "corporate_number": firm.corporate_number,
            "name": firm.name,
            "admin": user.email,
            "signup_request": str(signup.public_id),
        },
        request=request,
    )
    return user


# --- Invitations --------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(
    *, actor: User, email: str, request: "HttpRequest | Request | None" = None
) -> Invitation:
    """Invite ``email`` to the actor's firm; inviting someone already invited resends."""
    firm = _require_firm_admin(actor)
    Firm.objects.select_for_update().get(pk=firm.pk)  # one inviter at a time per firm
    email = _lower(email)
    if User.objects.filter(firm=firm, email=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("This person already has an account at your firm."), code="colleague"
                )
            }
        )
    pending = (
        Invitation.objects.select_for_update()
        .filter(firm=firm, email=email, status=InvitationStatus.PENDING)
        .first()
    )
    if pending is not None:
        return _resend(actor=actor, invitation=pending, request=request)
    now = timezone.now()
    invitation = Invitation.objects.create(
        firm=firm,
        email=email,
        invited_by=actor,
        last_sent_at=now,
        expires_at=now + INVITATION_MAX_AGE,
    )
    trail.record(
        action="invitation.sent",
        actor=actor,
        obj=invitation,
        data={"email": email, "expires_at": invitation.expires_at},
        request=request,
    )
    tasks.send_invitation_email.delay_on_commit(invitation.pk)
    return invitation


@transaction.atomic
def invitation_resend(
    *, actor: User, invitation: Invitation, request: "HttpRequest | Request | None" = None
) -> Invitation:
    """Send a fresh link with a fresh expiry; every earlier link stops working."""
    firm = _require_firm_admin(actor)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, firm=firm)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only a pending invitation can be sent again."), code="not_pending")
    return _resend(actor=actor, invitation=invitation, request=request)


def _resend(
    *, actor: User, invitation: Invitation, request: "HttpRequest | Request | None"
) -> Invitation:
    now = timezone.now()
    invitation.send_count += 1
    invitation.last_sent_at = now
    invitation.expires_at = now + INVITATION_MAX_AGE
    invitation.save(update_fields=["send_count", "last_sent_at", "expires_at", "updated_at"])
    trail.record(
        action="invitation.resent",
        actor=actor,
        obj=invitation,
        data={
            "email": invitation.email,
            "send_count": invitation.send_count,
            "expires_at": invitation.expires_at,
        },
        request=request,
    )
    tasks.send_invitation_email.delay_on_commit(invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(
    *, actor: User, invitation: Invitation, request: "HttpRequest | Request | None" = None
) -> Invitation:
    firm = _require_firm_admin(actor)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, firm=firm)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only a pending invitation can be revoked."), code="not_pending")
    invitation.status = InvitationStatus.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["status", "revoked_at", "revoked_by", "updated_at"])
    trail.record(
        action="invitation.revoked",
        actor=actor,
        obj=invitation,
        data={"email": invitation.email},
        request=request,
    )
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    full_name: str,
    password: str,
    preferred_language: str,
    request: "HttpRequest | Request | None" = None,
) -> User:
    """The invitee becomes an exporter of the inviting firm."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING or invitation.is_expired:
        raise ValidationError(LINK_NOT_VALID, code="invalid_link")
    if User.objects.filter(email=invitation.email).exists():
        raise ValidationError(
            _(
                "This invitation cannot be used to create an account for this e-mail address. "
                "If you already have an account, sign in instead."
            ),
            code="email_registered",
        )
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        full_name=full_name.strip(),
        firm=invitation.firm,
        preferred_language=preferred_language if preferred_language in ("ja", "en") else "ja",
    )
    user.groups.set(Group.objects.filter(name=Role.EXPORTER))
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_user", "updated_at"])
    trail.record(
        action="invitation.accepted",
        actor=user,
        obj=invitation,
        data={"email": invitation.email, "user": str(user.public_id)},
        request=request,
    )
    return user


# --- Colleagues ---------------------------------------------------------------------------------


@transaction.atomic
def colleague_deactivate(
    *, actor: User, colleague: User, request: "HttpRequest | Request | None" = None
) -> User:
    """Deactivate a colleague (their sessions and API tokens stop working: both check
    ``is_active``). A firm is never left without an active administrator."""
    firm = _require_firm_admin(actor)
    # Lock every active user of the firm, in pk order, so two admins deactivating each other at
    # the same moment cannot both succeed.
    active = list(User.objects.select_for_update().filter(firm=firm, is_active=True).order_by("pk"))
    target = next((user for user in active if user.pk == colleague.pk), None)
    if target is None:
        if not User.objects.filter(pk=colleague.pk, firm=firm).exists():
            raise PermissionDenied("not a colleague")
        raise ValidationError(_("This account is already deactivated."), code="inactive")
    admin_ids = set(
        access.firm_admins()
        .filter(pk__in=[user.pk for user in active])
        .values_list("pk", flat=True)
    )
    if target.pk in admin_ids and admin_ids == {target.pk}:
        raise ValidationError(
            _(
                "You are the firm's only administrator, so your account cannot be deactivated. "
                "Make a colleague an administrator first."
            )
            if target.pk == actor.pk
            else _("The firm's only administrator cannot be deactivated."),
            code="last_admin",
        )
    target.is_active = False
    target.save(update_fields=["is_active", "updated_at"])
    trail.record(
        action="user.deactivated",
        actor=actor,
        obj=target,
        data={"email": target.email, "was_admin": target.pk in admin_ids},
        request=request,
    )
    user_credentials_revoke(user=target, reason=REVOKED_DEACTIVATED, actor=actor, request=request)
    return target


def _locked_colleague(actor: User, colleague: User) -> tuple[Firm, User]:
    firm = _require_firm_admin(actor)
    target = User.objects.select_for_update().filter(pk=colleague.pk, firm=firm).first()
    if target is None:
        raise PermissionDenied("not a colleague")
    return firm, target


@transaction.atomic
def colleague_make_admin(
    *, actor: User, colleague: User, request: "HttpRequest | Request | None" = None
) -> User:
    """Give an active colleague the firm administrator role (so that an administrator can hand
    over before deactivating their own account)."""
    _firm, target = _locked_colleague(actor, colleague)
    if not target.is_active:
        raise ValidationError(_("Reactivate this account first."), code="inactive")
    if access.is_firm_admin(target):
        raise ValidationError(
            _("This colleague is already an administrator."), code="already_admin"
        )
    target.groups.add(Group.objects.get(name=Role.FIRM_ADMIN))
    trail.record(
        action="user.made_admin",
        actor=actor,
        obj=target,
        data={"email": target.email},
        request=request,
    )
    # A gain of privilege: sessions opened under the old roles end (the user signs in again);
    # their API tokens stay, as the user's scripts lose nothing they were allowed.
    user_credentials_revoke(
        user=target, reason=REVOKED_ROLES_ADDED, actor=actor, request=request, tokens=False
    )
    return target


@transaction.atomic
def colleague_reactivate(
    *, actor: User, colleague: User, request: "HttpRequest | Request | None" = None
) -> User:
    """Let a deactivated colleague sign in again, with the roles they had."""
    _firm, target = _locked_colleague(actor, colleague)
    if target.is_active:
        raise ValidationError(_("This account is already active."), code="active")
    target.is_active = True
    target.save(update_fields=["is_active", "updated_at"])
    trail.record(
        action="user.reactivated",
        actor=actor,
        obj=target,
        data={"email": target.email},
        request=request,
    )
    return target


# --- The firm's profile -------------------------------------------------------------------------


@transaction.atomic
def firm_update(
    *,
    actor: User,
    name: str,
    name_local: str,
    address: str,
    compliance_programme_filed: bool,
    compliance_programme_filed_on: date | None,
    request: "HttpRequest | Request | None" = None,
) -> tuple[Firm, bool]:
    """Update the actor's firm: names, address and its compliance programme (CP) filing. The
    corporate number is the firm's identity and never changes here. Returns (firm, changed)."""
    firm = _require_firm_admin(actor)
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if compliance_programme_filed and compliance_programme_filed_on is None:
        raise ValidationError(
            {
                "compliance_programme_filed_on": ValidationError(
                    _("Enter the date the programme was filed."), code="date_required"
                )
            }
        )
    if not compliance_programme_filed and compliance_programme_filed_on is not None:
        raise ValidationError(
            {
                "compliance_programme_filed_on": ValidationError(
                    _("Leave the date empty when the programme has not been filed."),
                    code="date_without_filing",
                )
            }
        )
    if compliance_programme_filed_on is not None and compliance_programme_filed_on > (
        timezone.localdate()
    ):
        raise ValidationError(
            {
                "compliance_programme_filed_on": ValidationError(
                    _("The filing date cannot be in the future."), code="future"
                )
            }
        )
    new_values = {
        "name": name.strip(),
        "name_local": name_local.strip(),
        "address": address.strip(),
        "compliance_programme_filed": compliance_programme_filed,
        "compliance_programme_filed_on": compliance_programme_filed_on,
    }
    changes = {
        field: [getattr(firm, field), value]
        for field, value in new_values.items()
        if getattr(firm, field) != value
    }
    if not changes:
        return firm, False
    for field, value in new_values.items():
        setattr(firm, field, value)
    firm.full_clean()
    firm.save()
    trail.record(action="firm.updated", actor=actor, obj=firm, data=changes, request=request)
    return firm, True


# --- A user's own profile -----------------------------------------------------------------------


@transaction.atomic
def profile_update(
    *,
    actor: User,
    full_name: str,
    preferred_language: str,
    email_all_firm_notifications: bool | None = None,
    request: "HttpRequest | Request | None" = None,
) -> tuple[User, bool]:
    """Change the actor's own profile. ``email_all_firm_notifications`` (None: unchanged) is a
    firm user's choice to hear about every filing of the firm, not only their own."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if preferred_language not in ("ja", "en"):
        raise ValidationError(
            {"preferred_language": ValidationError(_("Choose a language."), code="invalid")}
        )
    new_values: dict[str, str | bool] = {
        "full_name": full_name.strip(),
        "preferred_language": preferred_language,
    }
    if email_all_firm_notifications is not None:
        if user.firm_id is None and email_all_firm_notifications:
            raise ValidationError(
                {
                    "email_all_firm_notifications": ValidationError(
                        _("Only a firm's users can receive their firm's e-mail."), code="no_firm"
                    )
                }
            )
        new_values["email_all_firm_notifications"] = bool(email_all_firm_notifications)
    changes = {
        field: [getattr(user, field), value]
        for field, value in new_values.items()
        if getattr(user, field) != value
    }
    if not changes:
        return user, False
    for field, value in new_values.items():
        setattr(user, field, value)
    user.save(update_fields=[*new_values, "updated_at"])
    trail.record(action="user.updated", actor=user, obj=user, data=changes, request=request)
    return user, True


# --- Password reset -----------------------------------------------------------------------------


@transaction.atomic
def password_reset_requested(
    *, email: str, matched: int, request: "HttpRequest | Request | None" = None
) -> None:
    """Audit a reset request. The visitor's answer never depends on ``matched``."""
    trail.record(
        action="password_reset.requested",
        object_type="auth",
        object_id="password_reset",
        data={"email": _lower(email)[:254], "matched_accounts": matched},
        request=request,
        actor_label=_lower(email)[:254],
    )


@transaction.atomic
def password_reset_complete(
    *, user: User, password: str, request: "HttpRequest | Request | None" = None
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    trail.record(action="password_reset.completed", actor=user, obj=user, request=request)
    # Someone who resets a password fears another person has it: whatever that person opened
    # with it (sessions, API tokens) ends now.
    user_credentials_revoke(user=user, reason=REVOKED_PASSWORD_RESET, actor=user, request=request)
    return user


# --- Credentials die together -------------------------------------------------------------------

REVOKED_PASSWORD_RESET = "password_reset"  # noqa: S105 (a reason code, not a password)
REVOKED_PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason code)
REVOKED_DEACTIVATED = "deactivated"
REVOKED_ROLES_REMOVED = "roles_removed"
REVOKED_ROLES_ADDED = "roles_added"
REVOCATION_REASONS = (
    REVOKED_PASSWORD_RESET,
    REVOKED_PASSWORD_CHANGED,
    REVOKED_DEACTIVATED,
    REVOKED_ROLES_REMOVED,
    REVOKED_ROLES_ADDED,
)


@transaction.atomic
def user_credentials_revoke(
    *,
    user: User,
    reason: str,
    actor: User | None = None,
    request: "HttpRequest | Request | None" = None,
    tokens: bool = True,
) -> list[dict]:
    """End every session of ``user`` and (unless ``tokens`` is False) delete every personal API
    token, in one audited step, and tell the user by e-mail which tokens died.

    Sessions end by raising ``User.session_generation``, which changes the hash every session
    carries (Django checks it on each request), so this works for any session store. A view
    that wants to keep the session it is answering calls ``update_session_auth_hash`` after this.
    Returns the revoked tokens as ``{"token_key", "created"}`` (never a secret)."""
    if reason not in REVOCATION_REASONS:
        raise ValueError(f"unknown revocation reason {reason!r}")
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    revoked: list[dict] = []
    if tokens:
        rows = list(
            AuthToken.objects.select_for_update().filter(user=user).order_by("created", "pk")
        )
        revoked = [{"token_key": row.token_key, "created": row.created} for row in rows]
        AuthToken.objects.filter(pk__in=[row.pk for row in rows]).delete()
    event = trail.record(
        action="credentials.revoked",
        actor=actor,
        obj=user,
        data={"reason": reason, "sessions_ended": True, "tokens": revoked},
        request=request,
    )
    if revoked:
        tasks.send_credentials_revoked_email.delay_on_commit(event.pk)
    return revoked


# --- Lockouts -----------------------------------------------------------------------------------

LOCK_SCOPES = ("address", "account")


def account_lock_notify(
    *, email: str, scope: str, request: "HttpRequest | Request | None" = None
) -> bool:
    """Record that an account was locked (``address``: django-axes locked one client address out
    of it; ``account``: the per-account throttle engaged) and mail its owner, once per lockout:
    a flood of attempts during the lockout sends nothing more. Unknown addresses are ignored.
    Returns whether the owner was told."""
    if scope not in LOCK_SCOPES:
        raise ValueError(f"unknown lock scope {scope!r}")
    email = normalise_email(email)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return False
    if scope == "address":
        ip = getattr(request, "axes_ip_address", None) or (
            request.META.get("REMOTE_ADDR", "") if request is not None else ""
        )
        lasts = int(float(settings.AXES_COOLOFF_TIME) * 3600)
    else:
        ip = ""
        lasts = throttle.failure_window()
    # cache.add is atomic: of two requests hitting the limit together, one sends the e-mail.
    if not cache.add(f"account-lock-notified:{scope}:{user.pk}", 1, timeout=max(lasts, 1)):
        return False
    with transaction.atomic():
        event = trail.record(
            action="auth.account_locked",
            obj=user,
            data={"scope": scope, "client_ip": ip, "lasts_seconds": lasts},
            request=request,
        )
        tasks.send_account_locked_email.delay_on_commit(event.pk)
    return True
