"""Reads for accounts, with their access rules.

Every ``access_*`` helper returns the object or raises Http404 — never 403 — so a firm admin can
neither change nor learn of another firm's users and invitations.
"""

from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from exportctl import access
from exportctl.accounts.models import Firm, Invitation, InvitationStatus, SignupRequest, User
from exportctl.accounts.roles import Role
from exportctl.accounts.signed_links import read_invitation_token, read_signup_token

PAGE_SIZE = 25


def access_firm_for_admin(user: User) -> Firm:
    """The firm that ``user`` administers; 404 for anyone who is not an active firm admin."""
    access.require_firm_admin(user)
    firm = user.firm
    if firm is None:  # never: a firm administrator has a firm (narrows the type)
        access.refuse(access.Area.FIRM_ADMIN)
    return firm


def access_colleague_for_admin(*, user: User, public_id: UUID | str) -> User:
    firm = access_firm_for_admin(user)
    colleague = User.objects.filter(firm=firm, public_id=public_id).first()
    if colleague is None:
        raise Http404
    return colleague


def access_invitation_for_admin(*, user: User, public_id: UUID | str) -> Invitation:
    firm = access_firm_for_admin(user)
    invitation = Invitation.objects.filter(firm=firm, public_id=public_id).first()
    if invitation is None:
        raise Http404
    return invitation


def colleagues_for(*, user: User) -> QuerySet[User]:
    firm = access_firm_for_admin(user)
    return (
        User.objects.filter(firm=firm)
        .prefetch_related(Prefetch("groups"))
        .order_by("-is_active", "email", "pk")
    )


def colleague_page_for(*, user: User, page_number: int | str | None) -> Page:
    page = Paginator(colleagues_for(user=user), PAGE_SIZE).get_page(page_number)
    for colleague in page.object_list:
        names = {group.name for group in colleague.groups.all()}
        roles = access.roles_of_groups(names)
        colleague.role_labels = [role.label for role in Role if role in roles]
        colleague.is_firm_admin = access.grants_firm_admin(roles)
    return page


def invitation_page_for(*, user: User, page_number: int | str | None) -> Page:
    firm = access_firm_for_admin(user)
    invitations = (
        Invitation.objects.filter(firm=firm)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )
    return Paginator(invitations, PAGE_SIZE).get_page(page_number)


def signup_request_from_token(token: str) -> SignupRequest | None:
    """The pending sign-up a link names, or None when the link is forged, stale or used."""
    public_id = read_signup_token(token)
    if public_id is None:
        return None
    signup = SignupRequest.objects.filter(public_id=public_id).first()
    if signup is None:
        return None
    if signup.completed_at is not None:
        return None
    if signup.expires_at <= timezone.now():
        return None
    return signup


def invitation_from_token(token: str) -> Invitation | None:
    """The pending invitation a link names, or None when the link is forged, superseded by a
    resend, expired, accepted or revoked. The caller shows one page for all of these."""
    payload = read_invitation_token(token)
    if payload is None:
        return None
    public_id, send_count = payload
    invitation = Invitation.objects.select_related("firm").filter(public_id=public_id).first()
    if invitation is None:
        return None
    if invitation.send_count != send_count:
        return None
    if invitation.status != InvitationStatus.PENDING:
        return None
    if invitation.is_expired:
        return None
    return invitation
