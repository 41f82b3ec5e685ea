"""The queue: what it lists, its filters and sorting, the clock per case, the dashboard, and a
query count that does not grow with the page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import calendar, services
from notifications.models import Notification, Review
from notifications.selectors import QueueFilters, review_dashboard, review_queue, review_queue_page
from notifications.services import ScreeningResult
from notifications.workflow import Status
from partners.models import ListedEntry
from screening.models import Disposition, PartyHit, RunStatus, ScreeningRun
from tests.factories import submitted_at
from tests.review.conftest import make_reviewer

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def queued(
    level: str = "elevated",
    *,
    score: int = 30,
    country: str = "TH",
    days_ago: int = 1,
    hits: tuple[str, ...] = (),
    status: str = Status.UNDER_REVIEW,
) -> Notification:
    """A case on the ministry's desk, submitted ``days_ago`` days ago, with a completed run whose
    hits have the given dispositions."""
    notification = submitted_at(Status.SCREENING, destination_country=country)
    Notification.objects.filter(pk=notification.pk).update(
        submitted_at=NOW - datetime.timedelta(days=days_ago)
    )
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=score, level=level)
    )
    if level == "":
        Notification.objects.filter(pk=notification.pk).update(risk_level="", risk_score=None)
    run = ScreeningRun.objects.create(
        notification=notification,
        ruleset_version="test",
        trigger="submission",
        status=RunStatus.COMPLETED,
        score=score,
        level=level or "low",
        outcome="review",
    )
    party = notification.parties.get()
    reviewer = make_reviewer() if any(h != Disposition.PENDING for h in hits) else None
    for entry, disposition in zip(ListedEntry.objects.order_by("pk"), hits, strict=False):
        PartyHit.objects.create(
            run=run,
            party=party,
            entry=entry,
            score=0.9,
            matched_name=entry.name,
            disposition=disposition,
            disposition_reason="" if disposition == Disposition.PENDING else "checked",
            adjudicated_by=None if disposition == Disposition.PENDING else reviewer,
        )
    if status != Status.UNDER_REVIEW:
        Notification.objects.filter(pk=notification.pk).update(status=status)
    notification.refresh_from_db()
    return notification


def refs(queryset) -> list[str]:
    return [n.reference for n in queryset]


def test_queue_lists_open_review_cases_by_risk_then_age(reviewer):
    oldest_high = queued("high", score=70, days_ago=40)
    newer_high = queued("high", score=70, days_ago=3)
    prohibited = queued("prohibited", score=100, days_ago=1)
    low = queued("low", score=5, days_ago=90)
    waiting = queued("elevated", days_ago=10, status=Status.INFO_REQUESTED)
    countersign = queued("elevated", days_ago=20, status=Status.AWAITING_COUNTERSIGN)
    submitted_at(Status.CLEARED)
    submitted_at(Status.DRAFT)
    submitted_at(Status.SCREENING)

    assert refs(review_queue(user=reviewer)) == [
        prohibited.reference,
        oldest_high.reference,
        newer_high.reference,
        countersign.reference,
        waiting.reference,
        low.reference,
    ]
    assert refs(review_queue(user=reviewer, filters=QueueFilters(sort="age"))) == [
        low.reference,
        oldest_high.reference,
        countersign.reference,
        waiting.reference,
        newer_high.reference,
        prohibited.reference,
    ]


def test_queue_filters(eul, reviewer):
    colleague = make_reviewer("colleague@meti.example.jp")
    mine = queued("high", country="CN", hits=(Disposition.PENDING,))
    theirs = queued("elevated", country="CN", hits=(Disposition.CONFIRMED,))
    free = queued("low", country="VN")
    unscreened = queued("", country="VN")
    asking = queued("elevated", country="TH", status=Status.INFO_REQUESTED)
    services.review_claim(notification=mine, actor=reviewer)
    services.review_claim(notification=theirs, actor=colleague)

    def only(**kwargs) -> set[str]:
        return set(refs(review_queue(user=reviewer, filters=QueueFilters(**kwargs))))

    assert only(status=Status.INFO_REQUESTED) == {asking.reference}
    assert only(risk="high") == {mine.reference}
    assert only(risk="none") == {unscreened.reference}
    assert only(destination="cn") == {mine.reference, theirs.reference}
    assert only(hits="any") == {mine.reference, theirs.reference}
    assert only(hits="pending") == {mine.reference}
    assert only(hits="none") == {free.reference, unscreened.reference, asking.reference}
    assert only(assigned="me") == {mine.reference}
    assert only(assigned="unassigned") == {free.reference, unscreened.reference, asking.reference}
    assert only(overdue=True) == set()


def test_overdue_cases_and_the_clock_shown_per_case(reviewer):
    late = queued("elevated")
    paused = queued("elevated", status=Status.INFO_REQUESTED)
    fresh = queued("elevated")
    today = timezone.localdate()
    # Three working days overdue counts the working days in (due_on, today]: on a weekend or a
    # holiday, count back from the last working day, or the suite fails on the days CI runs then.
    last_working_day = today
    while not calendar.is_working_day(last_working_day):
        last_working_day -= datetime.timedelta(days=1)
    yesterday_working = calendar.add_working_days(last_working_day, -3)
    Review.objects.filter(notification=late).update(due_on=yesterday_working)
    Review.objects.filter(notification=paused).update(
        due_on=yesterday_working, paused_at=NOW - datetime.timedelta(days=30)
    )

    assert refs(review_queue(user=reviewer, filters=QueueFilters(overdue=True))) == [late.reference]
    assert refs(review_queue(user=reviewer, filters=QueueFilters(sort="due")))[0] in {
        late.reference,
        paused.reference,
    }
    page = review_queue_page(user=reviewer, page_number=1, filters=QueueFilters())
    clocks = {n.reference: n.clock for n in page.object_list}
    assert clocks[late.reference].overdue is True
    assert clocks[late.reference].days_overdue == 3
    assert clocks[paused.reference].paused is True
    assert clocks[paused.reference].overdue is False
    assert clocks[fresh.reference].days_left == calendar.working_days_between(
        today, clocks[fresh.reference].due_on
    )
    assert clocks[fresh.reference].days_left in (89, 90)


def test_dashboard_counts_by_status_risk_and_age(reviewer):
    reopened = queued("high", days_ago=5)
    # An earlier, closed round of review (the case was reopened by a re-screen): counted once.
    Review.objects.create(
        notification=reopened,
        opened_at=NOW - datetime.timedelta(days=4),
        closed_at=NOW - datetime.timedelta(days=3),
        due_on=datetime.date(2025, 1, 6),
    )
    queued("high", days_ago=45)
    queued("low", days_ago=70, status=Status.INFO_REQUESTED)
    queued("prohibited", days_ago=120, status=Status.AWAITING_COUNTERSIGN)
    late = queued("elevated", days_ago=200)
    Review.objects.filter(notification=late).update(due_on=datetime.date(2025, 1, 6))
    submitted_at(Status.CLEARED)

    dashboard = review_dashboard(user=reviewer)

    assert (dashboard["total"], dashboard["overdue"]) == (5, 1)
    assert [(b.key, b.value) for b in dashboard["by_status"].bars] == [
        ("under_review", 3),
        ("info_requested", 1),
        ("awaiting_countersign", 1),
    ]
    assert [(b.key, b.value) for b in dashboard["by_risk"].bars] == [
        ("prohibited", 1),
        ("high", 2),
        ("elevated", 1),
        ("low", 1),
        ("none", 0),
    ]
    assert [(b.key, b.value) for b in dashboard["by_age"].bars] == [
        ("0", 1),
        ("30", 1),
        ("60", 1),
        ("90", 2),
    ]
    high_row = dashboard["by_risk"].rows[1]
    assert (high_row["length"], high_row["y"]) == (170, 38)  # the longest bar fills the room


def test_the_queue_is_empty_for_non_reviewers():
    from exportctl.accounts.roles import Role
    from tests.factories import ExporterFactory, UserFactory

    notification = queued("high")
    exporter = ExporterFactory(firm=notification.firm)
    auditor = UserFactory(roles=[Role.AUDITOR])
    assert refs(review_queue(user=exporter)) == []
    assert refs(review_queue(user=auditor)) == []
    assert review_dashboard(user=exporter)["total"] == 0


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/review/")
    assert response.status_code == 200
    # The queue's own reads: the page's count and rows, the dashboard's aggregate and overdue
    # count (the rest is the session, the user, roles and what the sign-in middleware reads, and
    # the page's two hit-count queries).
    own = [q["sql"] for q in queries if '"notifications_notification"' in q["sql"]]
    assert len(own) == 4, own
    return len(queries)


def test_the_queue_page_query_count_does_not_grow_with_its_size(
    client, eul, reviewer, django_assert_num_queries
):
    client.force_login(reviewer)
    colleague = make_reviewer("colleague@meti.example.jp")
    for i in range(5):
        n = queued("high", hits=(Disposition.PENDING, Disposition.CONFIRMED))
        services.review_claim(notification=n, actor=reviewer if i % 2 else colleague)
    five = _queue_queries(client)
    assert len(client.get("/review/").context["page"].object_list) == 5

    for i in range(45):
        n = queued(("low", "elevated", "high")[i % 3], hits=(Disposition.PENDING,) * (i % 2))
        if i % 3:
            services.review_claim(notification=n, actor=colleague)

    with django_assert_num_queries(five):
        response = client.get("/review/")
    assert len(response.context["page"].object_list) == 50
    assert _queue_queries(client) == five
