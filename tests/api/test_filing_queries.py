"""Query counts of an ERP's filing (issue 23): create, add an item, add a party, submit, read the
status, and the reviewer's queue read. The same five requests as the load benchmark
(``exportctl.benchmarks.erp``); a change that adds a query per request, or a query per item or
party, fails here before it costs the server.

The filing's counts are exact (the same on SQLite and PostgreSQL under the tests' transaction), so
that a saving is pinned too: a change that makes one request cheaper lowers its number here.
"""

import pytest

from exportctl.accounts.roles import Role
from exportctl.benchmarks import erp
from notifications.workflow import Status
from tests.api.conftest import token_client
from tests.factories import ExporterFactory, ItemFactory, PartyFactory, UserFactory

pytestmark = pytest.mark.django_db

#: The queries each step of a filing makes. Every request: the token with its user, the user's
#: roles, and (but create) the firm's notification for the access check. Create: the key's draft
#: (outside and inside the transaction), the insert, the checklist's locked read and update, three
#: audit events (chain head and insert each) and the savepoints of the nested services; the
#: response is the rows as written, not read back. Add a line: the locked read, the lines' count
#: and last position in one query, the insert, the draft's ``updated_at``, one audit event (a party
#: also asks whether the draft already names its end user). Submit: the service's reads and
#: writes (``notification_submit``), then the documents of the response. Status: the documents.
QUERIES = {"create": 19, "add item": 11, "add party": 12, "submit": 14, "status": 4}
QUEUE_BUDGET = 3


@pytest.fixture
def api():
    return token_client(ExporterFactory())


def _file(api, django_assert_num_queries, key: str) -> str:
    with django_assert_num_queries(QUERIES["create"]):
        created = api.post(erp.API, erp.header(1), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert created.status_code == 201, created.content
    url = f"{erp.API}{created.json()['id']}/"
    with django_assert_num_queries(QUERIES["add item"]):
        assert api.post(url + "items/", erp.ITEM, format="json").status_code == 201
    with django_assert_num_queries(QUERIES["add party"]):
        assert api.post(url + "parties/", erp.PARTY, format="json").status_code == 201
    return url


def test_each_request_of_a_filing_makes_its_pinned_number_of_queries(
    api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = _file(api, django_assert_num_queries, "erp-4711")
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_num_queries(QUERIES["submit"]),
    ):
        submitted = api.post(url + "submit/", erp.SUBMIT, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == Status.SUBMITTED
    with django_assert_num_queries(QUERIES["status"]):
        status = api.get(url + "status/")
    assert status.status_code == 200
    assert status.json()["status"] == Status.SUBMITTED


def test_a_create_with_items_and_parties_costs_no_read_per_line_for_its_response(
    api, django_assert_num_queries
):
    """Each line is written by its service (locked read, count, insert, touch, audit event), but
    the response is built from the rows written: no query per line beyond the writes."""
    body = {**erp.header(1), "items": [erp.ITEM, erp.ITEM], "parties": [erp.PARTY]}
    # Per item: lock, count and position, insert, touch, audit (2) and its savepoint (2) = 8;
    # the party adds its end-user check = 9.
    with django_assert_num_queries(QUERIES["create"] + 2 * 8 + 9):
        created = api.post(erp.API, body, format="json", HTTP_IDEMPOTENCY_KEY="erp-lines")
    assert created.status_code == 201, created.content
    assert [i["position"] for i in created.json()["items"]] == [1, 2]
    assert [p["name"] for p in created.json()["parties"]] == [erp.PARTY["name"]]


def test_an_idempotent_retry_stays_within_the_create_budget(api, django_assert_max_num_queries):
    first = api.post(erp.API, erp.header(1), format="json", HTTP_IDEMPOTENCY_KEY="erp-1")
    with django_assert_max_num_queries(QUERIES["create"]):
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
    api,
    django_assert_num_queries,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    for n in range(3):
        url = _file(api, django_assert_num_queries, f"erp-{n}")
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


@pytest.mark.parametrize(
    "body",
    [
        erp.header(1),
        {**erp.header(2), "items": [erp.ITEM, {**erp.ITEM, "description": "Spindle"}]},
        {**erp.header(3), "parties": [erp.PARTY, {**erp.PARTY, "role": "consignee"}]},
        {**erp.header(4), "items": [erp.ITEM], "parties": [erp.PARTY], "checklist": {}},
        {"title": "Header only"},
    ],
)
def test_the_create_response_is_the_draft_as_read_back(api, body):
    """The create answers from the rows it wrote; the same draft read back says the same, field
    for field (items, parties, checklist, readiness, timestamps)."""
    created = api.post(erp.API, body, format="json", HTTP_IDEMPOTENCY_KEY="erp-same")
    assert created.status_code == 201, created.content

    read_back = api.get(f"{erp.API}{created.json()['id']}/")

    assert created.json() == read_back.json()


def test_the_create_response_names_the_inform_notice_it_cites():
    from notifications import services
    from notifications.models import InformSubject, Notification

    exporter = ExporterFactory()
    api = token_client(exporter)
    notice = services.inform_notice_issue(
        actor=UserFactory(roles=[Role.REVIEWER]),
        firm=exporter.firm,
        subject_kind=InformSubject.GOODS,
        subject="5-axis machining centres",
        grounds="Diversion to missile development is suspected.",
    )
    body = {**erp.header(1), "inform_notice": str(notice.public_id)}

    created = api.post(erp.API, body, format="json", HTTP_IDEMPOTENCY_KEY="erp-notice")

    assert created.status_code == 201, created.content
    assert created.json()["inform_notice"] == str(notice.public_id)
    assert created.json() == api.get(f"{erp.API}{created.json()['id']}/").json()
    assert Notification.objects.get(public_id=created.json()["id"]).inform_notice == notice
