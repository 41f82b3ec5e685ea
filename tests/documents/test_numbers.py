"""Document numbers: one counter per kind and year, one width, no gaps, no duplicates under
concurrency; a permit's number is its document's number; existing rows migrate."""

import datetime
import importlib
import re
import threading

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse

from notifications import services
from notifications.documents import numbers
from notifications.documents.services import document_issue
from notifications.models import Document, DocumentCounter, DocumentKind, Permit
from notifications.services import ScreeningResult
from notifications.workflow import Status
from tests.factories import UserFactory, submitted_at

migration = importlib.import_module("notifications.migrations.0005_document_counters")


@pytest.mark.django_db
def test_each_kind_counts_on_its_own_per_year_with_one_width():
    taken = [
        numbers.next_number(DocumentKind.RECEIPT, year=2026),
        numbers.next_number(DocumentKind.PERMIT, year=2026),
        numbers.next_number(DocumentKind.RECEIPT, year=2026),
        numbers.next_number(DocumentKind.DENIAL_LETTER, year=2026),
        numbers.next_number(DocumentKind.DENIAL_LETTER, year=datetime.date(2027, 1, 4)),
        numbers.next_number(DocumentKind.PERMIT, year=2026),
    ]
    assert taken == [
        "RC-2026-000001",
        "PM-2026-000001",
        "RC-2026-000002",
        "DN-2026-000001",  # the first denial letter is number 1, whatever came before it
        "DN-2027-000001",  # a new year starts again
        "PM-2026-000002",
    ]
    assert all(numbers.NUMBER_PATTERN.match(number) for number in taken)
    assert {len(number) for number in taken} == {len("PM-2026-000001")}
    assert dict(DocumentCounter.objects.filter(year=2026).values_list("kind", "last")) == {
        "receipt": 2,
        "permit": 2,
        "denial_letter": 1,
    }


@pytest.mark.django_db
def test_a_rolled_back_issue_leaves_no_gap():
    numbers.next_number(DocumentKind.RECEIPT, year=2026)
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        assert numbers.next_number(DocumentKind.RECEIPT, year=2026) == "RC-2026-000002"
        raise RuntimeError("boom")
    assert numbers.next_number(DocumentKind.RECEIPT, year=2026) == "RC-2026-000002"


def test_a_number_is_taken_only_inside_the_storing_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        numbers.next_number(DocumentKind.RECEIPT, year=2026)
    assert DocumentCounter.objects.count() == 0


