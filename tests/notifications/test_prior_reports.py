"""The key-technology prior report, through the real submit path: filed by the exporter, screened
by the (eager) worker, talked through with the ministry, and closed without concern (no permit)
or with an inform notice, after which the linked licence application is approved as today."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications import drafts, planning, prior_reports, services
from notifications.models import (
    Decision,
    Document,
    InformNotice,
    Notification,
    Permit,
    PriorReportDetails,
    Review,
)
from notifications.prior_report_models import RecipientRelation, TransactionType
from notifications.readiness import prior_report_gaps
from notifications.workflow import ALLOWED_TRANSITIONS, Move, Procedure, Status, TransitionError
from partners.models import KeyTechnology
from partners.services import reference_data_load
from tests.factories import ExporterFactory, full_checklist
from tests.review.conftest import make_reviewer
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.django_db

PLANNED = datetime.timedelta(days=60)


@pytest.fixture(autouse=True)
def _world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_tiers()
    publish_eul(EUL_SAMPLE)
    reference_data_load()


def set_planned_date(report, exporter, planned_date) -> None:
    drafts.draft_update(notification=report, actor=exporter, planned_date=planned_date)
    report.refresh_from_db()


def file_prior_report(
    exporter, *, recipient: str, country: str, planned_in=PLANNED, technology="mlcc"
) -> Notification:
    """Every step the exporter takes in the browser or over the API, through the draft services."""
    report = drafts.draft_create(
        actor=exporter,
        procedure=Procedure.PRIOR_REPORT,
        title="MLCC manufacturing know-how for our subsidiary",
        destination_country=country,
    )
    set_planned_date(report, exporter, timezone.localdate() + planned_in)
    drafts.prior_report_update(
        notification=report,
        actor=exporter,
        transaction_type=TransactionType.GUIDANCE,
        technology=KeyTechnology.objects.get(code=technology),
        technology_description="Process documents and on-site training for MLCC lines.",
        recipient_relation=RecipientRelation.SUBSIDIARY,
        protection_access_control=True,
        protection_contract_clauses=True,
        protection_measures="Documents stay on our servers; no onward transfer by contract.",
    )
    drafts.party_add(
        notification=report, actor=exporter, role="end_user", name=recipient, country=country
    )
    return report


def submit(report, exporter, django_capture_on_commit_callbacks) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_submit(notification=report, actor=exporter, declaration_accepted=True)
    report.refresh_from_db()
    return report


def dialogue(report, exporter, reviewer, django_capture_on_commit_callbacks) -> None:
    """The ministry asks, the firm answers: both on the record."""
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_request_info(
            notification=report,
            actor=reviewer,
            question="Which production steps does the training cover?",
            due_on=timezone.localdate() + datetime.timedelta(days=10),
        )
        services.notification_respond(
            notification=report, actor=exporter, body="Firing and termination only."
        )
    report.refresh_from_db()


def close_without_concern(report, reviewer):
    return services.notification_conclude_no_licence(
        notification=report, actor=reviewer, grounds="Protection measures address the concern."
    )


def inform(report, reviewer):
    return services.notification_inform(
        notification=report, actor=reviewer, grounds="The recipient is on the End User List."
    )


# (case, recipient, country, conclusion, final status)
OUTCOMES = [
    (
        "no concern",
        "Siam Ceramic Components Co., Ltd.",
        "TH",
        close_without_concern,
        Status.NO_LICENCE_REQUIRED,
    ),
    ("concern", "Amirkabir Univ. of Technology", "IR", inform, Status.INFORMED),
]


@pytest.mark.parametrize(
    ("case", "recipient", "country", "conclude", "final"), OUTCOMES, ids=[o[0] for o in OUTCOMES]
)
def test_a_prior_report_is_referred_talked_through_and_never_ends_in_a_permit(
    case, recipient, country, conclude, final, django_capture_on_commit_callbacks, eager_tasks
):
    exporter = ExporterFactory()
    reviewer = make_reviewer()
    report = file_prior_report(exporter, recipient=recipient, country=country)
    assert prior_report_gaps(report) == []
    report = submit(report, exporter, django_capture_on_commit_callbacks)
    # Whatever the score, the worker never clears a prior report: a reviewer decides.
    assert report.status == Status.UNDER_REVIEW
    assert report.reviews.filter(closed_at__isnull=True).count() == 1
    assert services.available_actions(report, reviewer) >= {
        "request_info",
        "conclude_no_licence",
        "inform",
    }
    assert not services.available_actions(report, reviewer) & {"approve", "deny"}
    dialogue(report, exporter, reviewer, django_capture_on_commit_callbacks)
    assert report.status == Status.UNDER_REVIEW
    assert list(report.messages.order_by("pk").values_list("kind", flat=True)) == [
        "question",
        "reply",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        conclude(report, reviewer)
    report.refresh_from_db()
    assert report.status == final
    assert report.decided_at is not None
    assert not Review.objects.filter(notification=report, closed_at__isnull=True).exists()
    assert not Permit.objects.filter(notification=report).exists()
    kinds = set(Document.objects.filter(notification=report).values_list("kind", flat=True))
    assert "permit" not in kinds and "receipt" not in kinds
    if final == Status.NO_LICENCE_REQUIRED:
        assert kinds == {"no_licence_letter"}
    else:
        notice = InformNotice.objects.get(notification=report)
        assert report.inform_notice_id == notice.pk
        assert notice.firm_id == exporter.firm_id
    # Every state change is on the record, in order.
    moves = list(
        AuditEvent.objects.filter(
            object_type="notifications.notification", object_id=str(report.public_id)
        )
        .filter(action__in=[f"notification.{m.value}" for m in Move])
        .order_by("seq")
        .values_list("action", flat=True)
    )
    last = "notification.conclude_no_licence" if case == "no concern" else "notification."
    assert moves[:6] == [
        "notification.submit",
        "notification.start_screening",
        "notification.refer",
        "notification.request_info",
        "notification.respond",
        moves[5],
    ]
    assert moves[5].startswith(last)
    assert len(moves) == 6


def test_the_licence_application_after_an_inform_notice_is_approved_as_today(
    django_capture_on_commit_callbacks, eager_tasks
):
    exporter = ExporterFactory()
    reviewer = make_reviewer()
    report = file_prior_report(
        exporter, recipient="Siam Ceramic Components Co., Ltd.", country="TH"
    )
    report = submit(report, exporter, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        inform(report, reviewer)
    report.refresh_from_db()
    assert report.status == Status.INFORMED

    application = prior_reports.licence_application_start(prior_report=report, actor=exporter)
    assert application.procedure == Procedure.CATCH_ALL
    assert application.inform_notice_id == report.inform_notice_id
    assert application.copied_from_id == report.pk
    assert list(application.parties.values_list("name", flat=True)) == [
        "Siam Ceramic Components Co., Ltd."
    ]
    assert application.items.get().key_technology.code == "mlcc"
    # Starting it twice gives the same application.
    assert (
        prior_reports.licence_application_start(prior_report=report, actor=exporter) == application
    )
    drafts.draft_update(
        notification=application,
        actor=exporter,
        end_use_category="industrial",
        end_use_description="MLCC production at the subsidiary.",
    )
    drafts.checklist_save(notification=application, actor=exporter, answers=full_checklist())
    application = submit(application, exporter, django_capture_on_commit_callbacks)
    # Covered by the inform notice: never cleared, the ministry decides the licence.
    assert application.status == Status.UNDER_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_approve(notification=application, actor=reviewer)
    application.refresh_from_db()
    if application.status == Status.AWAITING_COUNTERSIGN:  # high risk: four eyes, as today
        with django_capture_on_commit_callbacks(execute=True):
            services.notification_countersign(
                notification=application, actor=make_reviewer(senior=True)
            )
        application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert Permit.objects.filter(notification=application).count() == 1
    assert not Permit.objects.filter(notification=report).exists()


@pytest.mark.parametrize(
    ("move", "call"),
    [
        (Move.APPROVE, lambda n, r: services.notification_approve(notification=n, actor=r)),
        (
            Move.DENY,
            lambda n, r: services.notification_deny(notification=n, actor=r, reason="No."),
        ),
    ],
    ids=["approve", "deny"],
)
def test_approve_and_deny_are_refused_on_a_prior_report_and_nothing_changes(
    move, call, django_capture_on_commit_callbacks, eager_tasks
):
    exporter = ExporterFactory()
    reviewer = make_reviewer()
    report = file_prior_report(
        exporter, recipient="Siam Ceramic Components Co., Ltd.", country="TH"
    )
    report = submit(report, exporter, django_capture_on_commit_callbacks)
    events = AuditEvent.objects.count()
    decisions = Decision.objects.count()
    with pytest.raises(TransitionError) as refused:
        call(report, reviewer)
    assert refused.value.code == "wrong_procedure"
    report.refresh_from_db()
    assert report.status == Status.UNDER_REVIEW
    assert Decision.objects.count() == decisions
    assert not Permit.objects.exists()
    assert AuditEvent.objects.exclude(action="access.refused").count() == events
    assert Procedure.PRIOR_REPORT not in ALLOWED_TRANSITIONS[move].procedures


def test_the_table_gives_a_prior_report_no_clear_approve_deny_or_countersign_move():
    prior = {m for m, t in ALLOWED_TRANSITIONS.items() if Procedure.PRIOR_REPORT in t.procedures}
    assert not prior & {
        Move.CLEAR,
        Move.APPROVE,
        Move.APPROVE_FOR_COUNTERSIGN,
        Move.COUNTERSIGN,
        Move.DENY,
        Move.DENY_FOR_COUNTERSIGN,
        Move.COUNTERSIGN_DENIAL,
        Move.RETURN,
    }
    assert {Move.CONCLUDE_NO_LICENCE, Move.CONCLUDE_INFORMED, Move.REQUEST_INFO} <= prior
    assert Procedure.CATCH_ALL not in ALLOWED_TRANSITIONS[Move.CONCLUDE_INFORMED].procedures


def test_a_prior_report_lists_its_own_gaps_and_submits_nothing_without_them():
    exporter = ExporterFactory()
    report = drafts.draft_create(actor=exporter, procedure=Procedure.PRIOR_REPORT, title="MLCC")
    assert PriorReportDetails.objects.filter(notification=report).exists()
    fields = {gap.field for gap in prior_report_gaps(report)}
    assert fields == {
        "transaction_type",
        "technology",
        "technology_description",
        "planned_date",
        "recipient_relation",
        "protection_measures",
        "destination_country",
        "end_user",
    }
    with pytest.raises(services.NotReadyError):
        services.notification_submit(notification=report, actor=exporter, declaration_accepted=True)
    report.refresh_from_db()
    assert report.status == Status.DRAFT


def test_details_refuse_another_firm_a_catch_all_filing_and_a_technology_off_the_list():
    exporter = ExporterFactory()
    report = drafts.draft_create(actor=exporter, procedure=Procedure.PRIOR_REPORT, title="MLCC")
    with pytest.raises(TransitionError):
        drafts.prior_report_update(
            notification=report, actor=ExporterFactory(), transaction_type="licence"
        )
    catch_all = drafts.draft_create(actor=exporter, title="Pumps")
    with pytest.raises(TransitionError) as refused:
        drafts.prior_report_update(
            notification=catch_all, actor=exporter, transaction_type="licence"
        )
    assert refused.value.code == "wrong_procedure"
    retired = KeyTechnology.objects.create(
        code="retired",
        name_en="Retired",
        name_ja="廃止",
        effective_from=datetime.date(2024, 12, 30),
        effective_to=datetime.date(2025, 1, 31),
    )
    with pytest.raises(ValidationError) as invalid:
        drafts.prior_report_update(notification=report, actor=exporter, technology=retired)
    assert "technology" in invalid.value.message_dict
    report.prior_report.refresh_from_db()
    assert report.prior_report.technology_id is None
    assert report.prior_report.transaction_type == ""


@pytest.mark.parametrize(
    ("planned_in_days", "late", "after_deadline"),
    [(60, False, False), (25, False, True), (3, True, True), (-1, True, True)],
)
def test_deadlines_follow_the_planned_date(planned_in_days, late, after_deadline):
    exporter = ExporterFactory()
    report = file_prior_report(
        exporter,
        recipient="Siam Ceramic Components Co., Ltd.",
        country="TH",
        planned_in=datetime.timedelta(days=planned_in_days),
    )
    deadlines = prior_reports.deadlines_for(report)
    assert deadlines.due_by == report.planned_date - datetime.timedelta(
        days=prior_reports.LEAD_DAYS
    )
    assert deadlines.confirmed is False
    assert (deadlines.late, deadlines.after_deadline) == (late, after_deadline)
    assert deadlines.lateness == planning.lateness_of(report)


def test_a_report_whose_screening_would_clear_it_still_goes_to_a_reviewer(
    django_capture_on_commit_callbacks, eager_tasks
):
    """Even when no rule fires (here: the reported technology left the list between filing and
    screening, and the answers a catch-all filing would give are all "yes"), the worker does not
    clear a prior report: only the ministry's dialogue closes it."""
    from screening.models import Outcome, ScreeningRun

    exporter = ExporterFactory()
    report = file_prior_report(exporter, recipient="Acme Precision Tools Inc.", country="US")
    Notification.objects.filter(pk=report.pk).update(checklist=full_checklist())
    KeyTechnology.objects.filter(code="mlcc").update(
        effective_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    report = submit(report, exporter, django_capture_on_commit_callbacks)
    assert ScreeningRun.objects.get(notification=report).outcome == Outcome.CLEARED
    assert report.status == Status.UNDER_REVIEW
    assert not Document.objects.filter(notification=report).exists()  # no receipt


def test_the_reported_technology_is_the_key_technology_factor_the_reviewer_sees(
    django_capture_on_commit_callbacks, eager_tasks
):
    from screening.models import ScreeningRun

    exporter = ExporterFactory()
    report = file_prior_report(exporter, recipient="Acme Precision Tools Inc.", country="US")
    report = submit(report, exporter, django_capture_on_commit_callbacks)
    factors = {f["rule"]: f for f in ScreeningRun.objects.get(notification=report).factors}
    assert factors["key_technology"]["evidence"]["key_technologies"] == ["mlcc"]
    # The 20 checks of the catch-all "clearly" guideline are not asked on a prior report.
    assert "unresolved_checks" not in factors
    assert report.status == Status.UNDER_REVIEW


def test_the_review_queue_marks_a_prior_report(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    exporter = ExporterFactory()
    report = file_prior_report(exporter, recipient="Acme Precision Tools Inc.", country="US")
    report = submit(report, exporter, django_capture_on_commit_callbacks)
    client.force_login(make_reviewer())
    page = client.get(reverse("review:queue"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    row = page[page.index(f'data-reference="{report.reference}"') :].split("</tr>")[0]
    assert 'data-procedure="prior_report"' in row


def test_the_database_refuses_an_unknown_procedure_and_unknown_detail_choices():
    from django.db import IntegrityError, transaction

    exporter = ExporterFactory()
    report = drafts.draft_create(actor=exporter, procedure=Procedure.PRIOR_REPORT, title="MLCC")
    for model, field in (
        (Notification, "procedure"),
        (PriorReportDetails, "transaction_type"),
        (PriorReportDetails, "recipient_relation"),
    ):
        row = report if model is Notification else report.prior_report
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=row.pk).update(**{field: "permit"})
    report.refresh_from_db()
    assert report.procedure == Procedure.PRIOR_REPORT
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorReportDetails.objects.create(notification=report)  # one details row per report
