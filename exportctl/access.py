"""One door for access: who a person is to the product, and what a refusal looks like.

Roles are Django groups named after ``exportctl.accounts.roles.Role``. Every question "may this
person …" is answered here, once; views, DRF permissions, selectors and services ask these
predicates and never compare roles themselves (``tests/security/test_one_door.py`` fails if they
do).

Two facts hold for every predicate:

* an inactive account holds no role (``User.roles`` is empty), so it is refused everywhere;
* firm roles count only for a user *of a firm*, ministry roles only for staff *without* one: a
  misconfigured account holding both kinds of group is never both.

**The refusal policy** (DESIGN.md, "Who uses it": an exporter must never see another firm's data;
issue 19: a refused attempt at a privileged action is on the audit trail):

* another firm's object is not disclosed: **404**, whoever asks, on every page and endpoint
  (``access_notification``, the firm's selectors);
* an area that shows one firm's own data (the exporter's pages, the firm's administration) or the
  audit record does not exist for anyone else: **404** (``Area.hidden``);
* a ministry work area (the review desk, list management, enforcement) and the firm's own tools
  refuse anyone else with **403**, which the refusal middleware writes to the audit trail;
* over the API, a person without the API's role is refused with **403** (DRF permissions return
  ``False``), another firm's object is 404.

``AREA_REFUSAL`` is that table, and ``refuse(area)`` the only place that chooses 403 or 404 for a
person without an area's role (an object that does not exist, or is another firm's, is always a
404: ``not_found``).

This module sits at the bottom of the layers (accounts imports it), so it imports nothing from the
apps above: it names the notification model by its app label.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeAlias, TypeGuard

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router
from django.http import Http404

from exportctl import compiled
from exportctl.accounts.roles import FIRM_ROLES, MINISTRY_ROLES, Role

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser, UserManager
    from django.db.models import QuerySet

    from exportctl.accounts.models import User

    #: Whoever asks: a signed-in user, an anonymous visitor, or no one (a task).
    Person: TypeAlias = User | AnonymousUser | None


class OfAFirm(Protocol):
    """An object that belongs to a firm (a notification, named here by its app label only)."""

    @property
    def firm_id(self) -> int | None: ...


#: The screening worker acting without a user (``notifications.workflow.Actor.SYSTEM``; a test
#: ties the two).
SYSTEM = "system"
#: A notification still being drafted exists only for its firm (``workflow.Status.DRAFT``; a test
#: ties the two).
DRAFT = "draft"

_FILERS = (Role.EXPORTER, Role.FIRM_ADMIN)
_REVIEWERS = (Role.REVIEWER, Role.SENIOR_REVIEWER)
_ENFORCERS = (Role.ENFORCEMENT_OFFICER, Role.SENIOR_REVIEWER)


# --- Role predicates ----------------------------------------------------------------------------


def roles_of_groups(names: Iterable[str]) -> frozenset[Role]:
    """The roles that the Django groups ``names`` stand for (other groups are ignored)."""
    names = set(names)
    return frozenset(role for role in Role if role.value in names)


def grants_firm_admin(roles: frozenset[Role]) -> bool:
    """Whether a set of roles (of an account, active or not) includes the firm's
    administration."""
    return Role.FIRM_ADMIN in roles


def _signed_in(user: Person) -> TypeGuard[User]:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def holds_role(user: Person, *roles: Role) -> TypeGuard[User]:
    """Whether ``user`` holds one of ``roles``, counting firm roles only for a firm's user and
    ministry roles only for staff without a firm."""
    if not _signed_in(user):
        return False
    kind = MINISTRY_ROLES if user.firm_id is None else FIRM_ROLES
    return bool(user.roles & kind & frozenset(roles))


def has_any_role(user: Person) -> bool:
    """Whether ``user`` holds any role at all (an account without one may not use the API)."""
    return bool(_signed_in(user) and user.roles)


def is_firm_user(user: Person) -> bool:
    """An active exporter or firm administrator of a firm."""
    return holds_role(user, *_FILERS)


def is_firm_user_of(user: Person, firm_id: int | None) -> bool:
    """An active exporter or firm administrator of the firm ``firm_id``."""
    # A firm's user is signed in; _signed_in only narrows the type for ``user.firm_id``.
    return is_firm_user(user) and _signed_in(user) and user.firm_id == firm_id


def is_firm_admin(user: Person) -> bool:
    return holds_role(user, Role.FIRM_ADMIN)


def is_ministry(user: Person) -> bool:
    """Active ministry staff (any ministry role, no firm)."""
    return holds_role(user, *MINISTRY_ROLES)


def is_reviewer(user: Person) -> bool:
    """A ministry reviewer or senior reviewer: works the review desk."""
    return holds_role(user, *_REVIEWERS)


def is_senior_reviewer(user: Person) -> bool:
    """Countersigns, revokes and reinstates permits, releases a colleague's claim."""
    return holds_role(user, Role.SENIOR_REVIEWER)