@pytest.mark.django_db
def test_the_database_refuses_a_second_counter_for_the_same_kind_and_year():
    DocumentCounter.objects.create(kind=DocumentKind.PERMIT, year=2026, last=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentCounter.objects.create(kind=DocumentKind.PERMIT, year=2026, last=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentCounter.objects.create(kind="certificate", year=2026, last=0)
    assert list(DocumentCounter.objects.values_list("kind", "year", "last")) == [
        ("permit", 2026, 3)
    ]


@pytest.mark.django_db
def test_an_approval_grants_the_permit_under_the_number_its_document_carries(
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory(roles=["reviewer"])
    cleared = submitted_at(Status.SCREENING)
    approved = submitted_at(Status.SCREENING)
    denied = submitted_at(Status.SCREENING)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_clear(notification=cleared, result=ScreeningResult(5, "low"))
        for notification in (approved, denied):
            services.notification_refer(
                notification=notification, result=ScreeningResult(30, "elevated")
            )
        services.notification_approve(notification=approved, actor=reviewer)
        services.notification_deny(notification=denied, actor=reviewer, reason="Listed end user.")
    year = datetime.date.today().year
    permit = Permit.objects.get(notification=approved)
    assert permit.number == permit.document.number == f"PM-{year}-000001"
    assert Document.objects.get(notification=cleared).number == f"RC-{year}-000001"
    assert Document.objects.get(notification=denied).number == f"DN-{year}-000001"


@pytest.mark.django_db
def test_issuing_again_keeps_the_number(approved_case):
    first = document_issue(notification=approved_case, kind=DocumentKind.PERMIT)
    again = document_issue(notification=approved_case, kind=DocumentKind.PERMIT)
    assert first == again
    assert DocumentCounter.objects.get(kind=DocumentKind.PERMIT).last == 1


@pytest.mark.django_db
def test_the_migration_keeps_old_numbers_and_gives_each_permit_one(approved_case, denied_case):
    """Rows as the old code left them: a permit EXP-… whose document is PM-<permit pk>, another
    permit not yet rendered, a denial letter numbered after its decision's pk."""
    DocumentCounter.objects.all().delete()
    rendered = approved_case.permits.get()
    Permit.objects.filter(pk=rendered.pk).update(number="EXP-2026-0000001-0005")
    document = document_issue(notification=approved_case, kind=DocumentKind.PERMIT)
    Document.objects.filter(pk=document.pk).update(number="PM-2026-000007")
    denial = document_issue(notification=denied_case, kind=DocumentKind.DENIAL_LETTER)
    Document.objects.filter(pk=denial.pk).update(number="DN-2026-000006")
    DocumentCounter.objects.all().delete()
    waiting = Permit.objects.create(
        notification=submitted_at(Status.APPROVED),
        decision=approved_case.decisions.create(kind="approve", actor=UserFactory()),
        number="EXP-2026-0000009-0012",
        valid_from=datetime.date(2026, 12, 1),
        valid_until=datetime.date(2027, 6, 1),
    )

    migration.forwards(django_apps, None)

    assert Permit.objects.get(pk=rendered.pk).number == "PM-2026-000007"
    assert Permit.objects.get(pk=waiting.pk).number == "PM-2026-000008"
    assert dict(DocumentCounter.objects.values_list("kind", "last")) == {
        "permit": 8,
        "denial_letter": 6,
    }
    # What comes next never repeats an old number.
    assert numbers.next_number(DocumentKind.PERMIT, year=2026) == "PM-2026-000009"
    assert numbers.next_number(DocumentKind.DENIAL_LETTER, year=2026) == "DN-2026-000007"
    assert numbers.next_number(DocumentKind.RECEIPT, year=2026) == "RC-2026-000001"


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks across connections: needs PostgreSQL"
)
def test_concurrent_issuers_each_get_their_own_number(transactional_db):
    """Twenty transactions on their own connections, released together, including the very first
    number of the year (the counter row does not exist yet): twenty distinct, gapless numbers."""
    attempts = 20
    barrier = threading.Barrier(attempts)
    taken, failures = [], []

    def take():
        try:
            barrier.wait()
            with transaction.atomic():
                taken.append(numbers.next_number(DocumentKind.RECEIPT, year=2031))
        except Exception as error:  # a deadlock or integrity error must show in the assertion
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(taken) == [f"RC-2031-{n:06d}" for n in range(1, attempts + 1)]
    assert DocumentCounter.objects.get(kind=DocumentKind.RECEIPT, year=2031).last == attempts


NUMBER_LIKE = re.compile(r"\b[A-Z]{2,3}-[0-9]{4}-[0-9]+(?:-[0-9]+)?\b")


@pytest.mark.django_db
def test_the_permit_has_one_number_on_every_page_and_in_the_api(
    client, settings, django_capture_on_commit_callbacks
):
    """The reviewer's case page, the exporter's page and the API show the permit under the
    number its PDF carries and /verify/ accepts; no second number names it anywhere."""
    settings.EXPORTCTL_MINISTRY_2FA = False
    reviewer = UserFactory(roles=["reviewer"])
    notification = submitted_at(Status.SCREENING)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_refer(
            notification=notification, result=ScreeningResult(30, "elevated")
        )
        services.notification_approve(notification=notification, actor=reviewer)
    permit = Permit.objects.select_related("document").get(notification=notification)
    assert permit.number == permit.document.number
    expected = {notification.reference, permit.number}

    client.force_login(reviewer)
    review_page = client.get(reverse("review:case", args=[notification.public_id]))
    assert review_page.status_code == 200
    assert set(NUMBER_LIKE.findall(review_page.content.decode())) == expected

    client.force_login(notification.created_by)
    exporter_page = client.get(reverse("notifications:detail", args=[notification.public_id]))
    assert exporter_page.status_code == 200
    assert set(NUMBER_LIKE.findall(exporter_page.content.decode())) == expected

    api = client.get(f"/api/v1/notifications/{notification.public_id}/")
    assert api.status_code == 200
    body = api.json()
    assert [p["number"] for p in body["permits"]] == [permit.number]
    assert [d["number"] for d in body["documents"]] == [permit.number]
    assert set(NUMBER_LIKE.findall(api.content.decode())) == expected
