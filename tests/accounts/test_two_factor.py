"""Ministry staff pass a second factor (TOTP); failed sign-ins lock an e-mail/IP pair out."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from exportctl.audit.models import AuditEvent
from tests.factories import ExporterFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-2026"


def _password_only(client, user):
    """Sign in through the form, as a browser does: password only, no second factor yet."""
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return response


def _code(device, *, offset=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{totp.token():06d}"


@pytest.fixture
def reviewer():
    user = UserFactory(roles=["reviewer"], firm=None)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_reviewer_without_a_device_is_sent_to_enrol(client, reviewer):
    _password_only(client, reviewer)
    response = client.get(reverse("review:queue"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts_2fa:setup')}?next=/review/"


@pytest.fixture
def no_otp_backoff(settings):
    """django-otp also slows down a device after a wrong code (1 s, doubling); these tests enter
    the right code straight after a wrong one."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_enrolment_shows_a_qr_code_and_confirms_with_a_first_code(client, reviewer, no_otp_backoff):
    _password_only(client, reviewer)
    page = client.get(reverse("accounts_2fa:setup"), {"next": "/review/"})
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=reviewer)
    assert not device.confirmed

    wrong = client.post(reverse("accounts_2fa:setup"), {"code": "000000", "next": "/review/"})
    assert "code" in wrong.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("review:queue")).status_code == 302

    right = client.post(reverse("accounts_2fa:setup"), {"code": _code(device), "next": "/review/"})
    assert right["Location"] == "/review/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("review:queue")).status_code == 200
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["auth.otp_failed", "auth.otp_enrolled"]


def test_an_enrolled_reviewer_confirms_each_session(client, reviewer, no_otp_backoff):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    _password_only(client, reviewer)
    response = client.get(reverse("review:queue"))
    assert response["Location"] == f"{reverse('accounts_2fa:verify')}?next=/review/"
    refused = client.post(reverse("accounts_2fa:verify"), {"code": "123456", "next": "/review/"})
    assert refused.status_code == 200
    assert client.get(reverse("review:queue")).status_code == 302
    ok = client.post(reverse("accounts_2fa:verify"), {"code": _code(device), "next": "/review/"})
    assert ok["Location"] == "/review/"
    assert client.get(reverse("review:queue")).status_code == 200


def test_a_code_cannot_be_replayed(client, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    code = _code(device)
    _password_only(client, reviewer)
    assert client.post(reverse("accounts_2fa:verify"), {"code": code})["Location"] == "/"
    other = type(client)()
    _password_only(other, reviewer)
    assert other.post(reverse("accounts_2fa:verify"), {"code": code}).status_code == 200


def test_a_wrong_code_slows_the_device_down(client, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    _password_only(client, reviewer)
    client.post(reverse("accounts_2fa:verify"), {"code": "000000"})
    # The right code, straight after a wrong one, is refused while the device cools down.
    assert client.post(reverse("accounts_2fa:verify"), {"code": _code(device)}).status_code == 200
    assert client.get(reverse("review:queue")).status_code == 302


def test_the_next_parameter_cannot_send_the_user_off_site(client, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    _password_only(client, reviewer)
    response = client.post(
        reverse("accounts_2fa:verify"), {"code": _code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_firm_users_are_not_asked_for_a_second_factor(client):
    exporter = ExporterFactory()
    exporter.set_password(PASSWORD)
    exporter.save()
    _password_only(client, exporter)
    assert client.get(reverse("notifications:dashboard")).status_code == 200


def test_wrong_codes_are_rate_limited(client, reviewer, settings):
    settings.EXPORTCTL_OTP_RATE = "3/m"
    TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    _password_only(client, reviewer)
    statuses = [
        client.post(reverse("accounts_2fa:verify"), {"code": "000000"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_repeated_failed_sign_ins_lock_the_account_out_and_are_audited(client, reviewer):
    statuses = [
        client.post(
            reverse("accounts:login"), {"username": reviewer.email, "password": "wrong password"}
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the pair out
    locked = client.post(
        reverse("accounts:login"), {"username": reviewer.email, "password": PASSWORD}
    )
    assert locked.status_code == 429  # even the right password, until the cool-off ends
    assert "_auth_user_id" not in client.session
    # Every refused attempt is a failed sign-in, the locked-out ones too.
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 6
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 2
    event = AuditEvent.objects.filter(action="auth.locked_out").first()
    assert event.data == {"username": reviewer.email}
