"""Access helpers (every branch) and the links that name sign-ups and invitations."""

import time
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from exportctl.accounts import selectors, services
from exportctl.accounts.models import Invitation, InvitationStatus, SignupRequest
from exportctl.accounts.signed_links import (
    INVITATION_SALT,
    make_invitation_token,
    make_signup_token,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_access_firm_for_admin_returns_the_admins_firm(admin):
    assert selectors.access_firm_for_admin(admin) == admin.firm


def test_access_firm_for_admin_refuses_anonymous():
    with pytest.raises(Http404):
        selectors.access_firm_for_admin(AnonymousUser())


def test_access_firm_for_admin_refuses_an_inactive_admin(admin):
    admin.is_active = False
    with pytest.raises(Http404):
        selectors.access_firm_for_admin(admin)


def test_access_firm_for_admin_refuses_a_user_without_a_firm():
    from exportctl.accounts.roles import Role

    with pytest.raises(Http404):
        selectors.access_firm_for_admin(UserFactory(roles=(Role.FIRM_ADMIN,)))


def test_access_firm_for_admin_refuses_an_exporter(colleague):
    with pytest.raises(Http404):
        selectors.access_firm_for_admin(colleague)


def test_access_colleague_for_admin(admin, colleague, other_admin):
    assert selectors.access_colleague_for_admin(user=admin, public_id=colleague.public_id) == (
        colleague
    )
    with pytest.raises(Http404):
        selectors.access_colleague_for_admin(user=admin, public_id=other_admin.public_id)
    with pytest.raises(Http404):
        selectors.access_colleague_for_admin(user=colleague, public_id=admin.public_id)


def test_access_invitation_for_admin(admin, other_admin):
    ours = services.invitation_send(actor=admin, email="a@kanto.example")
    theirs = services.invitation_send(actor=other_admin, email="b@other.example")

    assert selectors.access_invitation_for_admin(user=admin, public_id=ours.public_id) == ours
    with pytest.raises(Http404):
        selectors.access_invitation_for_admin(user=admin, public_id=theirs.public_id)
    with pytest.raises(Http404):
        selectors.access_invitation_for_admin(user=admin, public_id=uuid.uuid4())


def test_colleague_page_lists_only_the_firms_users_with_their_roles(admin, colleague, other_admin):
    page = selectors.colleague_page_for(user=admin, page_number=1)

    rows = [(u.email, u.role_labels, u.is_firm_admin) for u in page.object_list]
    assert rows == [
        ("admin@kanto.example", ["輸出者", "企業管理者"], True),
        ("taro@kanto.example", ["輸出者"], False),
    ]


def test_invitation_page_lists_only_the_firms_invitations(admin, other_admin):
    services.invitation_send(actor=admin, email="a@kanto.example")
    services.invitation_send(actor=admin, email="c@kanto.example")
    services.invitation_send(actor=other_admin, email="b@other.example")

    page = selectors.invitation_page_for(user=admin, page_number=1)

    assert [i.email for i in page.object_list] == ["c@kanto.example", "a@kanto.example"]


# --- Invitation links ---------------------------------------------------------------------------


@pytest.fixture
def invitation(admin) -> Invitation:
    return services.invitation_send(actor=admin, email="jiro@kanto.example")


def test_a_current_invitation_link_finds_its_invitation(invitation):
    assert selectors.invitation_from_token(make_invitation_token(invitation)) == invitation


def test_a_forged_invitation_link_finds_nothing(invitation):
    token = make_invitation_token(invitation)
    assert selectors.invitation_from_token(token[:-2] + "xx") is None
    assert selectors.invitation_from_token("not-a-token") is None
    forged = signing.dumps({"i": str(invitation.public_id), "n": 1}, salt="another-salt")
    assert selectors.invitation_from_token(forged) is None


def test_a_link_to_an_unknown_invitation_finds_nothing(db):
    token = signing.dumps({"i": str(uuid.uuid4()), "n": 1}, salt=INVITATION_SALT)
    assert selectors.invitation_from_token(token) is None


def test_a_superseded_invitation_link_finds_nothing(admin, invitation):
    token = make_invitation_token(invitation)
    services.invitation_resend(actor=admin, invitation=invitation)
    assert selectors.invitation_from_token(token) is None


@pytest.mark.parametrize("status", [InvitationStatus.ACCEPTED, InvitationStatus.REVOKED])
def test_a_used_or_revoked_invitation_link_finds_nothing(invitation, status):
    token = make_invitation_token(invitation)
    user = UserFactory()
    Invitation.objects.filter(pk=invitation.pk).update(
        status=status, accepted_at=timezone.now(), accepted_user=user
    )
    assert selectors.invitation_from_token(token) is None


def test_an_expired_invitation_link_finds_nothing(invitation):
    token = make_invitation_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert selectors.invitation_from_token(token) is None


def test_an_invitation_link_older_than_its_signature_allows_finds_nothing(invitation, monkeypatch):
    token = make_invitation_token(invitation)
    later = time.time() + timedelta(days=8).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert selectors.invitation_from_token(token) is None


# --- Sign-up links ------------------------------------------------------------------------------


@pytest.fixture
def signup(db) -> SignupRequest:
    return SignupRequest.objects.create(
        email="founder@kanto.example",
        full_name="Ichiro",
        password="x",
        firm_name="Kanto Precision",
        corporate_number="7000012050002",
        expires_at=timezone.now() + timedelta(days=1),
    )


def test_signup_links(signup):
    token = make_signup_token(signup)
    assert selectors.signup_request_from_token(token) == signup
    assert selectors.signup_request_from_token(token + "x") is None
    SignupRequest.objects.filter(pk=signup.pk).update(expires_at=timezone.now())
    assert selectors.signup_request_from_token(token) is None


def test_a_completed_signup_link_finds_nothing(signup):
    token = make_signup_token(signup)
    services.firm_signup_complete(signup=signup)
    assert selectors.signup_request_from_token(token) is None


def test_a_link_to_a_deleted_signup_finds_nothing(signup):
    token = make_signup_token(signup)
    SignupRequest.objects.filter(pk=signup.pk).delete()
    assert selectors.signup_request_from_token(token) is None


# --- Database constraints -----------------------------------------------------------------------


def test_database_refuses_a_second_pending_invitation_for_the_same_person(admin, invitation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            firm=admin.firm,
            email="jiro@kanto.example",
            invited_by=admin,
            expires_at=timezone.now() + timedelta(days=7),
        )
    assert Invitation.objects.count() == 1


def test_a_new_invitation_is_allowed_once_the_earlier_one_is_revoked(admin, invitation):
    services.invitation_revoke(actor=admin, invitation=invitation)
    again = services.invitation_send(actor=admin, email="jiro@kanto.example")
    assert again.pk != invitation.pk
    assert Invitation.objects.count() == 2


def test_database_refuses_an_accepted_invitation_without_its_user(invitation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.ACCEPTED)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_database_refuses_an_unknown_invitation_status(invitation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(status="lost")


def test_database_refuses_a_completed_signup_without_its_firm(signup):
    with pytest.raises(IntegrityError), transaction.atomic():
        SignupRequest.objects.filter(pk=signup.pk).update(completed_at=timezone.now())


def test_database_refuses_a_mixed_case_invitation_address(admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            firm=admin.firm,
            email="Jiro@kanto.example",
            invited_by=admin,
            expires_at=timezone.now(),
        )
