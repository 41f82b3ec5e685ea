"""Screening runs through the service: matching, rules, storage, audit and the workflow move."""

import datetime
import hashlib
import json

import pytest
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications.models import (
    Decision,
    DecisionKind,
    Notification,
    Party,
    Permit,
    PermitStatus,
    Review,
)
from notifications.services import notification_withdraw
from notifications.workflow import Status
from partners.models import CountryTier, ListedEntry, ListSource, ListVersion, ListVersionStatus
from screening import index_cache
from screening import services as screening_services
from screening.models import PartyHit, RunStatus, ScreeningRun, Trigger
from screening.rules import RULES, RULESET_VERSION
from screening.runs import compute
from screening.selectors import (
    criteria_rules,
    latest_completed_run_for,
    latest_run_for,
    rescreen_candidate_ids,
)
from screening.services import screening_rescreen, screening_run_execute
from tests.factories import UserFactory, submitted_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The factories hash a password per user; the real hasher would dominate these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Real entries of the End User List of 2025-09-29 (domain.md §11): (No., country, name, local
# name, aliases, codes, conventional weapons).
EUL_SAMPLE = [
    (1, "AF", "Al Qa'ida/Islamic Army", "", ["Al Qaeda", "The Base"], "BCMN", True),
    (5, "AE", "Delta Engineering Concern FZE (DEC)", "", [], "N", False),
    (39, "IR", "Advanced Technologies Company of Iran", "", ["IATC"], "N", False),
    (
        40,
        "IR",
        "Aerospace Industries Organization (AIO)",
        "",
        ["Sazemane Sanaye Hava Faza"],
        "M",
        True,
    ),
    (
        45,
        "IR",
        "Amir Kabir University of Technology",
        "",
        ["Amirkabir University of Technology"],
        "BCMN",
        False,
    ),
    (384, "KP", "Korean Committee for Space Technology", "", ["KCST"], "BCMN", True),
    (414, "KP", "Pyongyang Public Library", "平壌市図書館", [], "BCMN", False),
    (513, "CN", "CETC 14th Research Institute", "", ["NRIET"], "", True),
    (518, "CN", "China North Industries Group Corporation Limited", "", ["NORINCO"], "CM", True),
    (541, "CN", "Harbin Institute of Technology (HIT)", "", [], "M", True),
]
ROSOBORONEXPORT = (806, "RU", "Rosoboronexport OJSC (ROE)", "", ["ROSOBORONEXPORT JSC"], "M", True)

TIERS = [
    *(("US", "group_a"), ("DE", "group_a"), ("GB", "group_a")),
    *(("KP", "sanctioned"), ("KP", "un_arms_embargo"), ("KP", "country_of_concern")),
    ("IR", "country_of_concern"),
    *(("CN", "russia_diversion"), ("TH", "russia_diversion")),
    *(("RU", "russia_belarus"), ("BY", "russia_belarus")),
]


def make_tiers() -> None:
    for country, tier in TIERS:
        CountryTier.objects.create(
            country=country, tier=tier, effective_from=datetime.date(2025, 10, 9)
        )


def publish_eul(
    entries, *, label="2025-09-29", supersede=None, status=ListVersionStatus.PUBLISHED
) -> ListVersion:
    """A published (or draft) End User List version built through the ORM (the importer is not
    under test)."""
    source, _ = ListSource.objects.get_or_create(
        code="meti-eul",
        defaults={"name": "End User List", "authority": "METI", "advisory": False},
    )
    if supersede is not None:
        supersede.status = ListVersionStatus.SUPERSEDED
        supersede.save(update_fields=["status"])
    version = ListVersion.objects.create(
        source=source,
        label=label,
        status=status,
        published_at=timezone.now() if status == ListVersionStatus.PUBLISHED else None,
        effective_from=datetime.date(2025, 10, 9),
        entry_count=len(entries),
    )
    for number, country, name, local_name, aliases, codes, cw in entries:
        content = [country, name, local_name, aliases, sorted(codes), cw]
        ListedEntry.objects.create(
            version=version,
            number=number,
            country=country,
            name=name,
            local_name=local_name,
            aliases=aliases,
            concern_codes=list(codes),
            conventional_weapons=cw,
            row_hash=hashlib.sha256(json.dumps(content).encode()).hexdigest(),
        )
    return version


@pytest.fixture
def eul():
    make_tiers()
    return publish_eul(EUL_SAMPLE)


def case(
    status=Status.SUBMITTED, *, country="US", party="Acme Precision Tools Inc.", **kwargs
) -> Notification:
    notification = submitted_at(status, destination_country=country, **kwargs)
    Party.objects.filter(notification=notification).update(name=party, country=country)
    return notification


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_listed_end_user_under_a_variant_spelling_goes_to_review_with_the_hit_explained(eul):
    notification = case(country="IR", party="Amirkabir Univ. of Technology")

    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert (notification.risk_score, notification.risk_level) == (run.score, "high")
    assert (run.status, run.outcome, run.level, run.list_version) == (
        RunStatus.COMPLETED,
        "review",
        "high",
        eul,
    )
    assert run.ruleset_version == RULESET_VERSION
    assert run.finished_at is not None
    assert [f["rule"] for f in run.factors] == ["listed_party", "country_of_concern"]
    hit = PartyHit.objects.get(run=run)
    assert hit.entry.number == 45
    assert hit.party == notification.parties.get()
    assert hit.score >= 0.8
    assert hit.matched_name == "Amirkabir University of Technology"
    assert hit.explanation["name_kind"] == "alias"
    assert hit.explanation["party_name_searched"] == "Amirkabir Univ. of Technology"
    assert hit.explanation["pairs"]  # token by token, for the reviewer
    evidence = run.factors[0]["evidence"]["hits"][0]
    assert (evidence["entry_number"], evidence["concern_codes"]) == (45, ["B", "C", "M", "N"])
    assert Review.objects.filter(notification=notification, closed_at__isnull=True).count() == 1
    assert audit_actions() == [
        "notification.start_screening",
        "screening.run_completed",
        "notification.refer",
    ]


def test_harmless_party_to_group_a_clears(eul):
    notification = case(country="US", party="Acme Precision Tools Inc.")

    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    notification.refresh_from_db()
    assert notification.status == Status.CLEARED
    assert (notification.risk_score, notification.risk_level) == (0, "low")
    assert (run.score, run.level, run.outcome) == (0, "low", "cleared")
    assert [f["rule"] for f in run.factors] == ["group_a_no_licence"]
    assert run.hits.count() == 0
    assert audit_actions() == [
        "notification.start_screening",
        "screening.run_completed",
        "notification.clear",
        "document.issued",  # the receipt, issued with the clearance
    ]


def test_running_twice_writes_one_run_and_the_same_hits(eul):
    notification = case(country="KP", party="Pyongyang Public Library")

    first = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)
    hits = list(PartyHit.objects.values_list("run_id", "party_id", "entry_id", "score"))
    events = AuditEvent.objects.count()
    second = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    assert second.pk == first.pk
    assert ScreeningRun.objects.count() == 1
    assert list(PartyHit.objects.values_list("run_id", "party_id", "entry_id", "score")) == hits
    assert len(hits) == 1
    assert AuditEvent.objects.count() == events
    assert first.level == "prohibited"
    assert Notification.objects.get(pk=notification.pk).status == Status.UNDER_REVIEW


