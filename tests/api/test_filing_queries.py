"""Query budgets of an ERP's filing (issue 23): create, add an item, add a party, submit, read the
status, and the reviewer's queue read. The same five requests as the load benchmark
(``exportctl.benchmarks.erp``); a change that adds a query per request, or a query per item or
party, fails here before it costs the server.

The ceilings are today's counts on SQLite (PostgreSQL adds the audit chain's lock to each write).
"""

import pytest

from exportctl.accounts.roles import Role
from exportctl.benchmarks import erp
from notifications.workflow import Status
from tests.api.conftest import token_client
from tests.factories import ExporterFactory, ItemFactory, PartyFactory, UserFactory

pytestmark = pytest.mark.django_db

#: Most queries each step of a filing may make (token, user's roles, the notification, the
#: service's reads and writes, one audit event per change and the response).
BUDGET = {"create": 37, "add item": 15, "add party": 17, "submit": 17, "status": 4}
QUEUE_BUDGET = 3


@pytest.fixture
def api():
    return token_client(ExporterFactory())


def _file(api, django_assert_max_num_queries, key: str) -> str:
    with django_assert_max_num_queries(BUDGET["create"]):
        created = api.post(erp.API, erp.header(1), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert created.status_code == 201, created.content
    url = f"{erp.API}{created.json()['id']}/"
    with django_assert_max_num_queries(BUDGET["add item"]):
        assert api.post(url + "items/", erp.ITEM, format="json").status_code == 201
    with django_assert_max_num_queries(BUDGET["add party"]):
        assert api.post(url + "parties/", erp.PARTY, format="json").status_code == 201
    return url


def test_each_request_of_a_filing_stays_within_its_query_budget(
    api, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    url = _file(api, django_assert_max_num_queries, "erp-4711")
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_max_num_queries(BUDGET["submit"]),
    ):
        submitted = api.post(url + "submit/", erp.SUBMIT, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == Status.SUBMITTED
    with django_assert_max_num_queries(BUDGET["status"]):
        status = api.get(url + "status/")
    assert status.status_code == 200
    assert status.json()["status"] == Status.SUBMITTED


def test_an_idempotent_retry_stays_within_the_create_budget(api, django_assert_max_num_queries):
    first = api.post(erp.API, erp.header(1), format="json", HTTP_IDEMPOTENCY_KEY="erp-1")
    with django_assert_max_num_queries(BUDGET["create"]):
        retry = api.post(erp.API, erp.header(1), format="json", HTTP_IDEMPOTENCY_KEY="erp-1")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]


def test_the_status_and_detail_reads_do_not_grow_with_items_and_parties(
    api, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"{erp.API}{api.post(erp.API, erp.header(1), format='json').json()['id']}/"

    def counts():
        out = {}
        for suffix in ("", "status/", "items/", "parties/"):
            with CaptureQueriesContext(connection) as captured:
                assert api.get(url + suffix).status_code == 200
            out[suffix] = len(captured)
        return out

    few = counts()
    from notifications.models import Notification

    notification = Notification.objects.get(public_id=url.rstrip("/").rsplit("/", 1)[1])
    for position in range(2, 12):
        ItemFactory(notification=notification, position=position)
        PartyFactory(notification=notification, role="consignee", position=position)
    assert counts() == few


def test_the_reviewer_queue_read_stays_within_its_query_budget(
    api, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for n in range(3):
        url = _file(api, django_assert_max_num_queries, f"erp-{n}")
        with django_capture_on_commit_callbacks(execute=False):
            api.post(url + "submit/", erp.SUBMIT, format="json")
    reviewer = token_client(UserFactory(roles=[Role.REVIEWER]))
    with django_assert_max_num_queries(QUEUE_BUDGET):
        response = reviewer.get(erp.QUEUE_API)
    assert response.status_code == 200


def test_an_audit_event_names_the_firm_without_reading_its_row():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exportctl.audit import trail
    from notifications.models import Notification
    from tests.factories import NotificationFactory

    notification = Notification.objects.get(pk=NotificationFactory().pk)  # firm not loaded
    with CaptureQueriesContext(connection) as captured:
        event = trail.record(action="notification.checklist_saved", actor=None, obj=notification)

    assert event.firm_id == notification.firm_id is not None
    assert not [q for q in captured.captured_queries if '"accounts_firm"' in q["sql"]]
    firm = notification.firm
    assert trail.record(action="firm.updated", actor=None, obj=firm).firm_id == firm.pk
