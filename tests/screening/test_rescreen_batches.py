"""Re-screening after a publication a batch of cases at a time (``screening.rescreen``): the same
runs, hits and workflow moves as one case at a time, one audit event per batch for the cases
without a new hit, idempotent per batch, a failing case never losing the rest of its batch, and
a query count that does not grow with the batch (PostgreSQL)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications.models import Notification, Party, PermitStatus, Review
from notifications.workflow import Status
from screening import rescreen
from screening import services as screening_services
from screening.index_cache import published_lists
from screening.models import PartyHit, RunStatus, ScreeningRun, Trigger
from screening.rescreen import BatchResult, MatchMemo, screening_rescreen_batch
from screening.rules import RULESET_VERSION
from screening.services import screening_rescreen, screening_run_execute
from tests.factories import ExporterFactory, submitted_at
from tests.screening.test_services import (
    EUL_SAMPLE,
    ROSOBORONEXPORT,
    approve_with_permit,
    audit_actions,
    make_tiers,
    publish_eul,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def eul():
    make_tiers()
    return publish_eul(EUL_SAMPLE)


@pytest.fixture
def exporter():
    return ExporterFactory()


def case(exporter, status, *, country="US", party="Acme Precision Tools Inc.") -> Notification:
    notification = submitted_at(
        status, firm=exporter.firm, created_by=exporter, destination_country=country
    )
    Party.objects.filter(notification=notification).update(name=party, country=country)
    return notification


def screened(exporter, status, **kwargs) -> Notification:
    """A case screened on submission (its hits recorded), then moved to ``status``."""
    notification = case(exporter, Status.SCREENING, **kwargs)
    screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)
    Notification.objects.filter(pk=notification.pk).update(status=status)
    return notification


def rescreen_runs():
    return ScreeningRun.objects.filter(trigger=Trigger.LIST_PUBLICATION)


def test_cases_without_a_new_hit_get_their_runs_in_bulk_and_one_audit_event(eul, exporter):
    cleared = case(exporter, Status.CLEARED)
    review = screened(
        exporter, Status.UNDER_REVIEW, country="IR", party="Amirkabir Univ. of Technology"
    )
    seen = screened(exporter, Status.APPROVED, country="CN", party="Harbin Institute of Technology")
    permit = approve_with_permit(seen)
    new_version = publish_eul(EUL_SAMPLE, label="2026-06-01", supersede=eul)
    events = AuditEvent.objects.count()

    result = screening_rescreen_batch(
        notification_ids=[seen.pk, cleared.pk, review.pk], list_version_id=new_version.pk
    )

    assert result == BatchResult(done=3, failed=0)
    runs = {r.notification_id: r for r in rescreen_runs()}
    assert set(runs) == {cleared.pk, review.pk, seen.pk}
    for run in runs.values():
        assert (run.status, run.list_version_id, run.trigger_ref, run.ruleset_version) == (
            RunStatus.COMPLETED,
            new_version.pk,
            str(new_version.pk),
            RULESET_VERSION,
        )
        assert run.finished_at is not None
    assert (runs[cleared.pk].outcome, runs[cleared.pk].level) == ("cleared", "low")
    assert runs[cleared.pk].hits.count() == 0
    # A hit on a listing found before is stored on the new run but reopens nothing.
    assert runs[seen.pk].hits.get().entry.number == 541
    assert runs[seen.pk].hits.get().entry.version == new_version
    assert runs[review.pk].hits.get().entry.number == 45
    assert {n.pk: n.status for n in Notification.objects.all()} == {
        cleared.pk: Status.CLEARED,
        review.pk: Status.UNDER_REVIEW,
        seen.pk: Status.APPROVED,
    }
    assert permit.__class__.objects.get(pk=permit.pk).status == PermitStatus.VALID
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "screening.rescreen_batch_completed"
    assert (event.object_type, event.object_id) == (
        "partners.listversion",
        str(new_version.public_id),
    )
    assert (event.data["trigger"], event.data["trigger_ref"]) == (
        "list_publication",
        str(new_version.pk),
    )
    assert event.data["lists"] == ["meti-eul:2026-06-01"]
    assert [
        (r["notification"], r["run"], r["outcome"], r["level"], r["hits"])
        for r in event.data["runs"]
    ] == [
        (n.reference, str(runs[n.pk].public_id), runs[n.pk].outcome, runs[n.pk].level, hits)
        for n, hits in ((cleared, 0), (review, 1), (seen, 1))
    ]
    assert event.data["runs"][1]["rules"] == [f["rule"] for f in runs[review.pk].factors]


def test_a_batch_stores_exactly_what_one_case_at_a_time_stores(eul, exporter):
    kinds = [
        (Status.CLEARED, "US", "Acme Precision Tools Inc."),
        (Status.UNDER_REVIEW, "KP", "Pyongyang Public Library"),
        (Status.INFO_REQUESTED, "CN", "Harbin Inst. of Technology"),
        (Status.AWAITING_COUNTERSIGN, "RU", "Rosoboronexport"),
    ]
    batch = [case(exporter, s, country=c, party=p) for s, c, p in kinds]
    single = [case(exporter, s, country=c, party=p) for s, c, p in kinds]
    new_version = publish_eul([*EUL_SAMPLE, ROSOBORONEXPORT], label="2026-06-01", supersede=eul)

    screening_rescreen_batch(notification_ids=[n.pk for n in batch], list_version_id=new_version.pk)
    for n in single:
        screening_rescreen(notification_id=n.pk, list_version_id=new_version.pk)

    def stored(notifications):
        result = []
        for n in notifications:
            run = rescreen_runs().get(notification=n)
            hits = [
                (h.entry.number, h.score, h.matched_name, h.explanation["party_name_searched"])
                for h in run.hits.order_by("entry__number")
            ]
            status = Notification.objects.get(pk=n.pk).status
            # The evidence names the party by its public id, the one thing that differs.
            party = str(n.parties.get().public_id)
            factors = json.loads(json.dumps(run.factors).replace(party, "<party>"))
            result.append((run.score, run.level, run.outcome, factors, hits, status))
        return result

    assert stored(batch) == stored(single)
    assert [r[1] for r in stored(batch)] == ["low", "prohibited", "high", "high"]


def test_a_new_hit_in_a_batch_reopens_its_case_through_the_per_case_path(eul, exporter):
    quiet = case(exporter, Status.CLEARED)
    approved = screened(exporter, Status.APPROVED, country="RU", party="Rosoboronexport")
    # Russia is never cleared (domain.md §2a): the submission was referred; approval closed it.
    Review.objects.filter(notification=approved).update(closed_at=timezone.now())
    permit = approve_with_permit(approved)
    cleared = case(exporter, Status.CLEARED, country="CN", party="Harbin Inst. of Technology")
    new_version = publish_eul([*EUL_SAMPLE, ROSOBORONEXPORT], label="2026-06-01", supersede=eul)
    before = len(audit_actions())

    result = screening_rescreen_batch(
        notification_ids=[quiet.pk, approved.pk, cleared.pk], list_version_id=new_version.pk
    )

    assert result == BatchResult(done=3, failed=0)
    approved.refresh_from_db()
    permit.refresh_from_db()
    assert approved.status == Status.UNDER_REVIEW
    assert permit.status == PermitStatus.SUSPENDED
    assert "No. 806" in permit.status_reason
    assert Notification.objects.get(pk=cleared.pk).status == Status.UNDER_REVIEW
    assert Notification.objects.get(pk=quiet.pk).status == Status.CLEARED
    assert rescreen_runs().get(notification=approved).hits.get().entry.number == 806
    assert audit_actions()[before:] == [
        "screening.rescreen_batch_completed",  # the quiet case
        "screening.run_completed",
        "permit.suspend",
        "notification.reopen",
        "screening.run_completed",
        "notification.reopen",
    ]
    batch_event = AuditEvent.objects.get(action="screening.rescreen_batch_completed")
    assert [r["notification"] for r in batch_event.data["runs"]] == [quiet.reference]


def test_a_redelivered_batch_writes_nothing_new(eul, exporter):
    cases = [
        case(exporter, Status.CLEARED),
        case(exporter, Status.UNDER_REVIEW, country="KP", party="Pyongyang Public Library"),
        case(exporter, Status.CLEARED, country="CN", party="Harbin Inst. of Technology"),
    ]
    ids = [n.pk for n in cases]
    new_version = publish_eul(EUL_SAMPLE, label="2026-06-01", supersede=eul)
    screening_rescreen_batch(notification_ids=ids, list_version_id=new_version.pk)
    runs = list(rescreen_runs().order_by("pk").values_list("pk", "notification_id", "score"))
    hits = list(PartyHit.objects.order_by("pk").values_list("pk", "run_id", "entry_id"))
    events = AuditEvent.objects.count()
    statuses = list(Notification.objects.order_by("pk").values_list("status", flat=True))

    assert screening_rescreen_batch(
        notification_ids=ids, list_version_id=new_version.pk
    ) == BatchResult(done=3, failed=0)

    assert (
        list(rescreen_runs().order_by("pk").values_list("pk", "notification_id", "score")) == runs
    )
    assert len(runs) == 3
    assert list(PartyHit.objects.order_by("pk").values_list("pk", "run_id", "entry_id")) == hits
    assert AuditEvent.objects.count() == events
    assert list(Notification.objects.order_by("pk").values_list("status", flat=True)) == statuses


def test_cases_in_no_rescreened_status_are_skipped_and_counted(eul, exporter):
    skipped = [
        case(exporter, status)
        for status in (Status.DRAFT, Status.SUBMITTED, Status.SCREENING, Status.WITHDRAWN)
    ]
    events = AuditEvent.objects.count()

    result = screening_rescreen_batch(
        notification_ids=[n.pk for n in skipped], list_version_id=eul.pk
    )

    assert result == BatchResult(done=4, failed=0)
    assert ScreeningRun.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_case_that_fails_is_marked_failed_and_the_rest_of_its_batch_is_stored(
    eul, exporter, monkeypatch
):
    first, broken, last = (case(exporter, Status.CLEARED) for _ in range(3))
    assess = rescreen.assess

    def assess_unless_broken(notification, **kwargs):
        if notification.pk == broken.pk:
            raise ValueError("party data corrupt")
        return assess(notification, **kwargs)

    monkeypatch.setattr(rescreen, "assess", assess_unless_broken)

    result = screening_rescreen_batch(
        notification_ids=[first.pk, broken.pk, last.pk], list_version_id=eul.pk
    )

    assert result == BatchResult(done=3, failed=1)
    runs = {r.notification_id: r for r in rescreen_runs()}
    assert runs[broken.pk].status == RunStatus.FAILED
    assert runs[broken.pk].error == "ValueError: party data corrupt"
    assert (runs[first.pk].status, runs[last.pk].status) == (RunStatus.COMPLETED,) * 2
    assert audit_actions()[-2:] == ["screening.run_failed", "screening.rescreen_batch_completed"]

    # The retry (a later delivery) completes the failed run in place and nothing else.
    monkeypatch.undo()
    events = AuditEvent.objects.count()
    assert screening_rescreen_batch(
        notification_ids=[first.pk, broken.pk, last.pk], list_version_id=eul.pk
    ) == BatchResult(done=3, failed=0)
    completed = rescreen_runs().get(notification=broken)
    assert (completed.pk, completed.status, completed.error) == (
        runs[broken.pk].pk,
        RunStatus.COMPLETED,
        "",
    )
    assert rescreen_runs().count() == 3
    assert audit_actions()[events:] == ["screening.run_completed"]


def test_a_bulk_insert_that_fails_falls_back_to_one_case_at_a_time(eul, exporter, monkeypatch):
    cases = [case(exporter, Status.CLEARED) for _ in range(2)]

    def refuse(*args, **kwargs):
        raise ValueError("bulk insert refused")

    monkeypatch.setattr(ScreeningRun.objects, "bulk_create", refuse)

    result = screening_rescreen_batch(
        notification_ids=[n.pk for n in cases], list_version_id=eul.pk
    )

    assert result == BatchResult(done=2, failed=0)
    assert {r.notification_id for r in rescreen_runs()} == {n.pk for n in cases}
    assert audit_actions()[-2:] == ["screening.run_completed", "screening.run_completed"]
    assert not AuditEvent.objects.filter(action="screening.rescreen_batch_completed").exists()


def test_a_publication_meanwhile_recomputes_against_the_newest_list(eul, exporter, monkeypatch):
    cleared = case(exporter, Status.CLEARED, country="RU", party="Rosoboronexport")
    published = []
    store = rescreen._store_quiet

    def publish_then_store(computed, **kwargs):
        if not published:
            published.append(
                publish_eul([*EUL_SAMPLE, ROSOBORONEXPORT], label="2026-06-01", supersede=eul)
            )
        return store(computed, **kwargs)

    monkeypatch.setattr(rescreen, "_store_quiet", publish_then_store)

    result = screening_rescreen_batch(notification_ids=[cleared.pk], list_version_id=eul.pk)

    assert result == BatchResult(done=1, failed=0)
    run = rescreen_runs().get()
    assert (run.list_version_id, run.trigger_ref) == (published[0].pk, str(eul.pk))
    assert run.hits.get().entry.number == 806
    assert Notification.objects.get(pk=cleared.pk).status == Status.UNDER_REVIEW


def test_a_name_screened_once_is_not_searched_again_while_the_lists_stay(
    eul, exporter, monkeypatch
):
    cases = [case(exporter, Status.CLEARED, country="CN", party="Harbin Inst. of Technology")]
    cases += [case(exporter, Status.UNDER_REVIEW, country="CN", party="Harbin Inst. of Technology")]
    monkeypatch.setattr(rescreen, "_memo", MatchMemo())
    searched = []
    search = type(published_lists().eul.index).search

    def counted(self, query, **kwargs):
        searched.append(query)
        return search(self, query, **kwargs)

    monkeypatch.setattr(type(published_lists().eul.index), "search", counted)

    screening_rescreen_batch(notification_ids=[n.pk for n in cases], list_version_id=eul.pk)

    assert searched == ["Harbin Inst. of Technology"]
    hits = PartyHit.objects.order_by("run__notification_id")
    assert [(h.run.notification_id, h.party.notification_id) for h in hits] == [
        (n.pk, n.pk) for n in cases
    ]
    assert {h.entry.number for h in hits} == {541}

    # A newer version is a new index: the memo starts again.
    new_version = publish_eul(EUL_SAMPLE, label="2026-06-01", supersede=eul)
    screening_rescreen_batch(notification_ids=[cases[0].pk], list_version_id=new_version.pk)
    assert searched == ["Harbin Inst. of Technology"] * 2


def test_memo_is_emptied_when_it_grows_past_its_limit(eul):
    memo = MatchMemo(limit=1)
    lists = published_lists()
    matches = memo.for_lists(lists)
    matches[("a", "", "US")] = []
    assert memo.for_lists(lists) is matches
    matches[("b", "", "US")] = []
    assert memo.for_lists(lists) == {}


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query counts of PostgreSQL (set DATABASE_URL)"
)
def test_queries_of_a_batch_do_not_grow_with_its_size(eul, exporter):
    def batch(size: int) -> list[int]:
        # One case with a hit found before (stored in bulk with its hit), the rest plain.
        seen = screened(exporter, Status.CLEARED, country="CN", party="Harbin Institute of Tech")
        return [seen.pk] + [case(exporter, Status.CLEARED).pk for _ in range(size - 1)]

    small, large = batch(10), batch(100)
    published_lists()  # the worker builds the index once, not per batch

    counts = []
    for ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert screening_rescreen_batch(
                notification_ids=ids, list_version_id=eul.pk
            ) == BatchResult(done=len(ids), failed=0)
        counts.append(len(queries))

    assert rescreen_runs().count() == 110
    assert PartyHit.objects.filter(run__trigger=Trigger.LIST_PUBLICATION).count() == 2
    assert counts[0] == counts[1]
    assert counts[0] <= 25


def test_the_single_case_path_and_the_batch_share_the_assessment(eul, exporter, monkeypatch):
    """``_compute`` (submission, manual re-run, ``screening_rescreen``) goes through ``assess``."""
    notification = case(exporter, Status.SCREENING, country="IR", party="Amirkabir Univ. of Tech.")
    calls = []
    assess = screening_services.assess

    def spy(n, **kwargs):
        calls.append(n.pk)
        return assess(n, **kwargs)

    monkeypatch.setattr(screening_services, "assess", spy)
    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)
    assert calls == [notification.pk]
    assert run.hits.get().entry.number == 45
