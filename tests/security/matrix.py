"""Running one request of the access matrix: who asks, what they get, and what it changed."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.db import transaction
from django.test import Client

from tests.security.world import audit_actions_since, snapshot

#: Outcomes that refuse the request: nothing may change.
REFUSALS = {"L", "A", "401", "403", "404", "405"}
#: Audit events a refusal may write: a failed sign-in is recorded (and may lock out).
REFUSAL_EVENTS = {"auth.login_failed", "auth.locked_out"}
#: The event of a refused attempt at a privileged action: a 403 writes one (issue 19); a 404
#: (another firm's object, deliberately not disclosed) or any other refusal writes none.
ACCESS_REFUSED = "access.refused"


def outcome(response) -> str:
    """``L`` redirect to sign-in, ``A`` redirect to the admin's sign-in, else the status code."""
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "L"
        if location.startswith("/admin/login/"):
            return "A"
    return str(response.status_code)


def clients(users: dict, *, enforce_csrf_checks: bool = False) -> dict[str, Client]:
    """A client per role, signed in as that role's user (ministry staff with their second
    factor, see tests/conftest.py)."""
    result = {}
    for role, user in users.items():
        client = Client(enforce_csrf_checks=enforce_csrf_checks, HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


def attempt(
    client: Client, method: str, url: str, baseline: dict, data=None, *, audit_403: bool = False
) -> tuple[str, dict]:
    """Send one request inside a transaction that is rolled back afterwards, so the next request
    sees the same world. Return the outcome and, when it is a refusal, what the request changed
    compared with ``baseline`` (the world's state before any request).

    A 403 may write its one ``access.refused`` event and nothing else; with ``audit_403`` a 403
    that wrote none is reported too (every refused privileged attempt is on the record)."""
    cache.clear()  # rate limits, throttles and the refusal counters count in the cache
    with transaction.atomic():
        response = send(client, method, url, data)
        result = outcome(response)
        diff = changes(baseline, snapshot(), result) if result in REFUSALS else {}
        if audit_403 and result == "403" and _refusal_events(baseline) != 1:
            diff["access.refused events"] = _refusal_events(baseline)
        transaction.set_rollback(True)
    return result, diff


def _refusal_events(baseline: dict) -> int:
    return audit_actions_since(baseline["audit"]).count(ACCESS_REFUSED)


class Json(dict):
    """A request body sent as JSON, the REST API's only media type."""


def send(client: Client, method: str, url: str, data=None):
    if method == "GET":
        return client.get(url)
    if isinstance(data, Json):
        return client.generic(method, url, data=json.dumps(data), content_type="application/json")
    if isinstance(data, dict):
        return client.post(url, data)
    return client.generic(
        method, url, data=data or "", content_type="application/x-www-form-urlencoded"
    )


def changes(before: dict, after: dict, result: str = "") -> dict:
    """What differs between two snapshots; new audit events other than a failed sign-in's and,
    for a 403, the one refusal event of that request."""
    diff = {
        key: (before[key], after[key])
        for key in before
        if key != "audit" and before[key] != after[key]
    }
    if after["audit"] != before["audit"]:
        allowed = set(REFUSAL_EVENTS)
        new = audit_actions_since(before["audit"])
        if result == "403" and new.count(ACCESS_REFUSED) == 1:
            allowed.add(ACCESS_REFUSED)
        unexpected = [action for action in new if action not in allowed]
        if unexpected or after["audit"] < before["audit"]:
            diff["audit"] = unexpected
    return diff