def is_auditor(user: Person) -> bool:
    return holds_role(user, Role.AUDITOR)


def is_list_manager(user: Person) -> bool:
    return holds_role(user, Role.LIST_MANAGER)


def is_enforcer(user: Person) -> bool:
    """Records violations and imposes sanctions: an enforcement officer or a senior reviewer."""
    return holds_role(user, *_ENFORCERS)


def is_enforcement_reader(user: Person) -> bool:
    """Reads the enforcement record: enforcement staff and the auditor."""
    return is_enforcer(user) or is_auditor(user)


def is_ministry_reader(user: Person) -> bool:
    """Reads the ministry's records of cases (inform notices): reviewers and the auditor."""
    return is_reviewer(user) or is_auditor(user)


def effective_roles(actor: Person, notification: OfAFirm) -> frozenset[str]:
    """The role values ``actor`` holds *for this notification*, as the workflow table names them:
    firm roles only on the actor's own firm's notifications, ministry roles only for staff
    without a firm; ``None`` is the system (the screening worker)."""
    if actor is None:
        return frozenset({SYSTEM})
    if not _signed_in(actor):
        return frozenset()
    return frozenset(
        role.value
        for role in Role
        if holds_role(actor, role)
        and (role not in FIRM_ROLES or actor.firm_id == notification.firm_id)
    )


def acts_as(actor: Person, notification: OfAFirm, roles: frozenset[str]) -> bool:
    """Whether ``actor`` holds one of ``roles`` (role values, or ``SYSTEM``) for
    ``notification``: the check of every service that is not a move of the table."""
    return bool(effective_roles(actor, notification) & roles)


def home_area(user: Person) -> str | None:
    """The area a signed-in person lands on (the start page), or ``None`` without a role."""
    if is_firm_user(user):
        return Area.FIRM
    if is_reviewer(user):
        return Area.REVIEW
    if is_auditor(user):
        return Area.AUDIT
    if is_list_manager(user):
        return Area.LISTS
    if holds_role(user, Role.ENFORCEMENT_OFFICER):
        return Area.ENFORCEMENT
    return None


# --- Who holds a role (querysets) ---------------------------------------------------------------


def _users() -> UserManager[User]:
    return apps.get_model("accounts", "User").objects


def reviewers() -> QuerySet[User]:
    """Colleagues a case can be assigned to: active ministry reviewers."""
    return _users().filter(
        is_active=True, firm__isnull=True, groups__name__in=[r.value for r in _REVIEWERS]
    )


def firm_users() -> QuerySet[User]:
    """The active exporters and firm administrators of every firm (callers narrow to one firm):
    who may read a firm's mail."""
    return _users().filter(
        is_active=True, firm__isnull=False, groups__name__in=[r.value for r in _FILERS]
    )


def firm_admins() -> QuerySet[User]:
    """Holders of the firm administrator's group (callers narrow to their firm)."""
    return _users().filter(groups__name=Role.FIRM_ADMIN.value)


# --- The one refusal policy ---------------------------------------------------------------------


class Area(enum.StrEnum):
    FIRM = "firm"  # the exporter's pages
    FIRM_ADMIN = "firm_admin"  # the firm's administration
    FIRM_TOOL = "firm_tool"  # the firm's screening self-check, list subscriptions
    REVIEW = "review"  # the review desk (and the ministry's read-only records)
    LISTS = "lists"  # list management
    AUDIT = "audit"  # the audit area
    ENFORCEMENT = "enforcement"  # recording and reading the enforcement record

    @property
    def hidden(self) -> bool:
        return AREA_REFUSAL[self] == 404


#: What a signed-in person without the area's role gets (see the module's docstring).
AREA_REFUSAL = {
    Area.FIRM: 404,
    Area.FIRM_ADMIN: 404,
    Area.AUDIT: 404,
    Area.FIRM_TOOL: 403,
    Area.REVIEW: 403,
    Area.LISTS: 403,
    Area.ENFORCEMENT: 403,
}


