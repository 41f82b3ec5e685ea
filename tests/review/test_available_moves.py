"""Offer what the table allows (issue 12): every page and payload that offers a move shows
``workflow.available_moves`` (the case's facts aside: the claim, four eyes), and the services
accept what is offered. Permits likewise, with ``workflow.available_permit_moves``.

For every status and role set: the firm's API status payload, the exporter's detail page and
dashboard, and the reviewer's case page (forms) and review API; for every permit status, the case
page's permit buttons. A few real service calls close the loop: offered means accepted."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from exportctl import access
from exportctl.accounts.roles import FIRM_ROLES, Role
from notifications import services
from notifications.models import Decision, DecisionKind, Notification, Permit, Review
from notifications.services import ScreeningResult
from notifications.workflow import (
    ALLOWED_TRANSITIONS,
    EXAMINATION_STATUSES,
    PERMIT_TRANSITIONS,
    Actor,
    Move,
    PermitMove,
    PermitStatus,
    Procedure,
    Status,
    TransitionError,
    available_moves,
    available_permit_moves,
    is_allowed,
)
from tests.api.conftest import token_client
from tests.factories import ExporterFactory, UserFactory, submitted_at
from tests.review.conftest import make_reviewer
from tests.review.test_api import api as review_api
from tests.review.test_api import at as review_at

pytestmark = pytest.mark.django_db

#: Role sets, one per kind of person (and the screening worker).
ROLE_SETS = {
    "exporter": frozenset({Role.EXPORTER.value}),
    "firm_admin": frozenset({Role.FIRM_ADMIN.value}),
    "reviewer": frozenset({Role.REVIEWER.value}),
    "senior": frozenset({Role.REVIEWER.value, Role.SENIOR_REVIEWER.value}),
    "auditor": frozenset({Role.AUDITOR.value}),
    "enforcement": frozenset({Role.ENFORCEMENT_OFFICER.value}),
    "system": frozenset({Actor.SYSTEM.value}),
}

#: The case page's decision forms, by the action each one makes.
CASE_FORMS = {
    "approve-form": "approve",
    "request-info-form": "request_info",
    "deny-form": "deny",
    "countersign-form": "countersign",
    "return-form": "return",
    "conclude-no-licence-form": "conclude_no_licence",
    "inform-form": "inform",
}


# --- The table itself ------------------------------------------------------------------------


@pytest.mark.parametrize("procedure", Procedure.values)
@pytest.mark.parametrize("who", ROLE_SETS)
@pytest.mark.parametrize("status", Status.values)
def test_available_moves_are_the_moves_the_checks_allow(status, who, procedure):
    roles = ROLE_SETS[who]
    assert available_moves(status, roles, procedure) == {
        move for move in Move if is_allowed(move, status=status, roles=roles, procedure=procedure)
    }


def test_available_moves_read_as_the_roles_rights():
    """Written from the roles' rights, not from what the code answers."""
    firm, reviewer, senior = ROLE_SETS["exporter"], ROLE_SETS["reviewer"], ROLE_SETS["senior"]
    assert available_moves(Status.DRAFT, firm) == {Move.SUBMIT}
    assert available_moves(Status.INFO_REQUESTED, firm) == {Move.RESPOND, Move.WITHDRAW}
    assert available_moves(Status.UNDER_REVIEW, firm) == {Move.WITHDRAW}
    assert available_moves(Status.APPROVED, firm) == frozenset()
    assert available_moves(Status.UNDER_REVIEW, reviewer) == {
        Move.REQUEST_INFO,
        Move.APPROVE,
        Move.APPROVE_FOR_COUNTERSIGN,
        Move.DENY,
        Move.DENY_FOR_COUNTERSIGN,
        Move.CONCLUDE_NO_LICENCE,
    }
    assert available_moves(Status.UNDER_REVIEW, reviewer, Procedure.PRIOR_REPORT) == {
        Move.REQUEST_INFO,
        Move.CONCLUDE_NO_LICENCE,
        Move.CONCLUDE_INFORMED,
    }
    assert available_moves(Status.AWAITING_COUNTERSIGN, reviewer) == frozenset()
    assert available_moves(Status.AWAITING_COUNTERSIGN, senior) == {
        Move.COUNTERSIGN,
        Move.COUNTERSIGN_DENIAL,
        Move.RETURN,
    }
    assert available_moves(Status.SCREENING, ROLE_SETS["system"]) == {Move.CLEAR, Move.REFER}
    for status in Status.values:
        assert available_moves(status, ROLE_SETS["auditor"]) == frozenset()


