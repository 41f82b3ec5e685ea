"""CSRF: every POST that a signed-in browser session (or an anonymous visitor's form) could make
is refused without the token, with 403 and nothing changed. The routes come from the access
policy: each route and role whose POST the policy lets through (not refused, not 405).

API requests authenticated by a token in the Authorization header are not a browser's ambient
credential and need no CSRF token; the same API called with a session cookie does."""

import pytest
from rest_framework.test import APIClient

from exportctl.accounts.tokens import api_token_create
from notifications.models import Notification
from tests.security.matrix import REFUSALS, attempt, clients
from tests.security.test_access_matrix import ANSWERS, _methods, expected_cell
from tests.security.urlmap import concrete_url
from tests.security.world import ROLES, build_world, snapshot

#: POSTs that carry their own credential in the body and no session: a script's sign-in.
NOT_SESSION = {"api/v1/auth/token/"}


def _accepted_posts() -> list[tuple[str, str]]:
    cases = []
    for route, answers in ANSWERS.items():
        if route in NOT_SESSION:
            continue
        line = "POST own" if "POST own" in _methods(route) else "POST"
        for role in ROLES:
            result = expected_cell(route, answers, line, role)
            if not isinstance(result, set) and result not in REFUSALS:
                cases.append((route, role))
    return cases


ACCEPTED_POSTS = _accepted_posts()


def test_the_list_of_form_posts_is_not_empty():
    routes = {route for route, _ in ACCEPTED_POSTS}
    assert {
        "accounts/login/",
        "notifications/new/",
        "review/<uuid:public_id>/approve/",
        "lists/manage/import/",
        "audit/log/verify/",
        "api/v1/notifications/",
        "api/v1/review/cases/<uuid:public_id>/claim/",
    } <= routes


@pytest.mark.parametrize(("route", "role"), ACCEPTED_POSTS)
def test_post_without_csrf_token_is_refused(route, role, db):
    world = build_world()
    client = clients({role: world.users[role]}, enforce_csrf_checks=True)[role]
    baseline = snapshot()
    url = concrete_url(route, world, world.a)

    result, diff = attempt(client, "POST", url, baseline, {"title": "x", "body": "x"})

    assert (result, diff) == ("403", {})


def test_api_with_a_token_needs_no_csrf_token(db):
    world = build_world()
    _, secret = api_token_create(actor=world.a.exporter, expires_in_days=None, via="test")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    before = Notification.objects.count()

    response = client.post(
        "/api/v1/notifications/", {"title": "Bearings", "destination_country": "TH"}, format="json"
    )

    assert response.status_code == 201
    assert Notification.objects.count() == before + 1


def test_api_with_a_session_needs_the_csrf_token(db):
    world = build_world()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.a.exporter)
    baseline = snapshot()

    response = client.post(
        "/api/v1/notifications/", {"title": "Bearings", "destination_country": "TH"}, format="json"
    )

    assert response.status_code == 403
    assert snapshot() == baseline
