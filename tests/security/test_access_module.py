"""Every branch of ``exportctl.access``: the role predicates, the one refusal policy, and
``access_notification``. Expectations come from the roles' rights (DESIGN.md, "Who uses it"), not
from what the code answers today."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from exportctl import access
from exportctl.accounts.roles import Role
from notifications.workflow import Actor, Status
from tests.factories import (
    ExporterFactory,
    FirmFactory,
    NotificationFactory,
    UserFactory,
    submitted_at,
)

pytestmark = pytest.mark.django_db


def staff(*roles):
    return UserFactory(roles=list(roles))


def firm_user(*roles, firm=None):
    return ExporterFactory(roles=list(roles) or [Role.EXPORTER], firm=firm or FirmFactory())


def inactive(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.__dict__.pop("roles", None)
    return user


# --- The copies this module keeps, tied to their enums ------------------------------------------


def test_the_system_actor_and_the_draft_status_are_the_workflows():
    assert Actor.SYSTEM.value == access.SYSTEM
    assert Status.DRAFT.value == access.DRAFT


# --- holds_role: the base of every predicate ---------------------------------------------------


def test_nobody_and_the_anonymous_visitor_hold_no_role():
    assert not access.holds_role(None, *Role)
    assert not access.holds_role(AnonymousUser(), *Role)


def test_an_inactive_account_holds_no_role():
    assert not access.holds_role(inactive(staff(Role.REVIEWER)), Role.REVIEWER)
    assert not access.holds_role(inactive(firm_user()), Role.EXPORTER)


def test_ministry_roles_count_only_without_a_firm_and_firm_roles_only_with_one():
    # A misconfigured account with both kinds of group is never both.
    mixed_staff = staff(Role.REVIEWER, Role.EXPORTER)
    assert access.holds_role(mixed_staff, Role.REVIEWER)
    assert not access.holds_role(mixed_staff, Role.EXPORTER)
    mixed_firm_user = firm_user(Role.EXPORTER, Role.REVIEWER)
    assert access.holds_role(mixed_firm_user, Role.EXPORTER)
    assert not access.holds_role(mixed_firm_user, Role.REVIEWER)


def test_has_any_role():
    assert access.has_any_role(staff(Role.AUDITOR))
    assert not access.has_any_role(staff())
    assert not access.has_any_role(AnonymousUser())
    assert not access.has_any_role(inactive(staff(Role.AUDITOR)))


def test_roles_of_groups_ignores_other_groups():
    assert access.roles_of_groups(["auditor", "staff-party", "reviewer"]) == {
        Role.AUDITOR,
        Role.REVIEWER,
    }
    assert access.grants_firm_admin(frozenset({Role.FIRM_ADMIN, Role.EXPORTER}))
    assert not access.grants_firm_admin(frozenset({Role.EXPORTER}))


# --- The predicates, per role ------------------------------------------------------------------

#: predicate: the roles (of ministry staff, or of a firm's user) that satisfy it.
PREDICATES = {
    "is_firm_user": {Role.EXPORTER, Role.FIRM_ADMIN},
    "is_firm_admin": {Role.FIRM_ADMIN},
    "is_ministry": {
        Role.REVIEWER,
        Role.SENIOR_REVIEWER,
        Role.LIST_MANAGER,
        Role.AUDITOR,
        Role.ENFORCEMENT_OFFICER,
    },
    "is_reviewer": {Role.REVIEWER, Role.SENIOR_REVIEWER},
    "is_senior_reviewer": {Role.SENIOR_REVIEWER},
    "is_auditor": {Role.AUDITOR},
    "is_list_manager": {Role.LIST_MANAGER},
    "is_enforcer": {Role.ENFORCEMENT_OFFICER, Role.SENIOR_REVIEWER},
    "is_enforcement_reader": {Role.ENFORCEMENT_OFFICER, Role.SENIOR_REVIEWER, Role.AUDITOR},
    "is_ministry_reader": {Role.REVIEWER, Role.SENIOR_REVIEWER, Role.AUDITOR},
}
FIRM_SIDE = {Role.EXPORTER, Role.FIRM_ADMIN}


@pytest.mark.parametrize("predicate", sorted(PREDICATES))
@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_predicate_answers_for_each_role(predicate, role):
    user = firm_user(role) if role in FIRM_SIDE else staff(role)
    assert getattr(access, predicate)(user) is (role in PREDICATES[predicate])
    assert getattr(access, predicate)(AnonymousUser()) is False
    assert getattr(access, predicate)(inactive(user)) is False


def test_a_firm_user_of_that_firm_only():
    user = firm_user()
    assert access.is_firm_user_of(user, user.firm_id)
    assert not access.is_firm_user_of(user, FirmFactory().pk)
    assert not access.is_firm_user_of(staff(Role.REVIEWER), None)


# --- effective_roles and acts_as: roles for one notification -----------------------------------


def test_the_system_acts_as_the_system():
    notification = NotificationFactory()
    assert access.effective_roles(None, notification) == {Actor.SYSTEM.value}
    assert access.acts_as(None, notification, frozenset({Actor.SYSTEM.value}))


def test_an_inactive_actor_holds_no_role_for_a_notification():
    notification = NotificationFactory()
    actor = inactive(notification.created_by)
    assert access.effective_roles(actor, notification) == frozenset()


def test_firm_roles_count_on_the_own_firms_notification_only():
    notification = NotificationFactory()
    admin = firm_user(Role.EXPORTER, Role.FIRM_ADMIN, firm=notification.firm)
    assert access.effective_roles(admin, notification) == {"exporter", "firm_admin"}
    stranger = firm_user()
    assert access.effective_roles(stranger, notification) == frozenset()
    assert not access.acts_as(stranger, notification, frozenset({"exporter"}))


def test_ministry_roles_count_on_any_notification():
    notification = NotificationFactory()
    senior = staff(Role.REVIEWER, Role.SENIOR_REVIEWER)
    assert access.effective_roles(senior, notification) == {"reviewer", "senior_reviewer"}
    assert access.acts_as(senior, notification, frozenset({"senior_reviewer"}))
    assert not access.acts_as(senior, notification, frozenset({"auditor"}))


# --- The start page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "area"),
    [
        ((Role.EXPORTER,), access.Area.FIRM),
        ((Role.REVIEWER,), access.Area.REVIEW),
        ((Role.AUDITOR,), access.Area.AUDIT),
        ((Role.LIST_MANAGER,), access.Area.LISTS),
        ((Role.ENFORCEMENT_OFFICER,), access.Area.ENFORCEMENT),
        ((), None),
    ],
)
def test_each_person_lands_on_their_own_area(roles, area):
    user = firm_user(*roles) if set(roles) & FIRM_SIDE else staff(*roles)
    assert access.home_area(user) == area


# --- Who holds a role (querysets) --------------------------------------------------------------


def test_reviewers_are_the_active_ministry_reviewers():
    reviewer, senior = staff(Role.REVIEWER), staff(Role.SENIOR_REVIEWER)
    inactive(staff(Role.REVIEWER))
    firm_user(Role.REVIEWER)  # a firm's user in the reviewers' group is no reviewer
    staff(Role.AUDITOR)
    assert set(access.reviewers()) == {reviewer, senior}


def test_firm_users_are_the_active_exporters_and_admins_of_a_firm():
    exporter, admin = firm_user(Role.EXPORTER), firm_user(Role.FIRM_ADMIN)
    inactive(firm_user(Role.EXPORTER))
    staff(Role.EXPORTER)  # no firm
    staff(Role.REVIEWER)
    assert set(access.firm_users()) == {exporter, admin}


def test_firm_admins_are_the_holders_of_the_group():
    admin = firm_user(Role.FIRM_ADMIN)
    firm_user(Role.EXPORTER)
    assert list(access.firm_admins()) == [admin]


# --- The refusal policy ------------------------------------------------------------------------


def test_the_policy_table_names_every_area():
    assert set(access.AREA_REFUSAL) == set(access.Area)
    assert {area for area in access.Area if area.hidden} == {
        access.Area.FIRM,
        access.Area.FIRM_ADMIN,
        access.Area.AUDIT,
    }


@pytest.mark.parametrize("area", list(access.Area), ids=str)
def test_refuse_answers_as_the_table_says(area):
    expected = Http404 if access.AREA_REFUSAL[area] == 404 else PermissionDenied
    with pytest.raises(expected):
        access.refuse(area)
    with pytest.raises(expected, match="why"):
        access.refuse(area, "why")


def test_not_found_is_a_404():
    with pytest.raises(Http404):
        access.not_found()


#: require_*: (predicate it asks, the area whose refusal it gives, extra arguments).
REQUIRES = {
    "require_firm_user": (Role.EXPORTER, Http404),
    "require_firm_admin": (Role.FIRM_ADMIN, Http404),
    "require_firm_tool_user": (Role.EXPORTER, PermissionDenied),
    "require_reviewer": (Role.REVIEWER, PermissionDenied),
    "require_ministry_reader": (Role.AUDITOR, PermissionDenied),
    "require_list_manager": (Role.LIST_MANAGER, PermissionDenied),
    "require_auditor": (Role.AUDITOR, Http404),
    "require_enforcer": (Role.ENFORCEMENT_OFFICER, PermissionDenied),
    "require_enforcement_reader": (Role.AUDITOR, PermissionDenied),
}


@pytest.mark.parametrize("name", sorted(REQUIRES))
def test_each_require_lets_its_role_through_and_refuses_the_rest(name):
    role, refusal = REQUIRES[name]
    require = getattr(access, name)
    allowed = firm_user(Role.EXPORTER, role) if role in FIRM_SIDE else staff(role)
    assert require(allowed) is None
    # Someone with no role at all, and someone of the other side, are refused as the area says.
    with pytest.raises(refusal):
        require(staff())
    other = staff(Role.LIST_MANAGER) if role in FIRM_SIDE else firm_user(Role.FIRM_ADMIN)
    if name == "require_list_manager":
        other = staff(Role.AUDITOR)
    with pytest.raises(refusal):
        require(other)
    with pytest.raises(refusal):
        require(AnonymousUser())


def test_a_refusal_carries_its_message():
    with pytest.raises(PermissionDenied, match="Only a list manager"):
        access.require_list_manager(staff(Role.AUDITOR), "Only a list manager")
    with pytest.raises(PermissionDenied, match="Only a firm's users"):
        access.require_firm_tool_user(staff(Role.AUDITOR), "Only a firm's users")


# --- access_notification -----------------------------------------------------------------------


def test_the_exporter_reads_their_own_firms_notification_in_any_status():
    notification = NotificationFactory(status=Status.DRAFT)
    user = notification.created_by
    found = access.access_notification(user, notification.public_id)
    assert found == notification
    assert access.access_notification(user, notification.pk) == notification  # by primary key


def test_another_firms_notification_is_a_404_for_the_exporter():
    notification = NotificationFactory()
    with pytest.raises(Http404):
        access.access_notification(firm_user(), notification.public_id)


def test_the_ministry_and_the_anonymous_visitor_have_no_exporter_notifications():
    notification = submitted_at(Status.UNDER_REVIEW)
    for user in (staff(Role.REVIEWER), AnonymousUser(), None):
        with pytest.raises(Http404):
            access.access_notification(user, notification.public_id)


def test_the_reviewer_reads_any_submitted_notification_but_no_draft():
    submitted = submitted_at(Status.UNDER_REVIEW)
    draft = NotificationFactory(status=Status.DRAFT)
    reviewer = staff(Role.REVIEWER)
    audience = access.Audience.REVIEWER
    assert access.access_notification(reviewer, submitted.public_id, audience=audience) == (
        submitted
    )
    with pytest.raises(Http404):
        access.access_notification(reviewer, draft.public_id, audience=audience)


def test_the_reviewers_audience_is_a_404_for_everyone_else():
    submitted = submitted_at(Status.UNDER_REVIEW)
    for user in (staff(Role.AUDITOR), submitted.created_by, AnonymousUser()):
        with pytest.raises(Http404):
            access.access_notification(user, submitted.public_id, audience=access.Audience.REVIEWER)


@pytest.mark.parametrize("key", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", 10**9])
def test_an_id_that_names_nothing_is_a_404(key):
    user = firm_user()
    with pytest.raises(Http404):
        access.access_notification(user, key)


def test_an_unknown_audience_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown audience"):
        access.access_notification(firm_user(), 1, audience="auditor")


def test_the_access_matrix_policy_is_this_modules_table():
    """The matrix (tests/security/test_access_matrix.py) writes the policy from the roles'
    rights; the product answers it from ``AREA_REFUSAL``. A change to either alone fails here."""
    from tests.security.test_access_matrix import GROUPS

    matrix_group = {
        access.Area.FIRM: "firm",
        access.Area.FIRM_ADMIN: "firm_admin",
        access.Area.FIRM_TOOL: "firm_tool",
        access.Area.REVIEW: "review",
        access.Area.LISTS: "lists",
        access.Area.AUDIT: "audit",
        access.Area.ENFORCEMENT: "enforcement",
    }
    assert set(matrix_group) == set(access.Area)
    for area, group in matrix_group.items():
        _permitted, refusals, _firm_objects = GROUPS[group]
        assert refusals["*"] == str(access.AREA_REFUSAL[area]), area