def test_every_move_of_a_person_has_a_name_on_the_pages():
    """A move added to the table for the firm or a reviewer must be given a page and API name
    (``FIRM_ACTIONS``, ``ACTION_OF_MOVE``), or it would be allowed and never offered."""
    firm_moves = {move for move, t in ALLOWED_TRANSITIONS.items() if t.roles & FIRM_ROLES}
    assert firm_moves == {move for move, _names in services.FIRM_ACTIONS}
    ministry = {Role.REVIEWER.value, Role.SENIOR_REVIEWER.value}
    reviewer_moves = {move for move, t in ALLOWED_TRANSITIONS.items() if t.roles & ministry}
    assert reviewer_moves == set(services.ACTION_OF_MOVE)


def test_the_firm_roles_have_the_same_moves():
    """The dashboard's list reads the firm's actions per filing with the viewer's roles; both
    firm roles may make the same moves (DESIGN: a firm administrator also files)."""
    for status in Status.values:
        assert available_moves(status, ROLE_SETS["exporter"]) == available_moves(
            status, ROLE_SETS["firm_admin"]
        )


def test_available_permit_moves_read_as_the_roles_rights():
    senior, reviewer = ROLE_SETS["senior"], ROLE_SETS["reviewer"]
    assert available_permit_moves(PermitStatus.VALID, senior) == {
        PermitMove.SUSPEND,
        PermitMove.SUSPEND_FOR_BAN,
        PermitMove.REVOKE,
    }
    assert available_permit_moves(PermitStatus.SUSPENDED, senior) == {
        PermitMove.REVOKE,
        PermitMove.REINSTATE,
    }
    for status in (PermitStatus.REVOKED, PermitStatus.EXPIRED):
        for roles in ROLE_SETS.values():
            assert available_permit_moves(status, roles) == frozenset()
    for status in PermitStatus.values:
        assert available_permit_moves(status, reviewer) == frozenset()
        assert available_permit_moves(status, ROLE_SETS["exporter"]) == frozenset()
    assert available_permit_moves(PermitStatus.VALID, ROLE_SETS["enforcement"]) == {
        PermitMove.SUSPEND_FOR_BAN
    }
    assert available_permit_moves(PermitStatus.VALID, ROLE_SETS["system"]) == {
        PermitMove.SUSPEND_FOR_BAN,
        PermitMove.EXPIRE,
    }


def test_the_permit_table_covers_every_permit_status():
    reached = {t.target for t in PERMIT_TRANSITIONS.values()}
    left = {status for t in PERMIT_TRANSITIONS.values() for status in t.sources}
    assert reached | left == set(PermitStatus)


def test_adjudication_is_open_in_the_examination_statuses():
    """Screening keeps a copy of the statuses in which hits are adjudicated: tied to the table."""
    from screening import services as screening_services

    assert screening_services.ADJUDICATION_STATUSES == EXAMINATION_STATUSES
    assert {Status.UNDER_REVIEW, Status.INFO_REQUESTED} == EXAMINATION_STATUSES


# --- The firm's pages and payload ------------------------------------------------------------


def firm_expected(notification: Notification, user) -> list[str]:
    """The firm's actions, from the table alone (the names of ``services.FIRM_ACTIONS``)."""
    roles = frozenset(role.value for role in user.roles)
    moves = available_moves(notification.status, roles, notification.procedure)
    return [name for move, names in services.FIRM_ACTIONS if move in moves for name in names] + [
        "copy"
    ]


@pytest.mark.parametrize("role", [Role.EXPORTER, Role.FIRM_ADMIN])
@pytest.mark.parametrize("status", Status.values)
def test_the_api_offers_the_firm_what_the_table_allows(status, role):
    user = UserFactory(roles=[role], firm=ExporterFactory().firm)
    notification = submitted_at(status, firm=user.firm, created_by=user)

    body = token_client(user).get(f"/api/v1/notifications/{notification.public_id}/status/")

    assert body.status_code == 200
    assert body.json()["actions"] == firm_expected(notification, user)


def _detail_buttons(client, notification) -> set[str]:
    page = client.get(reverse("notifications:detail", kwargs={"public_id": notification.public_id}))
    assert page.status_code == 200
    html = page.content.decode()
    found = set()
    if 'id="withdraw-link"' in html:
        found.add("withdraw")
    if 'id="answer-question"' in html:
        found.add("respond")
    if 'id="copy-notification"' in html:
        found.add("copy")
    return found


