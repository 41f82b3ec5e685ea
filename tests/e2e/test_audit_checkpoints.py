"""An outside auditor reads the audit trail's signed checkpoints without signing in and takes the
JSON feed; the ministry's auditor presses "Verify the chain", sees the trail match its
checkpoints, and — once the newest events have been deleted behind the portal's back — sees the
deletion named."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection

from exportctl.accounts.roles import Role
from exportctl.audit import trail
from exportctl.audit.checkpoints import checkpoint_create
from exportctl.audit.models import CheckpointReason
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "auditor-password-2026"


def _delete_newest_events(from_seq: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("DELETE FROM audit_auditevent WHERE seq >= %s", [from_seq])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_delete")
            cursor.execute("DELETE FROM audit_auditevent WHERE seq >= %s", [from_seq])


def test_checkpoints_are_public_and_the_auditor_sees_a_deleted_tail(page, live_server):
    for n in range(4):
        trail.record(action="test.e2e", data={"n": n})
    checkpoint = checkpoint_create(reason=CheckpointReason.SCHEDULE)

    # Anyone: the page lists the checkpoint and the key, without signing in.
    page.goto(f"{live_server.url}/audit/checkpoints/")
    assert "/accounts/login/" not in page.url
    rows = page.locator("#checkpoints tbody tr")
    assert rows.count() == 1
    assert checkpoint.head_hash in rows.first.inner_text()
    assert "BEGIN PUBLIC KEY" in page.locator("#public-key").inner_text()
    # The feed the page links to verifies with the key it publishes.
    feed_url = page.locator("#checkpoint-feed").get_attribute("href")
    body = json.loads(page.request.get(f"{live_server.url}{feed_url}").text())
    entry = body["checkpoints"][0]
    key = serialization.load_pem_public_key(body["keys"][0]["public_key_pem"].encode())
    signed = {name: entry[name] for name in body["signed_fields"]}
    key.verify(
        base64.b64decode(entry["signature"]),
        json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
        ec.ECDSA(hashes.SHA256()),
    )

    # The ministry's auditor checks the trail against it: intact.
    auditor = UserFactory(roles=[Role.AUDITOR], email="auditor@checkpoints.example")
    auditor.set_password(PASSWORD)
    auditor.save()
    sign_in(page, live_server, auditor.email, PASSWORD)
    page.goto(f"{live_server.url}/audit/log/")
    with page.expect_navigation():
        page.locator("#verify-chain").click()
    assert "verdict--ok" in page.locator("#chain-report").get_attribute("class")
    assert page.locator("#checkpoint-verdict").is_visible()

    # Someone with database access deletes the newest events: the chain that remains is intact,
    # but the checkpoint names the loss.
    _delete_newest_events(3)
    with page.expect_navigation():
        page.locator("#verify-chain").click()
    assert "verdict--bad" in page.locator("#chain-report").get_attribute("class")
    finding = page.locator("#checkpoint-findings li[data-kind=truncated]")
    assert finding.count() == 1
    assert f"#{checkpoint.head_seq}" in finding.inner_text()
