"""Onboarding services: sign-up, invitations, colleagues, firm profile, profile, password reset.
A refused call changes nothing: no rows, no audit events, no e-mail."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from exportctl.accounts import selectors, services
from exportctl.accounts.models import Firm, Invitation, InvitationStatus, SignupRequest, User
from exportctl.accounts.roles import Role
from exportctl.accounts.signed_links import make_invitation_token, make_signup_token
from exportctl.audit.models import AuditEvent
from tests.accounts.conftest import NEW_PASSWORD, audit_actions, link_in, make_admin
from tests.factories import ExporterFactory, FirmFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VALID_NUMBER = "7000012050002"


def request_signup(**overrides):
    fields = {
        "email": "Founder@Kanto.example",
        "full_name": "Ichiro Founder",
        "password": NEW_PASSWORD,
        "firm_name": "Kanto Precision Co., Ltd.",
        "firm_name_local": "関東精密株式会社",
        "corporate_number": VALID_NUMBER,
        "address": "1-1 Marunouchi, Tokyo",
        "language": "en",
    }
    return services.firm_signup_request(**{**fields, **overrides})


def pending_signup(**overrides) -> SignupRequest:
    fields = {
        "email": "founder@kanto.example",
        "full_name": "Ichiro Founder",
        "password": "md5$unused$0",
        "firm_name": "Kanto Precision Co., Ltd.",
        "corporate_number": VALID_NUMBER,
        "expires_at": timezone.now() + timedelta(days=1),
    }
    return SignupRequest.objects.create(**{**fields, **overrides})


# --- Sign-up ------------------------------------------------------------------------------------


def test_signup_request_records_it_and_mails_a_confirmation_link(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        signup = request_signup()

    assert signup.email == "founder@kanto.example"
    assert signup.password != NEW_PASSWORD
    assert check_password(NEW_PASSWORD, signup.password)
    assert signup.completed_at is None
    assert Firm.objects.count() == 0
    assert User.objects.count() == 0
    assert audit_actions() == ["firm.signup_requested"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["founder@kanto.example"]
    assert message.subject == "[exportctl] Confirm the registration of Kanto Precision Co., Ltd."
    path = link_in(message, "/accounts/signup/confirm/")
    token = path.removeprefix("/accounts/signup/confirm/").rstrip("/")
    assert selectors.signup_request_from_token(token) == signup


def test_signup_request_for_a_registered_corporate_number_changes_nothing(
    django_capture_on_commit_callbacks,
):
    FirmFactory(corporate_number=VALID_NUMBER)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        request_signup()

    assert error.value.message_dict == {
        "corporate_number": [
            "A firm with this corporate number is already registered. Ask its firm "
            "administrator to invite you."
        ]
    }
    assert SignupRequest.objects.count() == 0
    assert Firm.objects.count() == 1
    assert audit_actions() == []
    assert mail.outbox == []


def test_signup_request_for_a_registered_address_tells_that_address_and_records_nothing(
    django_capture_on_commit_callbacks,
):
    existing = ExporterFactory(email="founder@kanto.example", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        result = request_signup()

    assert result is None
    assert SignupRequest.objects.count() == 0
    assert Firm.objects.count() == 1  # the existing user's own firm only
    assert audit_actions() == ["firm.signup_refused"]
    assert AuditEvent.objects.get().object_id == str(existing.public_id)
    assert [m.to for m in mail.outbox] == [["founder@kanto.example"]]
    assert mail.outbox[0].subject == (
        "[exportctl] A registration was attempted with your e-mail address"
    )
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_signup_complete_creates_the_firm_and_its_admin():
    signup = pending_signup(password=services.make_password(NEW_PASSWORD))

    user = services.firm_signup_complete(signup=signup)

    firm = Firm.objects.get()
    assert (firm.name, firm.corporate_number) == ("Kanto Precision Co., Ltd.", VALID_NUMBER)
    assert user.firm == firm
    assert user.email == "founder@kanto.example"
    assert user.check_password(NEW_PASSWORD)
    assert user.roles == frozenset({Role.FIRM_ADMIN, Role.EXPORTER})
    signup.refresh_from_db()
    assert signup.completed_at is not None
    assert signup.firm == firm
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.firm_id) == ("firm.signed_up", user.pk, firm.pk)


def test_signup_complete_twice_is_refused_and_changes_nothing():
    signup = pending_signup()
    services.firm_signup_complete(signup=signup)

    with pytest.raises(ValidationError) as error:
        services.firm_signup_complete(signup=signup)

    assert error.value.code == "invalid_link"
    assert Firm.objects.count() == 1
    assert User.objects.count() == 1
    assert audit_actions() == ["firm.signed_up"]


def test_signup_complete_after_expiry_is_refused():
    signup = pending_signup(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(ValidationError):
        services.firm_signup_complete(signup=signup)

    assert (Firm.objects.count(), User.objects.count(), audit_actions()) == (0, 0, [])


def test_signup_complete_when_the_number_was_registered_meanwhile_is_refused():
    signup = pending_signup()
    FirmFactory(corporate_number=VALID_NUMBER)

    with pytest.raises(ValidationError) as error:
        services.firm_signup_complete(signup=signup)

    assert error.value.code == "taken"
    assert (Firm.objects.count(), User.objects.count(), audit_actions()) == (1, 0, [])
    signup.refresh_from_db()
    assert signup.completed_at is None


def test_signup_complete_when_the_address_was_registered_meanwhile_is_refused():
    signup = pending_signup()
    UserFactory(email="founder@kanto.example")

    with pytest.raises(ValidationError):
        services.firm_signup_complete(signup=signup)

    assert (Firm.objects.count(), User.objects.count(), audit_actions()) == (0, 1, [])


# --- Invitations --------------------------------------------------------------------------------


def test_invitation_send_creates_a_pending_invitation_and_mails_a_bilingual_link(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(actor=admin, email=" Jiro@Kanto.example ")

    assert invitation.email == "jiro@kanto.example"
    assert invitation.firm == admin.firm
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.send_count == 1
    assert invitation.expires_at - invitation.last_sent_at == timedelta(days=7)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.firm_id) == (
        "invitation.sent",
        admin.pk,
        admin.firm_id,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jiro@kanto.example"]
    firm_name = admin.firm.name_local
    assert message.subject.endswith(f" / [exportctl] Invitation to join {firm_name}")
    assert "has invited you to file export notifications" in message.body
    path = link_in(message, "/accounts/invitation/")
    token = path.removeprefix("/accounts/invitation/").rstrip("/")
    assert selectors.invitation_from_token(token) == invitation


def test_an_exporter_who_is_not_admin_cannot_invite(colleague, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.invitation_send(actor=colleague, email="jiro@kanto.example")

    assert (Invitation.objects.count(), audit_actions(), mail.outbox) == (0, [], [])


def test_inviting_an_existing_colleague_is_refused(admin, colleague):
    with pytest.raises(ValidationError) as error:
        services.invitation_send(actor=admin, email="TARO@kanto.example")

    assert error.value.message_dict == {
        "email": ["This person already has an account at your firm."]
    }
    assert (Invitation.objects.count(), audit_actions()) == (0, [])


def test_inviting_the_same_address_again_resends_and_voids_the_first_link(admin):
    first = services.invitation_send(actor=admin, email="jiro@kanto.example")
    first_token = make_invitation_token(first)

    again = services.invitation_send(actor=admin, email="jiro@kanto.example")

    assert again.pk == first.pk
    assert Invitation.objects.count() == 1
    assert again.send_count == 2
    assert selectors.invitation_from_token(first_token) is None
    assert selectors.invitation_from_token(make_invitation_token(again)) == again
    assert audit_actions() == ["invitation.sent", "invitation.resent"]


def test_resending_extends_the_expiry(admin, django_capture_on_commit_callbacks):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    invitation.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        resent = services.invitation_resend(actor=admin, invitation=invitation)

    assert resent.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 1


def test_revoke_ends_the_invitation_and_its_link(admin):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    token = make_invitation_token(invitation)

    services.invitation_revoke(actor=admin, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert invitation.revoked_by == admin
    assert selectors.invitation_from_token(token) is None
    assert audit_actions() == ["invitation.sent", "invitation.revoked"]


@pytest.mark.parametrize("service", ["invitation_resend", "invitation_revoke"])
def test_resend_or_revoke_of_a_finished_invitation_is_refused(admin, service):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    services.invitation_revoke(actor=admin, invitation=invitation)

    with pytest.raises(ValidationError) as error:
        getattr(services, service)(actor=admin, invitation=invitation)

    assert error.value.code == "not_pending"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.send_count) == (InvitationStatus.REVOKED, 1)
    assert audit_actions() == ["invitation.sent", "invitation.revoked"]


@pytest.mark.parametrize("service", ["invitation_resend", "invitation_revoke"])
def test_an_admin_cannot_resend_or_revoke_another_firms_invitation(admin, other_admin, service):
    invitation = services.invitation_send(actor=other_admin, email="jiro@kanto.example")

    with pytest.raises(Invitation.DoesNotExist):
        getattr(services, service)(actor=admin, invitation=invitation)

    invitation.refresh_from_db()
    assert (invitation.status, invitation.send_count) == (InvitationStatus.PENDING, 1)
    assert audit_actions() == ["invitation.sent"]


def test_accepting_makes_the_invitee_an_exporter_of_the_firm(admin):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")

    user = services.invitation_accept(
        invitation=invitation,
        full_name="Jiro Newcomer",
        password=NEW_PASSWORD,
        preferred_language="en",
    )

    assert (user.email, user.full_name, user.firm) == (
        "jiro@kanto.example",
        "Jiro Newcomer",
        admin.firm,
    )
    assert user.preferred_language == "en"
    assert user.roles == frozenset({Role.EXPORTER})
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_user) == (InvitationStatus.ACCEPTED, user)
    assert audit_actions() == ["invitation.sent", "invitation.accepted"]
    assert AuditEvent.objects.last().actor_id == user.pk


def test_an_invitation_is_accepted_only_once(admin):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    services.invitation_accept(
        invitation=invitation, full_name="Jiro", password=NEW_PASSWORD, preferred_language="ja"
    )

    with pytest.raises(ValidationError) as error:
        services.invitation_accept(
            invitation=invitation,
            full_name="Mallory",
            password=NEW_PASSWORD,
            preferred_language="ja",
        )

    assert error.value.code == "invalid_link"
    assert User.objects.filter(email="jiro@kanto.example").count() == 1
    assert User.objects.get(email="jiro@kanto.example").full_name == "Jiro"
    assert audit_actions() == ["invitation.sent", "invitation.accepted"]


def test_an_expired_invitation_cannot_be_accepted(admin):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation,
            full_name="Jiro",
            password=NEW_PASSWORD,
            preferred_language="ja",
        )

    assert not User.objects.filter(email="jiro@kanto.example").exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert audit_actions() == ["invitation.sent"]


def test_an_invitation_for_an_address_with_an_account_elsewhere_is_refused(admin):
    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    elsewhere = ExporterFactory(email="jiro@kanto.example")

    with pytest.raises(ValidationError) as error:
        services.invitation_accept(
            invitation=invitation,
            full_name="Jiro",
            password=NEW_PASSWORD,
            preferred_language="ja",
        )

    assert error.value.code == "email_registered"
    elsewhere.refresh_from_db()
    assert elsewhere.firm != admin.firm
    assert audit_actions() == ["invitation.sent"]


def test_the_invitation_task_sends_nothing_for_a_revoked_invitation(admin):
    from exportctl.accounts.tasks import send_invitation_email

    invitation = services.invitation_send(actor=admin, email="jiro@kanto.example")
    services.invitation_revoke(actor=admin, invitation=invitation)

    assert send_invitation_email(invitation.pk) == 0
    assert mail.outbox == []


# --- Colleagues ---------------------------------------------------------------------------------


def test_an_admin_deactivates_a_colleague(admin, colleague):
    services.colleague_deactivate(actor=admin, colleague=colleague)

    colleague.refresh_from_db()
    assert colleague.is_active is False
    event, revoked = AuditEvent.objects.order_by("seq")
    assert (event.action, event.actor_id, event.object_id) == (
        "user.deactivated",
        admin.pk,
        str(colleague.public_id),
    )
    assert event.data == {"email": "taro@kanto.example", "was_admin": False}
    # Deactivation ends every session and token of the colleague, on the record (issue 19).
    assert (revoked.action, revoked.actor_id, revoked.object_id) == (
        "credentials.revoked",
        admin.pk,
        str(colleague.public_id),
    )
    assert revoked.data == {"reason": "deactivated", "sessions_ended": True, "tokens": []}


def test_the_last_admin_cannot_deactivate_themselves(admin, colleague):
    with pytest.raises(ValidationError) as error:
        services.colleague_deactivate(actor=admin, colleague=admin)

    assert error.value.code == "last_admin"
    admin.refresh_from_db()
    assert admin.is_active is True
    assert audit_actions() == []


def test_an_admin_may_deactivate_themselves_when_another_admin_remains(admin):
    second = make_admin(firm=admin.firm, email="second@kanto.example")

    services.colleague_deactivate(actor=admin, colleague=admin)

    admin.refresh_from_db()
    second.refresh_from_db()
    assert (admin.is_active, second.is_active) == (False, True)
    assert AuditEvent.objects.get(action="user.deactivated").data == {
        "email": "admin@kanto.example",
        "was_admin": True,
    }
    assert audit_actions() == ["user.deactivated", "credentials.revoked"]


def test_deactivating_an_inactive_colleague_is_refused(admin, colleague):
    User.objects.filter(pk=colleague.pk).update(is_active=False)

    with pytest.raises(ValidationError) as error:
        services.colleague_deactivate(actor=admin, colleague=colleague)

    assert error.value.code == "inactive"
    assert audit_actions() == []


def test_an_admin_cannot_deactivate_another_firms_user(admin, other_admin):
    with pytest.raises(PermissionDenied):
        services.colleague_deactivate(actor=admin, colleague=other_admin)

    other_admin.refresh_from_db()
    assert other_admin.is_active is True
    assert audit_actions() == []


def test_an_exporter_cannot_deactivate_anyone(admin, colleague):
    with pytest.raises(PermissionDenied):
        services.colleague_deactivate(actor=colleague, colleague=admin)

    admin.refresh_from_db()
    assert admin.is_active is True
    assert audit_actions() == []


# --- The firm's profile -------------------------------------------------------------------------


def firm_fields(firm, **overrides) -> dict:
    fields = {
        "name": firm.name,
        "name_local": firm.name_local,
        "address": firm.address,
        "compliance_programme_filed": firm.compliance_programme_filed,
        "compliance_programme_filed_on": firm.compliance_programme_filed_on,
    }
    return {**fields, **overrides}


def test_firm_update_records_the_compliance_programme(admin):
    firm, changed = services.firm_update(
        actor=admin,
        **firm_fields(
            admin.firm,
            compliance_programme_filed=True,
            compliance_programme_filed_on=date(2026, 4, 1),
        ),
    )

    assert changed is True
    firm.refresh_from_db()
    assert (firm.compliance_programme_filed, firm.compliance_programme_filed_on) == (
        True,
        date(2026, 4, 1),
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.firm_id) == ("firm.updated", admin.pk, firm.pk)
    assert event.data == {
        "compliance_programme_filed": [False, True],
        "compliance_programme_filed_on": [None, "2026-04-01"],
    }


def test_firm_update_without_changes_writes_no_event(admin):
    _firm, changed = services.firm_update(actor=admin, **firm_fields(admin.firm))

    assert changed is False
    assert audit_actions() == []


@pytest.mark.parametrize(
    ("filed", "filed_on", "code"),
    [
        (True, None, "date_required"),
        (False, date(2026, 4, 1), "date_without_filing"),
        (True, date.today() + timedelta(days=30), "future"),
    ],
)
def test_firm_update_refuses_an_inconsistent_programme(admin, filed, filed_on, code):
    with pytest.raises(ValidationError) as error:
        services.firm_update(
            actor=admin,
            **firm_fields(
                admin.firm,
                compliance_programme_filed=filed,
                compliance_programme_filed_on=filed_on,
            ),
        )

    assert error.value.error_dict["compliance_programme_filed_on"][0].code == code
    firm = Firm.objects.get(pk=admin.firm_id)
    assert (firm.compliance_programme_filed, firm.compliance_programme_filed_on) == (False, None)
    assert audit_actions() == []


def test_an_exporter_cannot_update_the_firm(colleague):
    with pytest.raises(PermissionDenied):
        services.firm_update(actor=colleague, **firm_fields(colleague.firm, name="Renamed"))

    assert Firm.objects.get(pk=colleague.firm_id).name != "Renamed"
    assert audit_actions() == []


# --- Profile and password -----------------------------------------------------------------------


def test_profile_update_changes_name_and_language(colleague):
    user, changed = services.profile_update(
        actor=colleague, full_name="Taro Renamed", preferred_language="en"
    )

    assert changed is True
    user.refresh_from_db()
    assert (user.full_name, user.preferred_language) == ("Taro Renamed", "en")
    event = AuditEvent.objects.get()
    assert (event.action, event.data) == (
        "user.updated",
        {"full_name": ["Taro Exporter", "Taro Renamed"], "preferred_language": ["ja", "en"]},
    )


def test_profile_update_refuses_an_unknown_language(colleague):
    with pytest.raises(ValidationError):
        services.profile_update(actor=colleague, full_name="Taro", preferred_language="fr")

    colleague.refresh_from_db()
    assert (colleague.full_name, colleague.preferred_language) == ("Taro Exporter", "ja")
    assert audit_actions() == []


def test_password_reset_complete_sets_the_password_and_is_audited(colleague):
    services.password_reset_complete(user=colleague, password=NEW_PASSWORD)

    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)
    event, revoked = AuditEvent.objects.order_by("seq")
    assert (event.action, event.actor_id) == ("password_reset.completed", colleague.pk)
    # A reset ends every session and token of the user (issue 19).
    assert (revoked.action, revoked.data["reason"]) == ("credentials.revoked", "password_reset")


def test_the_signup_link_token_names_its_request():
    signup = pending_signup()
    assert selectors.signup_request_from_token(make_signup_token(signup)) == signup