@pytest.mark.parametrize("status", sorted(set(Status.values) - {Status.DRAFT}))
def test_the_detail_page_offers_the_firm_what_the_table_allows(client, status):
    exporter = ExporterFactory()
    notification = submitted_at(status, firm=exporter.firm, created_by=exporter)
    client.force_login(exporter)

    offered = _detail_buttons(client, notification)

    expected = set(firm_expected(notification, exporter)) & {"withdraw", "respond", "copy"}
    assert offered == expected


def test_the_dashboard_continues_a_filing_only_while_it_can_be_edited(client):
    exporter = ExporterFactory()
    filings = {status: submitted_at(status, firm=exporter.firm) for status in Status.values}
    client.force_login(exporter)

    html = client.get(reverse("notifications:dashboard")).content.decode()

    continued = {
        status
        for status, notification in filings.items()
        if f"/notifications/{notification.public_id}/edit/" in html
    }
    assert continued == {
        status for status in Status.values if "edit" in firm_expected(filings[status], exporter)
    }


@pytest.mark.parametrize("status", Status.values)
def test_the_firm_is_refused_what_is_not_offered(status):
    """Offered means accepted: withdraw and respond, called for real from every status."""
    exporter = ExporterFactory()
    for move, call in (
        (
            "withdraw",
            lambda n: services.notification_withdraw(notification=n, actor=exporter, reason="x"),
        ),
        (
            "respond",
            lambda n: services.notification_respond(notification=n, actor=exporter, body="x"),
        ),
    ):
        notification = submitted_at(status, firm=exporter.firm)
        offered = move in services.firm_actions(notification, exporter)
        try:
            call(notification)
            accepted = True
        except TransitionError:
            accepted = False
        assert offered == accepted, (status, move)


# --- The reviewer's case page ----------------------------------------------------------------


def case_in(
    status: str, *, procedure: str = Procedure.CATCH_ALL, pending: str = ""
) -> Notification:
    """A case in ``status`` with the facts that hide nothing: unclaimed, elevated risk (no four
    eyes on an approval), and — awaiting a countersignature — a third senior's proposal."""
    notification = submitted_at(status)
    Notification.objects.filter(pk=notification.pk).update(
        procedure=procedure, risk_level="elevated", risk_score=30
    )
    notification.refresh_from_db()
    if status in (Status.UNDER_REVIEW, Status.INFO_REQUESTED, Status.AWAITING_COUNTERSIGN):
        Review.objects.create(
            notification=notification,
            opened_at=timezone.now(),
            due_on=timezone.localdate() + datetime.timedelta(days=90),
        )
    if status == Status.AWAITING_COUNTERSIGN:
        Decision.objects.create(
            notification=notification,
            kind=pending or DecisionKind.APPROVE_FOR_COUNTERSIGN,
            actor=make_reviewer(senior=True),
            reason="Grounds.",
        )
    return notification


def case_expected(notification: Notification, user) -> set[str]:
    """The case page's forms from the table alone: each move's action, and a catch-all inform
    notice (no move: it changes no status) while the evidence is examined."""
    roles = access.effective_roles(user, notification)
    moves = available_moves(notification.status, roles, notification.procedure)
    expected = {services.ACTION_OF_MOVE[move] for move in moves}
    if (
        notification.procedure == Procedure.CATCH_ALL
        and roles & {Role.REVIEWER.value, Role.SENIOR_REVIEWER.value}
        and notification.status in EXAMINATION_STATUSES
    ):
        expected.add("inform")
    return expected


def case_forms(client, notification) -> set[str]:
    page = client.get(f"/review/{notification.public_id}/")
    assert page.status_code == 200
    return {
        action
        for form_id, action in CASE_FORMS.items()
        if f'id="{form_id}"' in page.content.decode()
    }


CASES = [
    *((status, Procedure.CATCH_ALL, "") for status in sorted(set(Status.values) - {Status.DRAFT})),
    (Status.AWAITING_COUNTERSIGN, Procedure.CATCH_ALL, DecisionKind.DENY_FOR_COUNTERSIGN),
    (Status.UNDER_REVIEW, Procedure.PRIOR_REPORT, ""),
    (Status.INFO_REQUESTED, Procedure.PRIOR_REPORT, ""),
]


