"""One door for access (issue 12): roles are compared in ``exportctl/access.py`` and nowhere else.

The product's code is parsed (``ast``), not grepped, so comments and docstrings do not count and
a comparison written over several lines does. A *role check* is any of:

* a comparison (``==``, ``!=``, ``in``, ``not in``, ``is``) one of whose sides is, or is a literal
  collection containing, a ``Role`` member (``Role.AUDITOR``, ``Role.AUDITOR.value``), a role's
  string value (``"auditor"``) or the role groups ``FIRM_ROLES`` / ``MINISTRY_ROLES``;
* a set operation (``&``, ``|``, ``-``) on such a value, or on a person's ``.roles``
  (``user.roles``, ``actor.roles``, ``request.user.roles`` …);
* a call of ``.has_role(...)``;
* a query on role groups (a ``groups__name…`` keyword).

Declaring who may make a move (the workflow's table, a service's set of role values handed to
``access.acts_as``), giving a user their groups, and the enum's own module are not checks. The
templates are held to the same rule: they ask ``may.<area>`` (``exportctl.accounts.
context_processors``), never a role's name.
"""

import ast
import re
from pathlib import Path

from exportctl.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("exportctl", "notifications", "screening", "partners")
#: The door itself, and the enum's own module.
ALLOWED = {Path("exportctl/access.py"), Path("exportctl/accounts/roles.py")}
#: Not product code: database history, and the benchmarks (issue 12 moves them out).
SKIPPED_PARTS = {"migrations", "benchmarks"}

ROLE_VALUES = frozenset(role.value for role in Role)
ROLE_GROUPS = frozenset({"FIRM_ROLES", "MINISTRY_ROLES"})
#: Names under which the code holds a person.
PERSONS = frozenset({"user", "actor", "assignee", "colleague", "target", "member", "person"})
SET_OPERATIONS = (ast.BitAnd, ast.BitOr, ast.Sub)
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)


def product_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in ALLOWED or SKIPPED_PARTS & set(relative.parts):
                continue
            yield relative


def _is_role_member(node) -> bool:
    """``Role.X`` or ``Role.X.value``."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
        and node.attr in Role.__members__
    )


def _is_role_value(node) -> bool:
    if _is_role_member(node):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in ROLE_VALUES
    if isinstance(node, ast.Name):
        return node.id in ROLE_GROUPS
    if isinstance(node, ast.Attribute):
        return node.attr in ROLE_GROUPS
    if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
        return any(_is_role_value(element) for element in node.elts)
    if isinstance(node, ast.Call) and not node.keywords:
        # frozenset({Role.X, ...}), set([...])
        return any(_is_role_value(argument) for argument in node.args)
    return False


def _is_persons_roles(node) -> bool:
    """``user.roles``, ``actor.roles``, ``request.user.roles``, ``self.request.user.roles``."""
    if not (isinstance(node, ast.Attribute) and node.attr == "roles"):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id in PERSONS
    return isinstance(owner, ast.Attribute) and owner.attr in PERSONS


def role_checks(source: str) -> list[tuple[int, str]]:
    """Every role check in ``source``: (line, what it is)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(isinstance(op, COMPARISONS) for op in node.ops):
            if any(_is_role_value(side) for side in [node.left, *node.comparators]):
                found.append((node.lineno, "compares a role"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, SET_OPERATIONS):
            sides = (node.left, node.right)
            if any(_is_role_value(side) or _is_persons_roles(side) for side in sides):
                found.append((node.lineno, "set operation on roles"))
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "has_role":
                found.append((node.lineno, "calls has_role"))
            if any((kw.arg or "").startswith("groups__name") for kw in node.keywords):
                found.append((node.lineno, "queries role groups"))
    return found


def test_roles_are_compared_only_in_the_access_module():
    offences = [
        f"{path}:{line}: {what}"
        for path in product_files()
        for line, what in role_checks((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert offences == [], "role checks outside exportctl/access.py:\n" + "\n".join(offences)


def test_the_product_files_are_found():
    files = set(product_files())
    assert Path("notifications/services/base.py") in files
    assert Path("notifications/services/decisions.py") in files
    assert Path("partners/views.py") in files
    assert Path("exportctl/access.py") not in files


#: A role's name in a template: a comparison with ``user_roles`` or a role string tested there.
_ROLE_NAMES = "|".join(sorted(ROLE_VALUES))
_TEMPLATE_ROLE = re.compile(
    r"(\buser_roles\b\s*(==|!=)|\bin\s+user_roles\b|\bRole\.|\.has_role\b"
    rf"""|["']({_ROLE_NAMES})["']\s+in\b)"""
)


def test_templates_do_not_name_roles():
    offences = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _TEMPLATE_ROLE.search(line)
    ]
    assert offences == []


# --- The detector itself: each kind of check is found, a declaration is not ------------------


def test_the_detector_finds_each_kind_of_role_check():
    cases = {
        "user.firm_id is None and Role.AUDITOR in user.roles": "compares a role",
        "x = role == Role.REVIEWER.value": "compares a role",
        'ok = "senior_reviewer" in roles': "compares a role",
        'ok = roles & {"reviewer", "senior_reviewer"}': "set operation on roles",
        "ok = actor.roles & FIRM_ROLES": "set operation on roles",
        "ok = request.user.roles & wanted": "set operation on roles",
        "ok = user.has_role(Role.LIST_MANAGER)": "calls has_role",
        "q = User.objects.filter(groups__name__in=names)": "queries role groups",
        "ok = role in frozenset({Role.EXPORTER})": "compares a role",
    }
    for source, what in cases.items():
        assert [found for _line, found in role_checks(source)] == [what], source


def test_the_detector_leaves_declarations_alone():
    for source in (
        "ROLES = frozenset({Role.REVIEWER.value, Role.SENIOR_REVIEWER.value})",
        "user.groups.set(Group.objects.filter(name=Role.EXPORTER))",
        "access.acts_as(actor, notification, ROLES)",
        'context = {"audience": "exporter"}',
        "t.roles & wanted",
    ):
        assert role_checks(source) == [], source
