"""Pages shared by everyone link only to what the reader may open: the list subscription and the
self-check are for a firm's users, so ministry staff are not shown links that answer 403 (found
by the accessibility crawl of every role's pages)."""

import pytest
from django.urls import reverse

from exportctl.accounts.roles import Role
from tests.factories import ExporterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR, Role.ENFORCEMENT_OFFICER])
def test_ministry_staff_are_not_offered_the_firm_users_tools(client, role):
    client.force_login(UserFactory(roles=[role]))

    index = client.get(reverse("partners:public_index"))
    criteria = client.get(reverse("screening:criteria"))

    assert index.status_code == criteria.status_code == 200
    assert reverse("partners:subscription") not in index.content.decode()
    assert reverse("screening:self-check") not in criteria.content.decode()
    # ... which they could not open anyway.
    assert client.get(reverse("partners:subscription")).status_code == 403
    assert client.get(reverse("screening:self-check")).status_code == 403


def test_a_firm_user_is_offered_both(client):
    client.force_login(ExporterFactory())

    index = client.get(reverse("partners:public_index"))
    criteria = client.get(reverse("screening:criteria"))

    assert reverse("partners:subscription") in index.content.decode()
    assert reverse("screening:self-check") in criteria.content.decode()
    assert client.get(reverse("partners:subscription")).status_code == 200
    assert client.get(reverse("screening:self-check")).status_code == 200


def test_a_visitor_is_still_offered_the_subscription(client):
    assert (
        reverse("partners:subscription")
        in client.get(reverse("partners:public_index")).content.decode()
    )
