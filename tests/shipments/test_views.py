"""The permit page: balance, recording a shipment, a refusal shown in the reader's language, and
another firm's permit answered 404."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import shipments
from notifications.enforcement_models import Violation
from notifications.shipment_models import Shipment
from tests.factories import ExporterFactory
from tests.shipments.conftest import grant_permit

pytestmark = pytest.mark.django_db


def _url(permit):
    return reverse("notifications:permit", args=[permit.notification.public_id, permit.public_id])


def test_the_exporter_records_a_shipment_and_sees_the_balance(client, permit, exporter):
    client.force_login(exporter)
    response = client.post(
        _url(permit),
        {
            "shipped_on": timezone.localdate().isoformat(),
            "customs_reference": "1234-5678",
            "quantity_1": "4",
            "quantity_2": "",
        },
    )
    assert response.status_code == 302
    assert [line.balance for line in shipments.balances(permit)] == [Decimal(6), Decimal(4)]
    page = client.get(_url(permit), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split('data-item="1"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-balance>6</td>' in row
    assert "1234-5678" in page


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "is more than the balance"), ("ja", "data-item")]
)
def test_an_over_balance_shipment_is_refused_on_the_page(
    client, permit, exporter, language, expected
):
    client.force_login(exporter)
    response = client.post(
        _url(permit),
        {"shipped_on": timezone.localdate().isoformat(), "quantity_1": "11"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="shipment-refused"' in page and expected in page
    assert not Shipment.objects.exists()
    assert Violation.objects.filter(kind="shipment_beyond_permit").count() == 1


def test_another_firms_permit_is_a_404(client, permit):
    client.force_login(ExporterFactory())
    assert client.get(_url(permit)).status_code == 404
    response = client.post(
        _url(permit), {"shipped_on": timezone.localdate().isoformat(), "quantity_1": "1"}
    )
    assert response.status_code == 404
    assert not Shipment.objects.exists()


def test_a_permit_of_another_filing_of_the_same_firm_is_a_404(client, permit, exporter):
    other = grant_permit(exporter.firm, number="PM-2026-900002")
    client.force_login(exporter)
    url = reverse("notifications:permit", args=[permit.notification.public_id, other.public_id])
    assert client.get(url).status_code == 404


def test_the_case_page_links_to_the_permit(client, permit, exporter):
    client.force_login(exporter)
    page = client.get(reverse("notifications:detail", args=[permit.notification.public_id]))
    assert _url(permit) in page.content.decode()


def test_the_refusal_names_the_quantities_as_people_write_them(client, permit, exporter):
    client.force_login(exporter)
    page = client.post(
        _url(permit),
        {"shipped_on": timezone.localdate().isoformat(), "quantity_1": "11.5"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "the quantity shipped (11.5) is more than the balance left on the permit (10)" in page
