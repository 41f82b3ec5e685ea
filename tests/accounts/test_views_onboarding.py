"""Onboarding pages: sign-up, firm admin pages, invitations, profile, password reset, and the
preferred language applied at sign-in. Refusals change nothing (rows, audit events, e-mail)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from exportctl.accounts.models import Firm, Invitation, InvitationStatus, SignupRequest, User
from exportctl.accounts.roles import Role
from exportctl.accounts.signed_links import make_invitation_token
from exportctl.audit.models import AuditEvent
from tests.accounts.conftest import (
    NEW_PASSWORD,
    PASSWORD,
    audit_actions,
    link_in,
    make_admin,
    outbox_to,
)
from tests.factories import ExporterFactory, FirmFactory

pytestmark = pytest.mark.django_db

VALID_NUMBER = "7000012050002"
WRONG_CHECK_DIGIT = "8000012050002"


@pytest.fixture
def en() -> Client:
    return Client(headers={"accept-language": "en"})


def signed_in(user, **headers) -> Client:
    client = Client(headers={"accept-language": "en", **headers})
    assert client.login(username=user.email, password=PASSWORD)
    return client


def page_without_csrf(response, email_prefix: str) -> str:
    html = response.content.decode().replace(email_prefix, "someone@")
    return re.sub(r'(csrf-token" content|csrfmiddlewaretoken" value)="[^"]+"', "", html)


def signup_data(**overrides) -> dict:
    data = {
        "corporate_number": VALID_NUMBER,
        "firm_name": "Kanto Precision Co., Ltd.",
        "firm_name_local": "関東精密株式会社",
        "address": "1-1 Marunouchi, Tokyo",
        "full_name": "Ichiro Founder",
        "email": "founder@kanto.example",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return {**data, **overrides}


# --- Sign-up ------------------------------------------------------------------------------------


def test_signup_page_has_every_field(en):
    html = en.get("/accounts/signup/").content.decode()

    assert "<title>Register your firm | Export pre-notification portal</title>" in html
    for field in ["corporate_number", "firm_name", "full_name", "email", "password1"]:
        assert f'for="id_{field}"' in html


def test_signup_with_a_wrong_check_digit_keeps_what_was_typed_and_creates_nothing(en):
    response = en.post("/accounts/signup/", signup_data(corporate_number=WRONG_CHECK_DIGIT))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Register your firm | Export pre-notification portal</title>" in html
    assert "the check digit does not match" in html
    assert f'value="{WRONG_CHECK_DIGIT}"' in html
    assert 'value="Kanto Precision Co., Ltd."' in html
    assert 'value="founder@kanto.example"' in html
    assert (SignupRequest.objects.count(), Firm.objects.count(), audit_actions()) == (0, 0, [])
    assert mail.outbox == []


def test_signup_for_a_registered_corporate_number_says_so_and_creates_nothing(en):
    FirmFactory(corporate_number=VALID_NUMBER)

    response = en.post("/accounts/signup/", signup_data())

    assert response.status_code == 200
    assert "A firm with this corporate number is already registered." in response.content.decode()
    assert (SignupRequest.objects.count(), User.objects.count(), audit_actions()) == (0, 0, [])
    assert mail.outbox == []


def test_signup_refuses_mismatched_and_weak_passwords(en):
    response = en.post("/accounts/signup/", signup_data(password2="something-else-2026"))
    assert "The two passwords do not match." in response.content.decode()

    response = en.post("/accounts/signup/", signup_data(password1="short", password2="short"))
    assert "This password is too short." in response.content.decode()
    assert SignupRequest.objects.count() == 0


def test_signup_answers_the_same_whether_or_not_the_address_has_an_account(
    django_capture_on_commit_callbacks,
):
    ExporterFactory(email="taken@kanto.example", preferred_language="en")  # mail in their language
    with django_capture_on_commit_callbacks(execute=True):
        new = Client(headers={"accept-language": "en"}).post(
            "/accounts/signup/", signup_data(email="new@kanto.example"), follow=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        taken = Client(headers={"accept-language": "en"}).post(
            "/accounts/signup/", signup_data(email="taken@kanto.example"), follow=True
        )

    assert new.redirect_chain == taken.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert page_without_csrf(new, "new@") == page_without_csrf(taken, "taken@")
    # Only the mailboxes learn the difference.
    assert "/accounts/signup/confirm/" in outbox_to("new@kanto.example")[0].body
    assert "already has an account" in outbox_to("taken@kanto.example")[0].body
    assert list(SignupRequest.objects.values_list("email", flat=True)) == ["new@kanto.example"]


def test_signup_is_rate_limited_by_ip(en, settings):
    settings.ACCOUNTS_SIGNUP_RATE = "2/m"
    en.post("/accounts/signup/", signup_data(email="a@kanto.example"))
    en.post("/accounts/signup/", signup_data(email="b@kanto.example"))

    response = en.post("/accounts/signup/", signup_data(email="c@kanto.example"))

    assert response.status_code == 429
    assert sorted(SignupRequest.objects.values_list("email", flat=True)) == [
        "a@kanto.example",
        "b@kanto.example",
    ]


def test_following_the_confirmation_link_creates_the_firm_and_signs_in(
    en, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        en.post("/accounts/signup/", signup_data())
    path = link_in(mail.outbox[0], "/accounts/signup/confirm/")

    page = en.get(path)
    assert page.status_code == 200
    assert "Kanto Precision Co., Ltd." in page.content.decode()
    assert Firm.objects.count() == 0  # a GET (a mail scanner) creates nothing

    response = en.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/firm/"
    assert response.cookies["django_language"].value == "en"
    user = User.objects.get(email="founder@kanto.example")
    assert user.roles == frozenset({Role.FIRM_ADMIN, Role.EXPORTER})
    assert user.firm.corporate_number == VALID_NUMBER
    firm_page = en.get("/accounts/firm/")
    assert firm_page.status_code == 200
    assert firm_page.context["user"] == user
    assert audit_actions() == ["firm.signup_requested", "firm.signed_up"]

    again = Client().post(path)
    assert again.status_code == 404
    assert (Firm.objects.count(), User.objects.count()) == (1, 1)


def test_a_tampered_confirmation_link_is_refused(en):
    response = en.get("/accounts/signup/confirm/not-a-real-token/")
    assert response.status_code == 404
    assert "This link cannot be used" in response.content.decode()


# --- Firm details and compliance programme ------------------------------------------------------


def test_firm_page_needs_a_firm_admin(admin, colleague):
    assert Client().get("/accounts/firm/").status_code == 302
    assert signed_in(colleague).get("/accounts/firm/").status_code == 404
    assert signed_in(colleague).post("/accounts/firm/", {"name": "Hijacked"}).status_code == 404
    assert Firm.objects.get(pk=admin.firm_id).name != "Hijacked"
    assert audit_actions() == []


def test_admin_records_the_compliance_programme(admin):
    client = signed_in(admin)
    firm = admin.firm

    response = client.post(
        "/accounts/firm/",
        {
            "name": firm.name,
            "name_local": firm.name_local,
            "address": firm.address,
            "compliance_programme_filed": "on",
            "compliance_programme_filed_on": "2026-04-01",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/accounts/firm/", 302)]
    assert "Filed on 2026-04-01" in response.content.decode()
    firm.refresh_from_db()
    assert firm.compliance_programme_filed is True
    assert str(firm.compliance_programme_filed_on) == "2026-04-01"
    assert audit_actions() == ["firm.updated"]


def test_a_filed_programme_without_a_date_keeps_the_input_and_changes_nothing(admin):
    response = signed_in(admin).post(
        "/accounts/firm/",
        {"name": "Typed Name K.K.", "compliance_programme_filed": "on"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the date the programme was filed." in html
    assert 'value="Typed Name K.K."' in html
    firm = Firm.objects.get(pk=admin.firm_id)
    assert (firm.name, firm.compliance_programme_filed) != ("Typed Name K.K.", True)
    assert audit_actions() == []


# --- Invitations and colleagues -----------------------------------------------------------------


def test_admin_invites_a_colleague(admin, django_capture_on_commit_callbacks):
    client = signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/firm/invitations/new/", {"email": "jiro@kanto.example"}, follow=True
        )

    assert response.redirect_chain == [("/accounts/firm/invitations/", 302)]
    html = response.content.decode()
    assert "An invitation has been sent to jiro@kanto.example." in html
    assert "jiro@kanto.example</th>" in html
    assert len(outbox_to("jiro@kanto.example")) == 1
    assert audit_actions() == ["invitation.sent"]


def test_a_non_admin_cannot_invite(colleague, django_capture_on_commit_callbacks):
    client = signed_in(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/firm/invitations/new/", {"email": "x@kanto.example"})

    assert response.status_code == 404
    assert client.get("/accounts/firm/invitations/").status_code == 404
    assert client.get("/accounts/firm/colleagues/").status_code == 404
    assert (Invitation.objects.count(), audit_actions(), mail.outbox) == (0, [], [])


def test_an_admin_cannot_touch_another_firms_invitations_or_users(admin, other_admin):
    from exportctl.accounts import services

    theirs = services.invitation_send(actor=other_admin, email="b@other.example")
    other_user = ExporterFactory(firm=other_admin.firm)
    client = signed_in(admin)

    for url in [
        f"/accounts/firm/invitations/{theirs.public_id}/resend/",
        f"/accounts/firm/invitations/{theirs.public_id}/revoke/",
        f"/accounts/firm/colleagues/{other_user.public_id}/deactivate/",
    ]:
        assert client.post(url).status_code == 404, url
    assert (
        client.get(f"/accounts/firm/colleagues/{other_user.public_id}/deactivate/").status_code
        == 404
    )

    theirs.refresh_from_db()
    other_user.refresh_from_db()
    assert (theirs.status, theirs.send_count, other_user.is_active) == ("pending", 1, True)
    assert audit_actions() == ["invitation.sent"]


def test_admin_resends_and_revokes(admin, django_capture_on_commit_callbacks):
    from exportctl.accounts import services

    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    client = signed_in(admin)
    assert (
        client.get(f"/accounts/firm/invitations/{invitation.public_id}/resend/").status_code == 405
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/accounts/firm/invitations/{invitation.public_id}/resend/")
    response = client.post(
        f"/accounts/firm/invitations/{invitation.public_id}/revoke/", follow=True
    )

    assert "The invitation to jiro@kanto.example has been revoked." in response.content.decode()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.send_count) == (InvitationStatus.REVOKED, 2)
    assert len(mail.outbox) == 1
    assert audit_actions() == ["invitation.sent", "invitation.resent", "invitation.revoked"]


def test_colleagues_page_and_deactivation(admin, colleague):
    client = signed_in(admin)
    html = client.get("/accounts/firm/colleagues/").content.decode()
    assert "taro@kanto.example" in html
    assert f"/accounts/firm/colleagues/{colleague.public_id}/deactivate/" in html

    response = client.post(
        f"/accounts/firm/colleagues/{colleague.public_id}/deactivate/", follow=True
    )

    assert "Taro Exporter can no longer sign in." in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.is_active is False
    assert not Client().login(username=colleague.email, password=PASSWORD)
    assert audit_actions() == ["user.deactivated", "credentials.revoked"]


def test_the_last_admin_cannot_deactivate_themselves_through_the_page(admin):
    response = signed_in(admin).post(
        f"/accounts/firm/colleagues/{admin.public_id}/deactivate/", follow=True
    )

    assert "You are the firm&#x27;s only administrator" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active is True
    assert audit_actions() == []


# --- Accepting an invitation --------------------------------------------------------------------


@pytest.fixture
def invitation(admin) -> Invitation:
    from exportctl.accounts import services

    return services.invitation_send(actor=admin, email="jiro@kanto.example")


def accept_data(**overrides) -> dict:
    data = {
        "full_name": "Jiro Newcomer",
        "preferred_language": "en",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return {**data, **overrides}


def test_invitee_sets_name_and_password_then_signs_in(en, admin, invitation):
    url = f"/accounts/invitation/{make_invitation_token(invitation)}/"
    page = en.get(url)
    assert page.status_code == 200
    assert 'id="invitation-email">jiro@kanto.example</dd>' in page.content.decode()

    response = en.post(url, accept_data(), follow=True)

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "Your account is ready." in response.content.decode()
    user = User.objects.get(email="jiro@kanto.example")
    assert (user.firm, user.roles) == (admin.firm, frozenset({Role.EXPORTER}))
    assert Client().login(username="jiro@kanto.example", password=NEW_PASSWORD)
    assert audit_actions() == ["invitation.sent", "invitation.accepted"]

    used = en.get(url)
    assert used.status_code == 404
    assert "This link cannot be used" in used.content.decode()


@pytest.mark.parametrize("state", ["expired", "revoked", "resent"])
def test_a_dead_invitation_link_is_refused_and_creates_nothing(en, admin, invitation, state):
    from exportctl.accounts import services

    url = f"/accounts/invitation/{make_invitation_token(invitation)}/"
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    elif state == "revoked":
        services.invitation_revoke(actor=admin, invitation=invitation)
    else:
        services.invitation_resend(actor=admin, invitation=invitation)
    events = audit_actions()

    assert en.get(url).status_code == 404
    assert en.post(url, accept_data()).status_code == 404
    assert not User.objects.filter(email="jiro@kanto.example").exists()
    assert audit_actions() == events


def test_invitation_acceptance_is_rate_limited_by_ip(en, invitation, settings):
    settings.ACCOUNTS_INVITATION_RATE = "2/m"
    url = f"/accounts/invitation/{make_invitation_token(invitation)}/"
    en.get(url)
    en.get("/accounts/invitation/guess/")

    response = en.post(url, accept_data())

    assert response.status_code == 429
    assert not User.objects.filter(email="jiro@kanto.example").exists()


def test_invitation_form_errors_keep_the_name(en, invitation):
    url = f"/accounts/invitation/{make_invitation_token(invitation)}/"
    response = en.post(url, accept_data(password2="different-password-2026"))

    html = response.content.decode()
    assert "The two passwords do not match." in html
    assert 'value="Jiro Newcomer"' in html
    assert not User.objects.filter(email="jiro@kanto.example").exists()


# --- Profile and the language at sign-in --------------------------------------------------------


def test_profile_saves_name_and_language_and_switches_the_language(colleague):
    client = signed_in(colleague)

    response = client.post(
        "/accounts/profile/", {"full_name": "Taro Renamed", "preferred_language": "ja"}
    )

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ja"
    colleague.refresh_from_db()
    assert colleague.full_name == "Taro Renamed"
    page = client.get("/accounts/profile/")
    assert '<html lang="ja">' in page.content.decode()
    assert audit_actions() == ["user.updated"]


def test_profile_needs_sign_in():
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_sign_in_applies_the_preferred_language(colleague):
    User.objects.filter(pk=colleague.pk).update(preferred_language="en")
    client = Client()  # Japanese by default

    response = client.post("/accounts/login/", {"username": colleague.email, "password": PASSWORD})

    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/", follow=True).content.decode()


def test_a_language_chosen_in_the_browser_before_sign_in_stands(colleague):
    User.objects.filter(pk=colleague.pk).update(preferred_language="en")
    client = Client()
    client.post("/i18n/setlang/", {"language": "ja", "next": "/accounts/login/"})

    response = client.post("/accounts/login/", {"username": colleague.email, "password": PASSWORD})

    assert "django_language" not in response.cookies
    assert '<html lang="ja">' in client.get("/", follow=True).content.decode()


# --- Password reset -----------------------------------------------------------------------------


def test_password_reset_by_email_in_the_users_language(colleague):
    User.objects.filter(pk=colleague.pk).update(preferred_language="en")
    client = Client()  # the visitor's page is Japanese; the e-mail follows the user

    response = client.post("/accounts/password/reset/", {"email": "TARO@kanto.example"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (
        ["taro@kanto.example"],
        "[exportctl] Reset your password",
    )
    path = link_in(message, "/accounts/password/reset/")

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == "/accounts/password/reset/complete/"
    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)
    assert audit_actions() == [
        "password_reset.requested",
        "password_reset.completed",
        "credentials.revoked",  # issue 19: a reset ends every session and token
    ]
    assert AuditEvent.objects.first().data == {
        "email": "taro@kanto.example",
        "matched_accounts": 1,
    }
    # The link works once.
    reused = Client().get(path, follow=True)
    assert "This link cannot be used" in reused.content.decode() or (
        "リンク" in reused.content.decode()
    )
    assert reused.context["validlink"] is False


def test_password_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(db):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@kanto.example"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []
    assert AuditEvent.objects.get().data == {
        "email": "nobody@kanto.example",
        "matched_accounts": 0,
    }


def test_password_reset_is_rate_limited(settings, colleague):
    settings.ACCOUNTS_PASSWORD_RESET_RATE = "1/m"
    client = Client()
    client.post("/accounts/password/reset/", {"email": colleague.email})

    response = client.post("/accounts/password/reset/", {"email": colleague.email})

    assert response.status_code == 429
    assert len(mail.outbox) == 1
    assert audit_actions() == ["password_reset.requested"]


def test_sign_in_page_links_to_reset_and_sign_up(en):
    html = en.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in html
    assert 'href="/accounts/signup/"' in html


def test_a_second_admin_can_be_deactivated_by_the_first(admin):
    second = make_admin(firm=admin.firm, email="second@kanto.example")
    signed_in(admin).post(f"/accounts/firm/colleagues/{second.public_id}/deactivate/")
    second.refresh_from_db()
    assert second.is_active is False
