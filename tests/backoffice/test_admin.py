"""The back office: reference data editable and audited; evidence and published lists read-only."""

import datetime

import pytest
from django.urls import reverse

from exportctl.audit.models import AuditEvent
from partners.models import CountryTier, ListSource, ListVersion, Tier
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client, admin


def test_changing_a_country_tier_in_the_admin_is_audited(staff_client):
    client, admin = staff_client
    tier = CountryTier.objects.create(
        country="KP", tier=Tier.values[0], effective_from=datetime.date(2025, 1, 1)
    )
    url = reverse("admin:partners_countrytier_change", args=[tier.pk])
    response = client.post(
        url,
        {
            "country": "KP",
            "tier": tier.tier,
            "effective_from": "2025-01-01",
            "effective_to": "2027-01-01",
            "legal_basis": "Cabinet order",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tier.refresh_from_db()
    assert tier.effective_to == datetime.date(2027, 1, 1)
    event = AuditEvent.objects.get(action="admin.changed")
    assert event.actor == admin
    assert event.object_type == "partners.countrytier"
    assert set(event.data["fields"]) == {"effective_to", "legal_basis"}


def test_deleting_reference_data_records_what_was_deleted(staff_client):
    client, _admin = staff_client
    tier = CountryTier.objects.create(
        country="IR", tier=Tier.values[0], effective_from=datetime.date(2025, 1, 1)
    )
    url = reverse("admin:partners_countrytier_delete", args=[tier.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not CountryTier.objects.filter(pk=tier.pk).exists()
    event = AuditEvent.objects.get(action="admin.deleted")
    assert event.data["values"]["country"] == "IR"


def test_a_published_list_version_cannot_be_changed(staff_client):
    client, _admin = staff_client
    source = ListSource.objects.create(code="test-list", name="Test", authority="METI")
    version = ListVersion.objects.create(
        source=source,
        label="2025-09",
        status="published",
        published_at=datetime.datetime(2025, 9, 29, tzinfo=datetime.UTC),
    )
    url = reverse("admin:partners_listversion_change", args=[version.pk])
    response = client.post(url, {"label": "tampered"})
    version.refresh_from_db()
    assert version.label == "2025-09"
    assert response.status_code in (200, 403)
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


@pytest.mark.parametrize(
    "url_name",
    ["admin:audit_auditevent_add", "admin:notifications_notification_add"],
)
def test_evidence_cannot_be_added_in_the_admin(staff_client, url_name):
    client, _admin = staff_client
    assert client.get(reverse(url_name)).status_code == 403


def test_a_notification_is_read_only_in_the_admin(staff_client):
    client, _admin = staff_client
    notification = NotificationFactory(title="Original")
    url = reverse("admin:notifications_notification_change", args=[notification.pk])
    client.post(url, {"title": "Changed", "status": "approved"})
    notification.refresh_from_db()
    assert (notification.title, notification.status) == ("Original", "draft")


def test_granting_a_role_in_the_admin_is_audited(staff_client):
    from django.contrib.auth.models import Group

    client, _admin = staff_client
    user = UserFactory()
    group = Group.objects.get(name="auditor")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "email": user.email,
        "full_name": "Audit Person",
        "preferred_language": user.preferred_language,
        "is_active": "on",
        "groups": [group.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(user.groups.values_list("name", flat=True)) == ["auditor"]
    event = AuditEvent.objects.get(action="admin.roles_changed")
    assert event.data == {"added": ["auditor"], "removed": []}