def refuse(area: Area, message: str = "") -> NoReturn:
    """Refuse a person without the role ``area`` needs: 404 where the area is hidden, else 403."""
    if area.hidden:
        raise Http404(message)
    if message:
        raise PermissionDenied(message)
    raise PermissionDenied


def not_found() -> NoReturn:
    """Another firm's object, or one that does not exist: the same answer."""
    raise Http404


def require_firm_user(user: Person) -> None:
    if not is_firm_user(user):
        refuse(Area.FIRM)


def require_firm_admin(user: Person) -> None:
    if not is_firm_admin(user):
        refuse(Area.FIRM_ADMIN)


def require_firm_tool_user(user: Person, message: str = "") -> None:
    if not is_firm_user(user):
        refuse(Area.FIRM_TOOL, message)


def require_reviewer(user: Person) -> None:
    if not is_reviewer(user):
        refuse(Area.REVIEW)


def require_ministry_reader(user: Person) -> None:
    if not is_ministry_reader(user):
        refuse(Area.REVIEW)


def require_list_manager(user: Person, message: str = "") -> None:
    if not is_list_manager(user):
        refuse(Area.LISTS, message)


def require_auditor(user: Person) -> None:
    if not is_auditor(user):
        refuse(Area.AUDIT)


def require_enforcer(user: Person) -> None:
    if not is_enforcer(user):
        refuse(Area.ENFORCEMENT)


def require_enforcement_reader(user: Person) -> None:
    if not is_enforcement_reader(user):
        refuse(Area.ENFORCEMENT)


# --- Notifications ------------------------------------------------------------------------------


class Audience(enum.StrEnum):
    EXPORTER = "exporter"  # the filing firm's users: every status, their own firm only
    REVIEWER = "reviewer"  # the review desk: every submitted notification


def access_notification(
    user: Person, id_or_public_id: int | str | UUID, *, audience: Audience = Audience.EXPORTER
) -> Any:  # the Notification, named by its app label (notifications sits above this module)
    """The notification ``id_or_public_id`` (a ``public_id``, or an integer primary key) as
    ``audience`` may read it, or 404.

    404, never 403: a person without the audience's role, another firm's notification, a
    reviewer asking for a draft and an id that names nothing get the same answer."""
    notifications = apps.get_model("notifications", "Notification").objects
    if audience == Audience.EXPORTER:
        if not is_firm_user(user) or not _signed_in(user):  # (_signed_in narrows the type)
            not_found()
        if not isinstance(id_or_public_id, int):
            # Every request of the exporter's API and pages asks this: the prepared query.
            return _firm_notification(user.firm_id, id_or_public_id)
        readable = notifications.filter(firm_id=user.firm_id)
    elif audience == Audience.REVIEWER:
        if not is_reviewer(user):
            not_found()
        readable = notifications.select_related("firm", "created_by").exclude(status=DRAFT)
    else:
        raise ValueError(f"unknown audience {audience!r}")
    key = "pk" if isinstance(id_or_public_id, int) else "public_id"
    try:
        return readable.get(**{key: id_or_public_id})
    except (readable.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def _firm_notification(firm_id: int | None, public_id: str | UUID) -> Any:
    """The notification ``public_id`` of the firm ``firm_id``, or 404 (as
    ``Notification.objects.filter(firm_id=firm_id).get(public_id=public_id)`` would answer).
    Every request of the exporter's API and pages asks it: its SQL is compiled once
    (``exportctl.compiled``), as the ORM would compile it again each time, at twice the CPU of
    running it."""
    try:
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    model = apps.get_model("notifications", "Notification")
    alias = router.db_for_read(model)
    field = model._meta.get_field("public_id")

    def prepared(value: uuid.UUID) -> Any:
        return field.get_db_prep_value(value, connections[alias], prepared=False)

    probe = uuid.UUID(int=0)
    statement = compiled.statement(
        "access.firm_notification",
        lambda: model.objects.filter(firm_id=0, public_id=probe).order_by(),
        probe=[0, prepared(probe)],
        using=alias,
    )
    found = list(model.objects.using(alias).raw(statement.sql, [firm_id, prepared(key)]))
    if not found:
        not_found()
    return found[0]
