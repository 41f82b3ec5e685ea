from collections import Counter

from exportctl.accounts.models import Firm, User
from exportctl.audit.chain import verify_chain
from exportctl.audit.models import AuditEvent
from exportctl.benchmarks.seed import STATUS_MIX, seed
from notifications.models import DocumentCounter, Notification, Party, Permit, Review
from screening.models import ScreeningRun


def test_seed_writes_the_mix_with_its_history_and_a_valid_audit_chain(db):
    summary, cast = seed(notifications=100, firms=3, rng_seed=1)

    assert summary.notifications == 100
    assert Notification.objects.count() == 100
    statuses = Counter(Notification.objects.values_list("status", flat=True))
    assert statuses == {
        "draft": 8,
        "cleared": 25,
        "under_review": 6,
        "info_requested": 2,
        "awaiting_countersign": 1,
        "approved": 28,
        "denied": 10,
        "withdrawn": 20,
    }
    assert sum(share for _, share in STATUS_MIX) == 100
    # Every filed notification has its reference and one completed submission run.
    filed = Notification.objects.exclude(status="draft")
    assert filed.filter(reference__isnull=True).count() == 0
    assert ScreeningRun.objects.filter(status="completed").count() == 92
    # Each approval has a permit: the recent ones valid, the old ones expired.
    assert Counter(Permit.objects.values_list("status", flat=True)) == {"valid": 6, "expired": 22}
    # Permits are numbered as granted ones are (PM-year-serial per year) and the counters continue
    # after them, so a permit granted during the benchmark takes the next number.
    for year, last in DocumentCounter.objects.filter(kind="permit").values_list("year", "last"):
        numbers_of_year = Permit.objects.filter(number__startswith=f"PM-{year}-")
        assert numbers_of_year.count() == last
        assert numbers_of_year.filter(number=f"PM-{year}-{last:06d}").exists()
    assert sum(DocumentCounter.objects.values_list("last", flat=True)) == 28
    # Open reviews are exactly the queue's cases.
    assert Review.objects.filter(closed_at__isnull=True).count() == 9
    assert Party.objects.filter(role="end_user").count() == 100
    assert summary.parties == Party.objects.count()

    assert Firm.objects.count() == 3
    assert User.objects.filter(firm__isnull=False).count() == 9
    assert len(cast.reviewers) == 30
    assert User.objects.get(email="exporter1-1@bench.example").has_role("firm_admin")

    events = list(AuditEvent.objects.order_by("seq"))
    assert verify_chain(events).ok
    assert (
        summary.audit_events
        == AuditEvent.objects.filter(action__startswith="notification.").count()
        + AuditEvent.objects.filter(
            action__in=["screening.run_completed", "review.claim", "permit.issue", "permit.expire"]
        ).count()
    )