def test_local_script_name_matches(eul):
    notification = case(country="KP", party="Pyongyang City Library")
    Party.objects.filter(notification=notification).update(local_name="平壌市図書館")

    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    hit = run.hits.get()
    assert hit.entry.number == 414
    assert hit.matched_name == "平壌市図書館"


def test_withdrawn_before_the_worker_records_nothing(eul):
    notification = case(status=Status.WITHDRAWN)
    events = AuditEvent.objects.count()

    assert (
        screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION) is None
    )

    assert ScreeningRun.objects.count() == 0
    assert AuditEvent.objects.count() == events
    assert Notification.objects.get(pk=notification.pk).status == Status.WITHDRAWN


def test_withdrawn_while_computing_records_nothing(eul, monkeypatch):
    notification = case(
        status=Status.SCREENING, country="IR", party="Amirkabir Univ. of Technology"
    )
    compute = screening_services._compute

    def withdraw_meanwhile(*args, **kwargs):
        computed = compute(*args, **kwargs)
        notification_withdraw(
            notification=Notification.objects.get(pk=notification.pk),
            actor=notification.created_by,
            reason="order cancelled",
        )
        return computed

    monkeypatch.setattr(screening_services, "_compute", withdraw_meanwhile)

    assert (
        screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION) is None
    )

    assert ScreeningRun.objects.count() == 0
    assert PartyHit.objects.count() == 0
    assert audit_actions() == ["notification.withdraw"]
    assert Notification.objects.get(pk=notification.pk).status == Status.WITHDRAWN


