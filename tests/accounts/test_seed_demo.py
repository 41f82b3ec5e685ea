import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from partners.models import CountryTier, KeyTechnology, ListedEntry, ListVersion, SpecifiedHsScope

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {
    "exporter@example.com": {Role.EXPORTER},
    "firmadmin@example.com": {Role.FIRM_ADMIN, Role.EXPORTER},
    "reviewer@example.com": {Role.REVIEWER},
    "senior@example.com": {Role.REVIEWER, Role.SENIOR_REVIEWER},
    "listmanager@example.com": {Role.LIST_MANAGER},
    "auditor@example.com": {Role.AUDITOR},
}


def _counts():
    return (
        User.objects.count(),
        Firm.objects.count(),
        CountryTier.objects.count(),
        KeyTechnology.objects.count(),
        SpecifiedHsScope.objects.count(),
        ListVersion.objects.count(),
        ListedEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def test_seed_demo_creates_users_reference_data_and_the_end_user_list(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo")

    for email, roles in EXPECTED_ROLES.items():
        user = authenticate(HttpRequest(), username=email, password="demo-password-2026")
        assert user is not None, email
        assert user.roles == roles
        assert (user.firm is not None) == bool(roles & {Role.EXPORTER, Role.FIRM_ADMIN})
    firm = Firm.objects.get()
    assert firm.corporate_number == "8999999999901"
    assert set(CountryTier.objects.filter(tier="group_a").values_list("country", flat=True)) >= {
        "US",
        "KR",
        "GB",
        "DE",
    }
    assert CountryTier.objects.filter(tier="country_of_concern").count() == 3
    assert KeyTechnology.objects.filter(code="mlcc").exists()
    assert SpecifiedHsScope.objects.get(hs_prefix="854290").excluded is True
    version = ListVersion.objects.get(source__code="meti-eul")
    assert version.status == "published"
    assert version.entry_count == 835
    assert ListedEntry.objects.filter(version=version).count() == 835
    entry = ListedEntry.objects.get(version=version, name="Amir Kabir University of Technology")
    assert entry.country == "IR"
    assert entry.concern_codes == ["B", "C", "M", "N"]


def test_seed_demo_is_idempotent(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo")
    assert _counts() == (0, 0, 0, 0, 0, 0, 0, 0)


def test_demo_ministry_accounts_have_a_documented_authenticator(settings):
    import base64
    import io

    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert sorted(devices.values_list("user__email", flat=True)) == [
        "auditor@example.com",
        "listmanager@example.com",
        "reviewer@example.com",
        "senior@example.com",
    ]
    # The README gives the key in base32, as authenticator apps take it.
    assert base64.b32encode(devices.first().bin_key).decode() == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    out = io.StringIO()
    call_command("demo_otp", "reviewer@example.com", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert devices.get(user__email="reviewer@example.com").verify_token(code)
