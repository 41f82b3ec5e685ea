"""Issue 19, findings 1, 2, 4 and 11: one identity at every door, a per-account throttle that
cannot lock the owner out for long, a lock e-mail, credentials that die together, a new session
key at each gain of privilege, and a reset link that never comes from the Host header.

Each ``test_finding_*`` test reproduces the finding as it was measured; the others cover each
door, each revocation path, the throttle and the audit events.
"""

import importlib
import re

import pytest
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from exportctl.accounts import emails, services, throttle
from exportctl.accounts.models import User
from exportctl.accounts.roles import Role
from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from tests.factories import ExporterFactory, FirmFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-2026"
NEW_PASSWORD = "violet-harbour-lantern-2026"
BASE_URL = "https://portal.exportctl.example"
LOGIN = "/accounts/login/"
OBTAIN = "/api/v1/auth/token/"
ME = "/api/v1/auth/token/current/"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    """Throttles and "already told" markers live in the cache; each test starts empty."""
    settings.PUBLIC_BASE_URL = BASE_URL
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def exporter(db) -> User:
    return ExporterFactory(
        email="exporter@example.com",
        full_name="Ex Porter",
        preferred_language="en",
        firm=FirmFactory(),
        roles=(Role.EXPORTER, Role.FIRM_ADMIN),
    )


def _web(ip: str = "10.0.0.1", **extra) -> Client:
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en", **extra)