def test_without_a_published_list_the_case_is_never_cleared_unscreened():
    make_tiers()
    notification = case(country="US")

    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    assert run.list_version is None
    assert (run.outcome, run.level) == ("review", "elevated")
    assert [f["rule"] for f in run.factors] == ["group_a_no_licence", "parties_not_screened"]
    assert Notification.objects.get(pk=notification.pk).status == Status.UNDER_REVIEW


def test_a_16_2_item_with_a_16_1_hs_code_is_screened_as_16_1(eul):
    from partners.models import SpecifiedHsScope

    SpecifiedHsScope.objects.create(
        hs_prefix="8526",
        description_en="Radar",
        description_ja="レーダー",
        effective_from=datetime.date(2025, 10, 9),
    )
    notification = case(country="VN", end_use_category="military")
    notification.items.update(classification="16_2", hs_code="8526.10")

    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    factor = next(f for f in run.factors if f["rule"] == "cw_16_1_general")
    assert factor["evidence"]["reclassified_items"] == [1]


def approve_with_permit(notification: Notification) -> Permit:
    reviewer = UserFactory()
    decision = Decision.objects.create(
        notification=notification, kind=DecisionKind.APPROVE, actor=reviewer
    )
    return Permit.objects.create(
        notification=notification,
        decision=decision,
        number=f"EXP-2026-{notification.pk:07d}",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2099, 1, 1),
    )


def test_rescreen_with_a_new_hit_reopens_an_approved_case_and_suspends_its_permit(eul):
    notification = case(country="RU", party="Rosoboronexport")
    # A filing to Russia is never cleared (domain.md §2a): it is referred, then approved, which
    # closes its review.
    assert (
        screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION).outcome
        == "review"
    )
    Review.objects.filter(notification=notification).update(closed_at=timezone.now())
    Notification.objects.filter(pk=notification.pk).update(status=Status.APPROVED)
    permit = approve_with_permit(notification)
    new_version = publish_eul([*EUL_SAMPLE, ROSOBORONEXPORT], label="2026-06-01", supersede=eul)

    run = screening_rescreen(notification_id=notification.pk, list_version_id=new_version.pk)

    notification.refresh_from_db()
    permit.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert permit.status == PermitStatus.SUSPENDED
    assert "No. 806" in permit.status_reason
    assert (run.trigger, run.trigger_ref, run.list_version) == (
        Trigger.LIST_PUBLICATION,
        str(new_version.pk),
        new_version,
    )
    assert run.hits.get().entry.number == 806
    assert ScreeningRun.objects.filter(notification=notification).count() == 2
    assert audit_actions()[-3:] == [
        "screening.run_completed",
        "permit.suspend",
        "notification.reopen",
    ]


