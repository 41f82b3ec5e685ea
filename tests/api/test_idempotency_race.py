"""Two retries of one create arriving at the same moment (PostgreSQL: real concurrent rows)."""

import threading

import pytest
from django.db import close_old_connections, connection

from notifications.models import Item, Notification
from tests.api.conftest import token_client
from tests.api.test_notifications import BASE, NEW_DRAFT

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent inserts need PostgreSQL (DATABASE_URL)",
    ),
]


def test_two_simultaneous_creates_with_one_key_file_once(transactional_db, exporter):
    clients = [token_client(exporter), token_client(exporter)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    ids: set[str] = set()

    def create(client):
        try:
            barrier.wait()
            response = client.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="po-9")
            statuses.append(response.status_code)
            ids.add(response.json()["id"])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=create, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 201]
    assert len(ids) == 1
    assert Notification.objects.count() == 1
    assert Item.objects.count() == 1
