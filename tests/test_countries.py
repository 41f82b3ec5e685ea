"""Country codes are checked against ISO 3166-1 wherever one is typed: the exporter's wizard and
API, the reviewer's and auditor's filters, the self-check; the refusal names the field and
changes nothing."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from exportctl.audit.models import AuditEvent
from exportctl.countries import COUNTRY_CODES, is_country_code, validate_country_code
from notifications import drafts
from notifications.models import Notification, Party, PartyRole
from tests.factories import ExporterFactory, NotificationFactory

pytestmark = pytest.mark.django_db

NOT_COUNTRIES = ["AA", "ZZ", "XK", "EU", "UK", "QQ"]  # unassigned, user-assigned or reserved


@pytest.fixture
def exporter():
    return ExporterFactory()


@pytest.fixture
def api(exporter) -> APIClient:
    client = APIClient()
    client.force_authenticate(exporter)
    return client


def _errors(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_the_reference_set_is_iso_3166_1_alpha_2():
    assert len(COUNTRY_CODES) == 249
    assert {"JP", "US", "IR", "KP", "TW", "HK", "AE", "RU", "BY", "DE"} <= COUNTRY_CODES
    for code in NOT_COUNTRIES:
        assert not is_country_code(code), code
    with pytest.raises(ValidationError) as refused:
        validate_country_code("AA")
    assert refused.value.code == "invalid_country"


def test_api_create_with_a_code_that_is_no_country_is_400_naming_the_field(api):
    response = api.post(
        "/api/v1/notifications/",
        {"title": "Lathes", "destination_country": "AA"},
        format="json",
    )

    assert response.status_code == 400
    errors = _errors(response)
    assert list(errors) == ["destination_country"]
    assert "AA" in errors["destination_country"]
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_api_create_accepts_a_real_code_in_either_case(api):
    response = api.post(
        "/api/v1/notifications/", {"title": "Lathes", "destination_country": "vn"}, format="json"
    )

    assert response.status_code == 201
    assert Notification.objects.get().destination_country == "VN"


def test_api_party_with_a_code_that_is_no_country_is_400_naming_the_field(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)

    response = api.post(
        f"/api/v1/notifications/{draft.public_id}/parties/",
        {"role": "consignee", "name": "Bangkok Freight Co.", "country": "ZZ"},
        format="json",
    )

    assert response.status_code == 400
    assert list(_errors(response)) == ["country"]
    assert not Party.objects.filter(notification=draft).exists()


def test_api_list_filter_by_a_code_that_is_no_country_is_400(api, exporter):
    NotificationFactory(firm=exporter.firm, destination_country="TH")

    assert api.get("/api/v1/notifications/", {"destination": "th"}).status_code == 200
    response = api.get("/api/v1/notifications/", {"destination": "AA"})

    assert response.status_code == 400
    assert "destination" in response.content.decode()


def test_the_draft_services_refuse_a_code_that_is_no_country(exporter):
    """The services refuse it too, so no door (form, API, admin, a script) can store one."""
    with pytest.raises(ValidationError) as refused:
        drafts.draft_create(actor=exporter, title="Lathes", destination_country="AA")
    assert list(refused.value.message_dict) == ["destination_country"]

    draft = NotificationFactory(firm=exporter.firm, destination_country="TH")
    with pytest.raises(ValidationError) as refused:
        drafts.draft_update(notification=draft, actor=exporter, destination_country="aa")
    assert list(refused.value.message_dict) == ["destination_country"]
    with pytest.raises(ValidationError) as refused:
        drafts.party_add(
            notification=draft,
            actor=exporter,
            role=PartyRole.CONSIGNEE,
            name="Bangkok Freight Co.",
            country="QQ",
        )
    assert "country" in refused.value.message_dict

    draft.refresh_from_db()
    assert draft.destination_country == "TH"
    assert Notification.objects.count() == 1
    assert not Party.objects.filter(notification=draft).exists()


def test_the_wizard_refuses_a_code_that_is_no_country_at_the_field(client, exporter):
    draft = NotificationFactory(firm=exporter.firm, destination_country="TH")
    client.force_login(exporter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(
        f"/notifications/{draft.public_id}/edit/parties/",
        {
            "action": "destination",
            "destination_country": "AA",
            "planned_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        },
    )

    draft.refresh_from_db()
    assert draft.destination_country == "TH"
    assert response.status_code == 200
    form = response.context["destination_form"]
    assert list(form.errors) == ["destination_country"]
    assert form.errors["destination_country"] == ["Select a country or region from the list."]
    # A select cannot show a value that is not one of its options: nothing is selected.
    assert "selected" not in str(form["destination_country"]).split('value=""')[1]


def test_the_self_check_api_refuses_a_code_that_is_no_country(api):
    response = api.post(
        "/api/v1/screening/self-check/", {"name": "Sharif University", "country": "AA"}
    )

    assert response.status_code == 400
    assert list(_errors(response)) == ["country"]