def test_rescreen_of_a_cleared_case_with_a_new_hit_goes_to_review(eul):
    notification = case(country="CN", party="Harbin Inst. of Technology")
    Notification.objects.filter(pk=notification.pk).update(status=Status.CLEARED)
    new_version = publish_eul(EUL_SAMPLE, label="2026-06-01", supersede=eul)

    run = screening_rescreen(notification_id=notification.pk, list_version_id=new_version.pk)

    assert run.hits.get().entry.number == 541
    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert notification.risk_level == run.level == "high"


def test_rescreen_with_a_hit_already_seen_does_not_reopen(eul):
    notification = case(country="CN", party="Harbin Institute of Technology")
    screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)
    Notification.objects.filter(pk=notification.pk).update(status=Status.APPROVED)
    permit = approve_with_permit(notification)
    # The same listing (same content) in the next revision is no new hit.
    new_version = publish_eul(EUL_SAMPLE, label="2026-06-01", supersede=eul)

    run = screening_rescreen(notification_id=notification.pk, list_version_id=new_version.pk)

    assert run.hits.get().entry.version == new_version
    assert Notification.objects.get(pk=notification.pk).status == Status.APPROVED
    assert Permit.objects.get(pk=permit.pk).status == PermitStatus.VALID


def test_rescreen_of_a_closed_case_records_nothing(eul):
    notification = case(status=Status.DENIED, country="CN", party="Harbin Institute of Technology")

    assert screening_rescreen(notification_id=notification.pk, list_version_id=eul.pk) is None
    assert ScreeningRun.objects.count() == 0


def test_failure_marks_the_run_failed_visibly_and_a_retry_completes_it(eul, monkeypatch):
    notification = case(country="US")

    def broken(context):
        raise ValueError("rule table corrupt")

    monkeypatch.setattr(screening_services.rules, "evaluate", broken)
    with pytest.raises(ValueError, match="rule table corrupt"):
        screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    failed = ScreeningRun.objects.get()
    assert (failed.status, failed.error) == (RunStatus.FAILED, "ValueError: rule table corrupt")
    assert failed.score is None
    assert Notification.objects.get(pk=notification.pk).status == Status.SCREENING
    assert audit_actions() == ["notification.start_screening", "screening.run_failed"]

    monkeypatch.undo()
    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    assert run.pk == failed.pk
    assert (run.status, run.error, run.outcome) == (RunStatus.COMPLETED, "", "cleared")
    assert Notification.objects.get(pk=notification.pk).status == Status.CLEARED


def test_index_is_built_once_per_list_version(eul, monkeypatch):
    index_cache.clear()
    built = []
    build = index_cache.build_version_index
    monkeypatch.setattr(
        index_cache,
        "build_version_index",
        lambda version: built.append(version.pk) or build(version),
    )

    first = index_cache.published_lists()
    second = index_cache.published_lists()

    assert built == [eul.pk]
    assert first.eul is second.eul
    assert len(first.eul.index) == 10 + 8 + 1  # names, aliases and the one local-script name


def test_latest_run_shows_a_failure_until_a_run_completes(eul, monkeypatch):
    notification = case(country="US")
    assert latest_run_for(notification) is None
    monkeypatch.setattr(screening_services.rules, "evaluate", lambda context: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    assert latest_run_for(notification).status == RunStatus.FAILED
    assert latest_completed_run_for(notification) is None

    monkeypatch.undo()
    run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)
    assert latest_run_for(notification) == latest_completed_run_for(notification) == run


def test_rescreen_candidates_are_open_reviews_cleared_cases_and_valid_permits():
    expected = {
        status: case(status=status)
        for status in (
            Status.UNDER_REVIEW,
            Status.INFO_REQUESTED,
            Status.AWAITING_COUNTERSIGN,
            Status.CLEARED,
        )
    }
    with_permit = case(status=Status.APPROVED)
    approve_with_permit(with_permit)
    without_permit = case(status=Status.APPROVED)
    for status in (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.SCREENING,
        Status.DENIED,
        Status.WITHDRAWN,
    ):
        case(status=status)

    assert without_permit.pk not in set(rescreen_candidate_ids())
    assert list(rescreen_candidate_ids()) == sorted(
        [n.pk for n in expected.values()] + [with_permit.pk]
    )