def _sign_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def _obtain(email: str, password: str, ip: str = "10.0.0.1"):
    client = APIClient(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
    return client.post(OBTAIN, {"email": email, "password": password}, format="json")


def _token_works(secret: str) -> int:
    client = APIClient(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.delete(ME).status_code  # 204 while the token lives, 401 after


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def _signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and not response["Location"].startswith(LOGIN)


# --- Finding 1: the lockout is side-stepped by letter case ---------------------------------------


def test_finding_1_letter_case_variants_share_one_lockout(exporter):
    client = _web()
    variants = [
        "exporter@example.com",
        "Exporter@example.com",
        "EXPORTER@example.com",
        "exporter@EXAMPLE.com",
        " eXporter@example.COM ",
    ]
    # Before the fix each spelling had five tries of its own; now the fifth failure, whatever
    # its spelling, locks the one account out for this address.
    statuses = [_sign_in(client, v, "wrong-password-0000").status_code for v in variants]
    assert statuses == [200, 200, 200, 200, 429]

    response = _sign_in(client, "Exporter@Example.COM", PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(client)
    assert _actions().count("auth.login") == 0


def test_any_door_that_calls_authenticate_counts_under_the_one_name(exporter, rf):
    """The guard behind every form: django-axes itself counts the normalised address, so a door
    that passes the visitor's spelling straight to ``authenticate`` cannot side-step it."""
    spellings = ["EXPORTER@example.com", "Exporter@Example.com", "exporter@EXAMPLE.COM"]
    spellings += ["eXporter@example.com", "exPorter@example.com"]
    for spelling in spellings:
        request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.1")
        assert authenticate(request, username=spelling, password="wrong-password-0000") is None

    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.1")
    assert authenticate(request, username="EXPORTER@EXAMPLE.COM", password=PASSWORD) is None
    assert request.axes_locked_out is True
    assert AccessAttempt.objects.get().username == "exporter@example.com"


def test_stored_addresses_are_trimmed_and_lower_cased(db):
    user = User.objects.create_user(" Mixed.Case@Example.COM ", password=PASSWORD)

    assert user.email == "mixed.case@example.com"
    assert User.objects.get_by_natural_key("  MIXED.case@example.com") == user


def test_the_web_door_signs_in_any_spelling_as_the_one_account(exporter):
    client = _web()
    for _ in range(4):
        _sign_in(client, "exporter@example.com", "wrong-password-0000")

    response = _sign_in(client, "  EXPORTER@Example.com ", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == exporter.pk
    # The success, in another spelling, cleared the account's failures: a new slip is not the
    # fifth one.
    client.post("/accounts/logout/")
    assert _sign_in(client, "exporter@example.com", "wrong-password-0000").status_code == 200


def test_the_token_door_counts_every_spelling_against_the_same_lockout(exporter):
    for variant in ("Exporter@example.com", "EXPORTER@example.com", "exporter@Example.com"):
        assert _obtain(variant, "wrong-password-0000").status_code == 401
    # The web door and the API door share the counter of the one account.
    client = _web()
    assert _sign_in(client, "eXporter@example.com", "wrong-password-0000").status_code == 200
    assert _sign_in(client, "exporteR@example.com", "wrong-password-0000").status_code == 429

    response = _obtain("EXPORTER@example.com", PASSWORD)

    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "locked_out"
    assert not AuthToken.objects.filter(user=exporter).exists()
    locked = AuditEvent.objects.filter(action="auth.locked_out").last()
    assert locked.data == {"username": "exporter@example.com"}


def test_the_failed_token_request_is_audited_under_the_normalised_address(exporter):
    assert _obtain("Exporter@Example.COM", "wrong-password-0000").status_code == 401

    event = AuditEvent.objects.get(action="api_token.obtain_failed")
    assert event.data == {"email": "exporter@example.com", "reason": "invalid_credentials"}


def test_the_admin_door_counts_every_spelling_against_the_same_lockout(db):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, firm=None)
    client = _web()
    statuses = [
        client.post("/admin/login/", {"username": v, "password": "wrong"}).status_code
        for v in (
            "Staff@example.com",
            "STAFF@example.com",
            "staff@EXAMPLE.com",
            "sTaff@example.com",
            "stAff@example.com",
        )
    ]
    assert statuses == [200, 200, 200, 200, 429]

    response = client.post("/admin/login/", {"username": "STAFF@Example.com", "password": PASSWORD})

    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still sent to sign in
    assert staff.pk not in AuditEvent.objects.filter(action="auth.login").values_list(
        "actor_id", flat=True
    )


def test_the_admin_door_signs_in_any_spelling(db):
    UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, firm=None)
    client = _web()

    response = client.post(
        "/admin/login/", {"username": " STAFF@Example.com ", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_reset_door_mails_the_one_account_for_any_spelling(exporter):
    response = _web().post("/accounts/password/reset/", {"email": "  EXPORTER@Example.com "})

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["exporter@example.com"]]
    event = AuditEvent.objects.get(action="password_reset.requested")
    assert event.data == {"email": "exporter@example.com", "matched_accounts": 1}


# --- The per-account throttle ---------------------------------------------------------------------


@pytest.fixture
def low_account_limit(settings):
    settings.EXPORTCTL_ACCOUNT_FAILURE_LIMIT = 3
    settings.EXPORTCTL_ACCOUNT_COOLDOWN_SECONDS = 30
    settings.EXPORTCTL_ACCOUNT_COOLDOWN_MAX_SECONDS = 300


def test_guesses_from_many_addresses_are_throttled_per_account(exporter, low_account_limit):
    for n in range(3):
        client = _web(ip=f"192.0.2.{n + 1}")
        assert _sign_in(client, "exporter@example.com", "wrong-password-0000").status_code == 200
    events = AuditEvent.objects.count()

    stranger = _web(ip="198.51.100.7")
    response = _sign_in(stranger, "EXPORTER@example.com", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "Wait 30 seconds" in response.content.decode()
    assert not _signed_in(stranger)
    exporter.refresh_from_db()
    assert exporter.last_login is None  # the password was never checked
    assert [e.action for e in AuditEvent.objects.filter(seq__gt=events).order_by("seq")] == [
        "auth.login_failed",
        "auth.account_throttled",
    ]
    assert AuditEvent.objects.get(action="auth.account_throttled").data == {
        "username": "exporter@example.com",
        "retry_after": 30,
    }


def test_the_api_door_is_throttled_per_account_too(exporter, low_account_limit):
    for n in range(3):
        assert _obtain("exporter@example.com", "wrong", ip=f"192.0.2.{n + 1}").status_code == 401

    response = _obtain("Exporter@example.com", PASSWORD, ip="198.51.100.7")

    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "account_throttled"
    assert not AuthToken.objects.exists()


def test_the_cool_down_is_short_and_ends_by_itself(exporter, low_account_limit, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    for n in range(3):
        _sign_in(_web(ip=f"192.0.2.{n + 1}"), "exporter@example.com", "wrong-password-0000")
    assert throttle.seconds_left("exporter@example.com") == 30

    # Attempts during the cool-down neither count nor lengthen it.
    for _ in range(5):
        assert _sign_in(_web(ip="192.0.2.9"), "exporter@example.com", "x").status_code == 429
    assert throttle.seconds_left("exporter@example.com") == 30

    now[0] += 31
    owner = _web(ip="203.0.113.5")
    assert _sign_in(owner, "exporter@example.com", PASSWORD).status_code == 302
    assert _signed_in(owner)
    assert throttle.seconds_left("exporter@example.com") == 0  # a success clears the count


def test_the_cool_down_doubles_up_to_a_cap_of_minutes(settings, low_account_limit):
    assert [throttle.cooldown_seconds(n) for n in range(2, 9)] == [0, 30, 60, 120, 240, 300, 300]
    assert throttle.cooldown_seconds(10_000) == 300


def test_a_browser_that_signed_in_before_is_not_throttled(exporter, low_account_limit):
    owner = _web(ip="203.0.113.5")
    assert _sign_in(owner, "exporter@example.com", PASSWORD).status_code == 302
    assert throttle.DEVICE_COOKIE in owner.cookies
    owner.post("/accounts/logout/")
    for n in range(3):
        _sign_in(_web(ip=f"192.0.2.{n + 1}"), "exporter@example.com", "wrong-password-0000")
    assert _sign_in(_web(ip="192.0.2.9"), "exporter@example.com", PASSWORD).status_code == 429

    response = _sign_in(owner, "exporter@example.com", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(owner)


def test_a_device_cookie_of_another_account_does_not_help(exporter, low_account_limit):
    other = _web(ip="203.0.113.5")
    other.cookies[throttle.DEVICE_COOKIE] = throttle.device_cookie_value("someone@example.com")
    for n in range(3):
        _sign_in(_web(ip=f"192.0.2.{n + 1}"), "exporter@example.com", "wrong-password-0000")

    assert _sign_in(other, "exporter@example.com", PASSWORD).status_code == 429


# --- Telling the owner of a lockout ---------------------------------------------------------------


def test_the_owner_is_told_once_when_the_account_is_locked(
    exporter, django_capture_on_commit_callbacks
):
    client = _web(ip="192.0.2.44")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            _sign_in(client, "Exporter@example.com", "wrong-password-0000")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["exporter@example.com"]
    assert (
        message.subject == "[exportctl] Sign-in to your account was blocked after failed attempts"
    )
    assert "from the address 192.0.2.44" in message.body
    assert "blocked for 15 minutes" in message.body
    assert f"{BASE_URL}/accounts/password/reset/" in message.body
    event = AuditEvent.objects.get(action="auth.account_locked")
    assert (event.object_id, event.data) == (
        str(exporter.public_id),
        {"scope": "address", "client_ip": "192.0.2.44", "lasts_seconds": 900},
    )


def test_the_lock_e_mail_is_in_the_owners_language(
    exporter, django_capture_on_commit_callbacks, monkeypatch
):
    User.objects.filter(pk=exporter.pk).update(preferred_language="ja")
    rendered = []
    original = emails._render
    monkeypatch.setattr(
        emails, "_render", lambda t, c, lang: rendered.append((t, lang)) or original(t, c, lang)
    )
    client = _web(ip="192.0.2.44")  # the visitor's page is English; the e-mail follows the owner
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            _sign_in(client, "exporter@example.com", "wrong-password-0000")

    assert len(mail.outbox) == 1
    assert rendered == [("account_locked", "ja")]
    assert f"{BASE_URL}/accounts/password/reset/" in mail.outbox[0].body


def test_the_owner_is_told_when_the_account_throttle_engages(
    exporter, low_account_limit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            _sign_in(_web(ip=f"192.0.2.{n + 1}"), "exporter@example.com", "wrong-password-0000")
        _sign_in(_web(ip="192.0.2.9"), "exporter@example.com", "wrong-password-0000")

    assert len(mail.outbox) == 1
    assert "from several addresses" in mail.outbox[0].body
    assert AuditEvent.objects.get(action="auth.account_locked").data["scope"] == "account"


def test_no_e_mail_for_an_address_without_an_account(db, django_capture_on_commit_callbacks):
    client = _web()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            _sign_in(client, "nobody@example.com", "wrong-password-0000")

    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="auth.account_locked").exists()


# --- Finding 2: credentials die together --------------------------------------------------------


def _reset_through_the_page(email: str) -> Client:
    visitor = _web(ip="203.0.113.9")
    visitor.post("/accounts/password/reset/", {"email": email})
    body = mail.outbox[-1].body
    path = re.search(rf"{re.escape(BASE_URL)}(/accounts/password/reset/\S+)", body).group(1)
    form = visitor.get(path, follow=True)
    done = visitor.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    return visitor


def test_finding_2_a_token_dies_with_a_password_reset(exporter, django_capture_on_commit_callbacks):
    created = _obtain("exporter@example.com", PASSWORD)
    assert created.status_code == 201
    secret = created.json()["token"]
    other_session = _web(ip="192.0.2.50")
    assert _sign_in(other_session, "exporter@example.com", PASSWORD).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        _reset_through_the_page("exporter@example.com")

    assert _token_works(secret) == 401
    assert not AuthToken.objects.filter(user=exporter).exists()
    assert not _signed_in(other_session)


def test_a_reset_is_audited_and_the_owner_told_which_tokens_died(
    exporter, django_capture_on_commit_callbacks
):
    first, secret_one = api_token_create(actor=exporter, expires_in_days=None, via="page")
    second, secret_two = api_token_create(actor=exporter, expires_in_days=30, via="page")

    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_complete(user=exporter, password=NEW_PASSWORD)

    event = AuditEvent.objects.get(action="credentials.revoked")
    assert (event.actor_id, event.object_id) == (exporter.pk, str(exporter.public_id))
    assert event.data["reason"] == "password_reset"
    assert event.data["sessions_ended"] is True
    assert [t["token_key"] for t in event.data["tokens"]] == [first.token_key, second.token_key]
    (message,) = mail.outbox
    assert message.to == ["exporter@example.com"]
    assert message.subject == "[exportctl] Your sessions and API tokens were ended"
    assert "The password of your account" in message.body
    assert f"- {first.token_key}… (created " in message.body
    assert f"- {second.token_key}… (created " in message.body
    assert secret_one not in message.body and secret_two not in message.body
    assert f"{BASE_URL}/accounts/tokens/" in message.body


def test_the_revocation_rolls_back_with_its_transaction(exporter):
    api_token_create(actor=exporter, expires_in_days=None, via="page")
    generation = exporter.session_generation

    with pytest.raises(ValueError):
        services.user_credentials_revoke(user=exporter, reason="whim")

    exporter.refresh_from_db()
    assert exporter.session_generation == generation
    assert AuthToken.objects.filter(user=exporter).count() == 1
    assert not AuditEvent.objects.filter(action="credentials.revoked").exists()


def test_a_password_change_in_the_admin_revokes_tokens_and_sessions(exporter):
    _token, secret = api_token_create(actor=exporter, expires_in_days=None, via="page")
    their_session = _web(ip="192.0.2.50")
    _sign_in(their_session, "exporter@example.com", PASSWORD)
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, firm=None)
    admin_client = _web()
    admin_client.force_login(staff)

    response = admin_client.post(
        f"/admin/accounts/user/{exporter.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert _token_works(secret) == 401
    assert not _signed_in(their_session)
    event = AuditEvent.objects.get(action="credentials.revoked")
    assert (event.actor_id, event.data["reason"]) == (staff.pk, "password_changed")


def test_an_admin_changing_their_own_password_keeps_only_this_session(db):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, firm=None)
    here, elsewhere = _web(), _web(ip="192.0.2.50")
    here.force_login(staff)
    elsewhere.force_login(staff)

    response = here.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert here.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


def test_deactivating_a_colleague_revokes_their_tokens_and_sessions(
    exporter, django_capture_on_commit_callbacks
):
    colleague = ExporterFactory(firm=exporter.firm, email="taro@example.com")
    token, _secret = api_token_create(actor=colleague, expires_in_days=None, via="page")
    their_session = _web(ip="192.0.2.50")
    their_session.force_login(colleague)

    with django_capture_on_commit_callbacks(execute=True):
        services.colleague_deactivate(actor=exporter, colleague=colleague)

    assert not AuthToken.objects.filter(user=colleague).exists()
    assert not _signed_in(their_session)
    event = AuditEvent.objects.get(action="credentials.revoked")
    assert (event.actor_id, event.data["reason"]) == (exporter.pk, "deactivated")
    assert [t["token_key"] for t in event.data["tokens"]] == [token.token_key]
    assert [m.to for m in mail.outbox] == [["taro@example.com"]]
    assert token.token_key in mail.outbox[0].body


def test_deactivating_in_the_admin_revokes_tokens(exporter):
    _token, secret = api_token_create(actor=exporter, expires_in_days=None, via="page")
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, firm=None)
    admin_client = _web()
    admin_client.force_login(staff)
    page = admin_client.get(f"/admin/accounts/user/{exporter.pk}/change/")
    data = _form_data(page)
    data.pop("is_active", None)

    response = admin_client.post(f"/admin/accounts/user/{exporter.pk}/change/", data)

    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=exporter).exists()
    assert _token_works(secret) == 401
    event = AuditEvent.objects.get(action="credentials.revoked")
    assert (event.actor_id, event.data["reason"]) == (staff.pk, "deactivated")


def test_removing_a_role_in_the_admin_revokes_tokens_and_sessions(exporter):
    _token, secret = api_token_create(actor=exporter, expires_in_days=None, via="page")
    their_session = _web(ip="192.0.2.50")
    their_session.force_login(exporter)
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True, firm=None)
    admin_client = _web()
    admin_client.force_login(staff)
    page = admin_client.get(f"/admin/accounts/user/{exporter.pk}/change/")
    data = _form_data(page)
    data["groups"] = [str(Group.objects.get(name=Role.EXPORTER).pk)]

    response = admin_client.post(f"/admin/accounts/user/{exporter.pk}/change/", data)

    assert response.status_code == 302
    assert set(exporter.groups.values_list("name", flat=True)) == {Role.EXPORTER}
    assert _token_works(secret) == 401
    assert not _signed_in(their_session)
    assert _actions()[-2:] == ["admin.roles_changed", "credentials.revoked"]
    assert AuditEvent.objects.get(action="credentials.revoked").data["reason"] == "roles_removed"


def test_a_new_role_ends_the_sessions_opened_under_the_old_roles(exporter):
    colleague = ExporterFactory(firm=exporter.firm, email="taro@example.com")
    token, _secret = api_token_create(actor=colleague, expires_in_days=None, via="page")
    their_session = _web(ip="192.0.2.50")
    their_session.force_login(colleague)

    services.colleague_make_admin(actor=exporter, colleague=colleague)

    assert not _signed_in(their_session)
    assert AuthToken.objects.filter(user=colleague).count() == 1  # a gain takes nothing away
    event = AuditEvent.objects.get(action="credentials.revoked")
    assert event.data == {"reason": "roles_added", "sessions_ended": True, "tokens": []}


def test_sessions_opened_before_the_generation_field_stay_valid(exporter):
    client = _web()
    client.force_login(exporter)
    assert exporter.session_generation == 0

    assert _signed_in(client)


def _form_data(page) -> dict:
    """The admin change form's current values, as the browser would post them back."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "password":
            continue
        if name == "groups":
            data[name] = [str(getattr(g, "pk", g)) for g in (value or [])]
        elif name == "firm":
            data[name] = str(getattr(value, "pk", value) or "")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for name in ("date_joined", "last_login"):
        data.pop(name, None)
    data["user_permissions"] = []
    return data


# --- Finding 4: a new session key at each gain of privilege --------------------------------------


@pytest.fixture
def reviewer(db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return UserFactory(email="reviewer@example.com", roles=[Role.REVIEWER], firm=None)


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_finding_4_the_session_key_changes_at_the_second_factor(reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="authenticator", confirmed=True)
    client = _web()
    assert _sign_in(client, "reviewer@example.com", PASSWORD).status_code == 302
    before = client.session.session_key

    response = client.post(reverse("accounts_2fa:verify"), {"code": _code(device), "next": "/"})

    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.get(reverse("review:queue")).status_code == 200  # the new key is verified


def test_the_session_key_changes_at_enrolment_too(reviewer):
    client = _web()
    _sign_in(client, "reviewer@example.com", PASSWORD)
    client.get(reverse("accounts_2fa:setup"))
    device = TOTPDevice.objects.get(user=reviewer)
    before = client.session.session_key

    response = client.post(reverse("accounts_2fa:setup"), {"code": _code(device), "next": "/"})

    assert response.status_code == 302
    assert client.session.session_key != before


def test_the_session_key_changes_at_the_password(exporter):
    client = _web()
    client.get(LOGIN)
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key
    before = client.cookies["sessionid"].value

    assert _sign_in(client, "exporter@example.com", PASSWORD).status_code == 302

    assert client.cookies["sessionid"].value != before


# --- Finding 11: the reset link never comes from the Host header --------------------------------


def test_finding_11_the_reset_link_uses_the_public_base_url(exporter, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example", "testserver"]
    visitor = Client(HTTP_HOST="evil.example")

    response = visitor.post("/accounts/password/reset/", {"email": "exporter@example.com"})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert "evil.example" not in message.body
    assert f"{BASE_URL}/accounts/password/reset/" in message.body


# --- Stored addresses -----------------------------------------------------------------------------

_trim_migration = importlib.import_module("exportctl.accounts.migrations.0005_user_email_trimmed")


def test_the_migration_trims_padded_addresses(db):
    padded = UserFactory(email="padded@example.com")
    User.objects.filter(pk=padded.pk).update(email="  padded@example.com ")

    _trim_migration.trim_emails(django_apps, None)

    padded.refresh_from_db()
    assert padded.email == "padded@example.com"


def test_the_migration_stops_rather_than_merge_two_accounts(db):
    UserFactory(email="twin@example.com")
    padded = UserFactory(email="other@example.com")
    User.objects.filter(pk=padded.pk).update(email=" twin@example.com")

    with pytest.raises(RuntimeError, match="share the address 'twin@example.com'"):
        _trim_migration.trim_emails(django_apps, None)

    padded.refresh_from_db()
    assert padded.email == " twin@example.com"
