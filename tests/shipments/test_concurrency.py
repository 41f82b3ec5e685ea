"""Two shipments that together exceed the balance, sent at the same moment on their own
connections: the permit's row lock lets exactly one through; the other is refused by rule 13."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from notifications import shipments
from notifications.shipment_models import Shipment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks across connections: needs PostgreSQL"
    ),
]


def test_concurrent_shipments_cannot_both_spend_the_balance(transactional_db):
    from tests.factories import ExporterFactory
    from tests.shipments.conftest import grant_permit

    exporter = ExporterFactory()
    permit = grant_permit(exporter.firm)
    attempts = 4
    barrier = threading.Barrier(attempts)
    recorded, refused, failures = [], [], []

    def ship():
        try:
            barrier.wait()
            recorded.append(
                shipments.shipment_record(
                    permit=permit,
                    actor=exporter,
                    shipped_on=timezone.localdate(),
                    quantities={1: Decimal("6")},
                )
            )
        except shipments.ShipmentRefused as error:
            refused.append(error.problems)
        except Exception as error:  # a deadlock must show in the assertion
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ship) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert (len(recorded), len(refused)) == (1, attempts - 1)
    assert Shipment.objects.count() == 1
    assert [line.balance for line in shipments.balances(permit)] == [Decimal(4), Decimal(4)]