def test_criteria_page_reads_the_rules_the_worker_applies():
    assert criteria_rules() is RULES


def test_publishing_a_list_that_names_a_cleared_party_reopens_the_case(
    django_capture_on_commit_callbacks,
    eager_tasks,
):
    """End to end through the publish service: publication → fan-out → re-screen → reopen."""
    from notifications.services import ScreeningResult, notification_clear
    from partners.services import list_version_publish
    from tests.factories import submitted_at

    make_tiers()
    first = publish_eul([row for row in EUL_SAMPLE if row[0] != 45])
    notification = submitted_at(Status.SCREENING, destination_country="IR")
    Party.objects.filter(notification=notification).update(
        name="Amirkabir Univ. of Technology", country="IR"
    )
    notification_clear(notification=notification, result=ScreeningResult(score=0, level="low"))
    draft = publish_eul(EUL_SAMPLE, label="2025-09-29b", status=ListVersionStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        list_version_publish(version=draft, actor=None)
    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    run = notification.screening_runs.get(trigger="list_publication")
    assert run.list_version_id == draft.pk
    assert run.hits.get().entry.number == 45
    first.refresh_from_db()
    assert first.status == "superseded"


# --- The party's kind ------------------------------------------------------------------------


def test_the_partys_kind_is_searched_with_and_keys_the_memo(eul, monkeypatch):
    """The worker searches each party with its kind (person or organisation) and never hands a
    person the result memoised for an organisation of the same name."""
    seen = []
    search = index_cache.ListIndex.search

    def recording(self, query, *args, **kwargs):
        seen.append((query, kwargs.get("kind")))
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(index_cache.ListIndex, "search", recording)
    organisation = case(country="IR", party="Amirkabir Univ. of Technology").parties.get()
    person = case(country="IR", party="Amirkabir Univ. of Technology").parties.get()
    Party.objects.filter(pk=person.pk).update(kind="person")
    person.refresh_from_db()
    lists = index_cache.published_lists()
    memo: dict = {}

    found = compute.screen_party(organisation, lists, memo)
    compute.screen_party(person, lists, memo)
    again = compute.screen_party(organisation, lists, memo)

    assert seen == [
        ("Amirkabir Univ. of Technology", "organization"),
        ("Amirkabir Univ. of Technology", "person"),
    ]  # the third call came from the memo
    assert sorted(key[3] for key in memo) == ["organization", "person"]
    assert [lists.eul.entries[h.entry_id].number for h in found] == [45]
    assert [(h.entry_id, h.score) for h in again] == [(h.entry_id, h.score) for h in found]


def test_a_screening_run_searches_the_party_as_filed_person_or_organisation(eul, monkeypatch):
    seen = []
    search = index_cache.ListIndex.search

    def recording(self, query, *args, **kwargs):
        seen.append((query, kwargs.get("kind")))
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(index_cache.ListIndex, "search", recording)
    notification = case(country="US", party="John Smith")
    Party.objects.filter(notification=notification).update(kind="person")

    screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)

    assert seen == [("John Smith", "person")]


def test_a_person_named_like_part_of_a_listed_body_is_not_alerted_the_body_is(eul):
    """The kind filed reaches the scorer: a person alerts on an organisation only when every word
    matches, an organisation under the same words does alert."""
    body = case(country="KP", party="Pyongyang Library")
    person = case(country="KP", party="Pyongyang Library")
    Party.objects.filter(notification=person).update(kind="person")

    body_run = screening_run_execute(notification_id=body.pk, trigger=Trigger.SUBMISSION)
    person_run = screening_run_execute(notification_id=person.pk, trigger=Trigger.SUBMISSION)

    [hit] = body_run.hits.all()
    assert hit.entry.number == 414
    assert hit.explanation["kind"]["party"] == "organization"
    assert person_run.hits.count() == 0
    assert Notification.objects.get(pk=body.pk).status == Status.UNDER_REVIEW
