"""Guards of the four-eyes rules (issue 17): each test fails when the rule is taken out of the
product (the mutation named in each docstring was made once and the test seen failing)."""

import contextlib

import pytest

from exportctl.accounts.roles import FIRM_ROLES, MINISTRY_ROLES, Role
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.models import Decision, DecisionKind, Notification, Permit, PermitStatus
from notifications.services import ScreeningResult
from notifications.workflow import Status, TransitionError
from screening.models import Disposition, PartyHit, ScreeningRun, Trigger
from screening.services import hit_adjudicate, screening_rerun_request
from tests.factories import UserFactory, submitted_at
from tests.review.conftest import make_reviewer

pytestmark = pytest.mark.django_db


def prohibited_case():
    """A case screening found prohibited (a sanctioned destination), referred to review."""
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=100, level="prohibited")
    )
    notification.refresh_from_db()
    assert notification.risk_level == "prohibited"
    return notification


def test_a_prohibited_risk_approval_needs_a_countersignature():
    """Mutation: ``COUNTERSIGN_LEVELS`` in notifications/services/decision_rules.py loses "prohibited" — one
    senior reviewer could then approve a sanctioned-destination case alone."""
    notification = prohibited_case()
    approver = make_reviewer(senior=True)
    services.notification_approve(notification=notification, actor=approver)
    notification.refresh_from_db()
    assert notification.status == Status.AWAITING_COUNTERSIGN
    assert not Permit.objects.filter(notification=notification).exists()

    # The approver countersigning their own approval is refused, and nothing changes.
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionError) as refused:
        services.notification_countersign(notification=notification, actor=approver)
    assert refused.value.code == "four_eyes"
    notification.refresh_from_db()
    assert notification.status == Status.AWAITING_COUNTERSIGN
    assert AuditEvent.objects.count() == events
    assert not Permit.objects.exists()

    countersigner = make_reviewer(senior=True)
    services.notification_countersign(notification=notification, actor=countersigner)
    notification.refresh_from_db()
    assert notification.status == Status.APPROVED
    assert Permit.objects.filter(notification=notification, status=PermitStatus.VALID).count() == 1
    assert list(
        Decision.objects.filter(notification=notification).values_list("kind", "actor")
    ) == [
        (DecisionKind.APPROVE_FOR_COUNTERSIGN, approver.pk),
        (DecisionKind.COUNTERSIGN, countersigner.pk),
    ]


def test_a_plain_reviewer_cannot_approve_a_prohibited_case_alone():
    """The same rule seen from a plain reviewer: no permit comes of their approval alone."""
    notification = prohibited_case()
    reviewer = make_reviewer()
    # Refused outright or sent for a countersignature: either way no permit comes of it.
    with contextlib.suppress(TransitionError):
        services.notification_approve(notification=notification, actor=reviewer)
    notification.refresh_from_db()
    assert notification.status != Status.APPROVED
    assert not Permit.objects.filter(notification=notification).exists()


# --- Screening actions are a reviewer's alone, at the service level --------------------------

#: Every role that is not a reviewer's: derived from the roles themselves, so that a role added
#: later is refused too unless it is made a reviewer's on purpose.
NON_REVIEWER_ROLES = sorted(
    set(Role) - {Role.REVIEWER, Role.SENIOR_REVIEWER}, key=lambda role: role.value
)


def screening_actions(case):
    """Each screening action a reviewer takes on a case: (name, call with an actor)."""
    hit = PartyHit.objects.filter(run__notification=case).first()
    assert hit is not None, "the case must carry a hit to adjudicate"
    return [
        (
            "adjudicate: confirmed",
            lambda actor: hit_adjudicate(
                hit=hit, actor=actor, disposition=Disposition.CONFIRMED, reason="Same entity."
            ),
        ),
        (
            "adjudicate: false positive",
            lambda actor: hit_adjudicate(
                hit=hit, actor=actor, disposition=Disposition.FALSE_POSITIVE, reason="Other."
            ),
        ),
        ("re-run screening", lambda actor: screening_rerun_request(notification=case, actor=actor)),
    ]


def screening_state(case):
    return (
        list(
            PartyHit.objects.filter(run__notification=case)
            .order_by("pk")
            .values_list("pk", "disposition", "disposition_reason", "adjudicated_by")
        ),
        ScreeningRun.objects.filter(notification=case).count(),
        Notification.objects.filter(pk=case.pk).values_list("status", "risk_level").get(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("role", NON_REVIEWER_ROLES, ids=lambda role: role.value)
def test_every_non_reviewer_role_is_refused_every_screening_action(
    case, role, django_capture_on_commit_callbacks
):
    """Mutation: the auditor role (or any other) added to the role strings in
    screening/services.py — it could then adjudicate hits and request re-runs."""
    if role in FIRM_ROLES:
        actor = UserFactory(firm=case.firm, roles=[role])  # even the case's own firm
    else:
        actor = UserFactory(roles=[role])
    before = screening_state(case)
    for name, act in screening_actions(case):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(TransitionError) as refused,
        ):
            act(actor)
        assert refused.value.code == "forbidden_role", name
        assert callbacks == [], name
        assert screening_state(case) == before, name


def test_every_ministry_role_but_the_reviewers_together_is_refused(
    case, django_capture_on_commit_callbacks
):
    """One person holding every ministry role except the reviewer's: still refused."""
    actor = UserFactory(roles=[r for r in MINISTRY_ROLES if r in NON_REVIEWER_ROLES])
    before = screening_state(case)
    for name, act in screening_actions(case):
        with pytest.raises(TransitionError) as refused:
            act(actor)
        assert refused.value.code == "forbidden_role", name
    assert screening_state(case) == before


def test_a_reviewer_may_take_every_screening_action(case, django_capture_on_commit_callbacks):
    """The other side of the guard: the same calls succeed for a reviewer, so the refusals
    above are about the role and nothing else."""
    reviewer = make_reviewer()
    for _name, act in screening_actions(case):
        with django_capture_on_commit_callbacks(execute=True):
            act(reviewer)
    assert PartyHit.objects.filter(run__notification=case, adjudicated_by=reviewer).exists()
    assert ScreeningRun.objects.filter(notification=case, trigger=Trigger.MANUAL).exists()