@pytest.mark.parametrize("senior", [False, True], ids=["reviewer", "senior"])
@pytest.mark.parametrize(("status", "procedure", "pending"), CASES)
def test_the_case_page_offers_the_forms_the_table_allows(
    client, settings, status, procedure, pending, senior
):
    settings.EXPORTCTL_MINISTRY_2FA = False
    user = make_reviewer("viewer@meti.example.jp", senior=senior)
    notification = case_in(status, procedure=procedure, pending=pending)
    client.force_login(user)

    offered = case_forms(client, notification)

    assert offered == case_expected(notification, user)
    assert offered == services.available_actions(notification, user) & set(CASE_FORMS.values())
    detail = review_api(user).get(review_at(notification))
    assert set(detail.data["available_actions"]) & set(CASE_FORMS.values()) == offered


@pytest.mark.parametrize("senior", [False, True], ids=["reviewer", "senior"])
@pytest.mark.parametrize("status", [Status.UNDER_REVIEW, Status.AWAITING_COUNTERSIGN])
def test_the_decisions_offered_on_the_case_page_are_accepted(status, senior):
    """Offered means accepted: every decision form, called for real on a fresh case."""
    user = make_reviewer("viewer@meti.example.jp", senior=senior)
    calls = {
        "approve": lambda n: services.notification_approve(notification=n, actor=user),
        "deny": lambda n: services.notification_deny(notification=n, actor=user, reason="x"),
        "request_info": lambda n: services.notification_request_info(
            notification=n,
            actor=user,
            question="Why?",
            due_on=timezone.localdate() + datetime.timedelta(days=14),
        ),
        "conclude_no_licence": lambda n: services.notification_conclude_no_licence(
            notification=n, actor=user, grounds="x"
        ),
        "countersign": lambda n: services.notification_countersign(notification=n, actor=user),
        "return": lambda n: services.notification_return(notification=n, actor=user, reason="x"),
    }
    for action, call in calls.items():
        notification = case_in(status)
        offered = action in case_expected(notification, user)
        try:
            call(notification)
            accepted = True
        except TransitionError as refused:
            accepted = refused.code == "outstanding"  # allowed, and told what is still owed
        assert offered == accepted, (status, senior, action)


# --- Permits on the case page ----------------------------------------------------------------


def approved_with_permit(status: str) -> tuple[Notification, Permit]:
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=30, level="elevated")
    )
    services.notification_approve(notification=notification, actor=make_reviewer())
    permit = Permit.objects.get(notification=notification)
    Permit.objects.filter(pk=permit.pk).update(status=status)
    permit.refresh_from_db()
    notification.refresh_from_db()
    return notification, permit


def permit_buttons(client, notification, permit) -> list[str]:
    html = client.get(f"/review/{notification.public_id}/").content.decode()
    article = html.split(f'id="permit-{permit.public_id}"', 1)[1].split("</article>", 1)[0]
    return re.findall(r'data-permit-move="([a-z_]+)"', article)


#: The permit moves the case page makes, in the order of its buttons.
PAGE_PERMIT_MOVES = [PermitMove.SUSPEND, PermitMove.REINSTATE, PermitMove.REVOKE]


@pytest.mark.parametrize("senior", [False, True], ids=["reviewer", "senior"])
@pytest.mark.parametrize("status", PermitStatus.values)
def test_the_case_page_offers_the_permit_moves_the_table_allows(client, settings, status, senior):
    settings.EXPORTCTL_MINISTRY_2FA = False
    user = make_reviewer("viewer@meti.example.jp", senior=senior)
    notification, permit = approved_with_permit(status)
    client.force_login(user)

    offered = permit_buttons(client, notification, permit)

    allowed = available_permit_moves(status, access.effective_roles(user, notification))
    assert offered == [move.value for move in PAGE_PERMIT_MOVES if move in allowed]


@pytest.mark.parametrize("senior", [False, True], ids=["reviewer", "senior"])
@pytest.mark.parametrize("status", PermitStatus.values)
def test_the_permit_moves_offered_are_accepted(status, senior):
    user = make_reviewer("viewer@meti.example.jp", senior=senior)
    calls = {
        PermitMove.SUSPEND: services.permit_suspend,
        PermitMove.REINSTATE: services.permit_reinstate,
        PermitMove.REVOKE: services.permit_revoke,
        PermitMove.SUSPEND_FOR_BAN: services.permit_suspend_for_ban,
    }
    for move, call in calls.items():
        notification, permit = approved_with_permit(status)
        offered = move in available_permit_moves(status, access.effective_roles(user, notification))
        try:
            call(permit=permit, actor=user, reason="Grounds.")
            accepted = True
        except TransitionError:
            accepted = False
        assert offered == accepted, (status, senior, move)
