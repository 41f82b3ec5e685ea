"""Rules of the moves beyond the table: readiness, four eyes, permits, reviews, e-mail."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from exportctl.accounts.roles import Role
from exportctl.audit import sealer
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.models import (
    Decision,
    DecisionKind,
    Notification,
    Permit,
    PermitStatus,
    Review,
)
from notifications.services import NotReadyError, ScreeningResult
from notifications.workflow import Status, TransitionError
from tests.factories import ExporterFactory, NotificationFactory, UserFactory, submitted_at

pytestmark = pytest.mark.django_db


def _reviewer():
    return UserFactory(roles=[Role.REVIEWER])


def _senior():
    return UserFactory(roles=[Role.REVIEWER, Role.SENIOR_REVIEWER])


def test_submit_lists_every_gap_and_changes_nothing():
    exporter = ExporterFactory()
    draft = NotificationFactory(
        firm=exporter.firm,
        created_by=exporter,
        destination_country="",
        end_use_description="",
        checklist={"1": {"answer": "yes"}},
    )
    events = AuditEvent.objects.count()
    with pytest.raises(NotReadyError) as refused:
        services.notification_submit(notification=draft, actor=exporter, declaration_accepted=True)
    assert [gap.field for gap in refused.value.gaps] == [
        "items",
        "destination_country",
        "end_user",
        "end_use_description",
        "checklist",
    ]
    assert "2, 3, 4" in str(refused.value.gaps[-1].message)
    draft.refresh_from_db()
    assert (draft.status, draft.reference, draft.submitted_at) == (Status.DRAFT, None, None)
    assert AuditEvent.objects.count() == events


def test_submit_needs_the_declaration():
    notification = submitted_at(Status.DRAFT)
    exporter = ExporterFactory(firm=notification.firm)
    with pytest.raises(TransitionError) as refused:
        services.notification_submit(
            notification=notification, actor=exporter, declaration_accepted=False
        )
    assert refused.value.code == "declaration_required"
    notification.refresh_from_db()
    assert notification.status == Status.DRAFT


def test_submit_assigns_a_reference_and_queues_screening_after_commit(
    django_capture_on_commit_callbacks,
):
    notification = submitted_at(Status.DRAFT)
    exporter = ExporterFactory(firm=notification.firm)
    with django_capture_on_commit_callbacks() as callbacks:
        services.notification_submit(
            notification=notification, actor=exporter, declaration_accepted=True
        )
    notification.refresh_from_db()
    assert notification.reference == f"EXN-{timezone.localdate():%Y}-{notification.pk:07d}"
    assert notification.submitted_at is not None
    assert notification.declaration_accepted_at == notification.submitted_at
    # Two side effects wait for the commit: the status e-mail and the screening task. (On
    # PostgreSQL a do-nothing hook also marks the transaction that holds the audit chain's lock.)
    effects = [c for c in callbacks if not isinstance(c, sealer._LockHeld)]
    assert len(effects) == 2


def test_status_change_mails_the_firm_in_each_readers_language(
    django_capture_on_commit_callbacks, eager_tasks
):
    notification = submitted_at(Status.SCREENING)
    # Colleagues who asked for all of their firm's mail; the filer hears in any case.
    opted_in = {"email_all_firm_notifications": True}
    ExporterFactory(
        firm=notification.firm, email="ja@example.com", preferred_language="ja", **opted_in
    )
    ExporterFactory(
        firm=notification.firm, email="en@example.com", preferred_language="en", **opted_in
    )
    ExporterFactory(email="other-firm@example.com", **opted_in)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_clear(
            notification=notification, result=ScreeningResult(score=5, level="low")
        )
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"ja@example.com", "en@example.com", notification.created_by.email}
    assert notification.reference in by_recipient["en@example.com"].subject
    assert "Cleared" in by_recipient["en@example.com"].subject


def test_low_risk_approval_issues_one_valid_permit_and_closes_the_review():
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=30, level="elevated")
    )
    reviewer = _reviewer()
    decision = services.notification_approve(
        notification=notification, actor=reviewer, conditions="No re-export.", validity_months=6
    )
    notification.refresh_from_db()
    assert notification.status == Status.APPROVED
    assert decision.kind == DecisionKind.APPROVE
    permit = Permit.objects.get(notification=notification)
    assert permit.status == PermitStatus.VALID
    assert permit.conditions == "No re-export."
    assert permit.valid_until == permit.valid_from + relativedelta(months=6)
    assert Review.objects.get(notification=notification).closed_at is not None


def test_high_risk_approval_waits_for_a_different_senior_reviewer():
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=75, level="high")
    )
    approver = _senior()
    services.notification_approve(notification=notification, actor=approver)
    notification.refresh_from_db()
    assert notification.status == Status.AWAITING_COUNTERSIGN
    assert not Permit.objects.filter(notification=notification).exists()

    events = AuditEvent.objects.count()
    with pytest.raises(TransitionError) as refused:
        services.notification_countersign(notification=notification, actor=approver)
    assert refused.value.code == "four_eyes"
    notification.refresh_from_db()
    assert notification.status == Status.AWAITING_COUNTERSIGN
    assert AuditEvent.objects.count() == events
    assert not Permit.objects.filter(notification=notification).exists()

    with pytest.raises(TransitionError) as refused:
        services.notification_countersign(notification=notification, actor=_reviewer())
    assert refused.value.code == "forbidden_role"

    countersigner = _senior()
    services.notification_countersign(notification=notification, actor=countersigner)
    notification.refresh_from_db()
    assert notification.status == Status.APPROVED
    assert Permit.objects.filter(notification=notification, status=PermitStatus.VALID).count() == 1
    kinds = list(Decision.objects.filter(notification=notification).values_list("kind", "actor"))
    assert kinds == [
        (DecisionKind.APPROVE_FOR_COUNTERSIGN, approver.pk),
        (DecisionKind.COUNTERSIGN, countersigner.pk),
    ]


def test_a_confirmed_hit_needs_a_countersignature_even_at_low_risk():
    from screening.models import Disposition, PartyHit, ScreeningRun
    from screening.services import hit_adjudicate
    from tests.screening.test_services import EUL_SAMPLE, publish_eul

    notification = submitted_at(Status.UNDER_REVIEW, risk_level="low")
    version = publish_eul(EUL_SAMPLE)
    run = ScreeningRun.objects.create(
        notification=notification,
        list_version=version,
        ruleset_version="test",
        trigger="submission",
    )
    hit = PartyHit.objects.create(
        run=run,
        party=notification.parties.get(),
        entry=version.entries.first(),
        score=0.9,
        matched_name="x",
    )
    # Screening records the confirmed hit on the filing, where four eyes reads it.
    hit_adjudicate(
        hit=hit, actor=_reviewer(), disposition=Disposition.CONFIRMED, reason="Same entity."
    )
    notification.refresh_from_db()
    assert services.needs_countersignature(notification)
    services.notification_approve(notification=notification, actor=_reviewer())
    notification.refresh_from_db()
    assert notification.status == Status.AWAITING_COUNTERSIGN


def test_deny_and_return_need_a_reason_and_change_nothing_without_one():
    notification = submitted_at(Status.UNDER_REVIEW)
    with pytest.raises(TransitionError) as refused:
        services.notification_deny(notification=notification, actor=_reviewer(), reason="  ")
    assert refused.value.code == "reason_required"
    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert not Decision.objects.filter(notification=notification).exists()


def test_request_info_needs_a_future_due_date():
    notification = submitted_at(Status.UNDER_REVIEW)
    with pytest.raises(TransitionError) as refused:
        services.notification_request_info(
            notification=notification,
            actor=_reviewer(),
            question="Who is the operator?",
            due_on=timezone.localdate(),
        )
    assert refused.value.code == "due_in_past"
    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW


def test_reopen_suspends_the_valid_permit_and_opens_a_new_review():
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=10, level="low")
    )
    services.notification_approve(notification=notification, actor=_reviewer())
    services.notification_reopen(
        notification=notification,
        result=ScreeningResult(score=70, level="high"),
        reason="End user listed in the new End User List.",
    )
    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert notification.risk_level == "high"
    permit = Permit.objects.get(notification=notification)
    assert permit.status == PermitStatus.SUSPENDED
    assert permit.status_reason == "End user listed in the new End User List."
    assert Review.objects.filter(notification=notification, closed_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(
        action="permit.suspend", object_id=str(permit.public_id)
    ).exists()


def test_withdraw_closes_the_open_review():
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=40, level="elevated")
    )
    exporter = ExporterFactory(firm=notification.firm)
    services.notification_withdraw(notification=notification, actor=exporter, reason="Order off")
    assert not Review.objects.filter(notification=notification, closed_at__isnull=True).exists()


def test_permits_past_their_validity_expire_and_are_audited():
    notification = submitted_at(Status.UNDER_REVIEW, risk_level="low")
    services.notification_approve(notification=notification, actor=_reviewer(), validity_months=1)
    permit = Permit.objects.get(notification=notification)
    assert services.permit_expire_due(today=permit.valid_until) == 0
    assert services.permit_expire_due(today=permit.valid_until + datetime.timedelta(days=1)) == 1
    permit.refresh_from_db()
    assert permit.status == PermitStatus.EXPIRED
    assert AuditEvent.objects.filter(action="permit.expire").count() == 1


def test_database_allows_one_valid_permit_and_one_open_review_per_notification():
    notification = submitted_at(Status.UNDER_REVIEW, risk_level="low")
    services.notification_approve(notification=notification, actor=_reviewer())
    permit = Permit.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Permit.objects.create(
            notification=notification,
            decision=Decision.objects.create(
                notification=notification, kind=DecisionKind.APPROVE, actor=_reviewer()
            ),
            number="EXP-DUPLICATE",
            valid_from=permit.valid_from,
            valid_until=permit.valid_until,
        )
    Review.objects.create(notification=notification, opened_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(notification=notification, opened_at=timezone.now())


def test_database_refuses_an_unknown_status_and_a_submission_without_reference():
    notification = NotificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(status="approved_by_magic")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(status=Status.SUBMITTED)
    notification.refresh_from_db()
    assert notification.status == Status.DRAFT
