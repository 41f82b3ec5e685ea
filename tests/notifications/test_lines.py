"""Lines of a filing and upload sniffing (issue 12): written once, found in one place.

Items and parties are described once (``notifications.lines.FilingLine``) and edited by one set of
services (``drafts.line_*``), pages (``exporter_views.lines``) and API endpoints
(``api.views.LineListCreate``/``LineDetail``); the per-kind names are one call of those. Upload
sniffing lives in ``notifications.uploads`` alone. The code is parsed (``ast``), not grepped.
"""

import ast
import inspect
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from notifications import drafts, exporter_views, lines, readiness
from notifications.api import views as api_views
from notifications.exporter_views import lines as line_pages
from notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("exportctl", "notifications", "screening", "partners")
LINES = (lines.ITEM, lines.PARTY)


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path.relative_to(ROOT), ast.parse(path.read_text(), filename=str(path))


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise AssertionError(f"no function {name}")


def _calls_only(function: ast.FunctionDef, callee: str) -> bool:
    """The body is one statement: a call of ``callee`` (returned or not), with ``line=``/
    ``pages=`` naming the kind."""
    if len(function.body) != 1:
        return False
    statement = function.body[0]
    if not isinstance(statement, ast.Return | ast.Expr) or statement.value is None:
        return False
    call = statement.value
    if not isinstance(call, ast.Call):
        return False
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return name == callee and {kw.arg for kw in call.keywords} & {"line", "pages"} != set()


@pytest.mark.parametrize("line", LINES, ids=lambda line: line.name)
def test_a_line_kind_names_its_own_model_fields_accessor_step_and_events(line):
    for name in line.fields:
        line.model._meta.get_field(name)  # raises FieldDoesNotExist for a stray name
    assert Notification._meta.get_field(line.related_name).related_model is line.model
    assert line.step in readiness.STEPS
    assert (line.added_event, line.updated_event, line.deleted_event) == (
        f"notification.{line.name}_added",
        f"notification.{line.name}_updated",
        f"notification.{line.name}_deleted",
    )


@pytest.mark.parametrize("line", LINES, ids=lambda line: line.name)
def test_every_line_kind_has_its_cap(line, settings):
    settings.NOTIFICATION_MAX_ITEMS = settings.NOTIFICATION_MAX_PARTIES = 3

    with pytest.raises(ValidationError) as refused:
        drafts.refuse_over_caps(**{line.related_name: 4})

    assert list(refused.value.message_dict) == [line.related_name]
    drafts.refuse_over_caps(**{line.related_name: 3})


def test_the_services_by_kind_are_one_call_of_the_line_services():
    tree = ast.parse((ROOT / "notifications/drafts.py").read_text())
    for kind in ("item", "party"):
        for verb in ("add", "update", "delete", "check"):
            function = _function(tree, f"{kind}_{verb}")
            assert _calls_only(function, f"line_{verb}"), f"{kind}_{verb}"


def test_the_pages_by_kind_are_one_call_of_the_line_pages():
    tree = ast.parse((ROOT / "notifications/exporter_views/lines.py").read_text())
    for kind in ("item", "party"):
        for verb in ("edit", "delete"):
            function = _function(tree, f"{kind}_{verb}")
            assert _calls_only(function, f"line_{verb}"), f"{kind}_{verb}"
    assert line_pages.ITEM_PAGES.line is lines.ITEM
    assert line_pages.PARTY_PAGES.line is lines.PARTY


def test_the_urls_reach_the_line_pages():
    public_id = "00000000-0000-0000-0000-000000000001"
    party_id = "00000000-0000-0000-0000-000000000002"
    for name, args, view in (
        ("notifications:item_edit", [public_id, 1], exporter_views.item_edit),
        ("notifications:item_delete", [public_id, 1], exporter_views.item_delete),
        ("notifications:party_edit", [public_id, party_id], exporter_views.party_edit),
        ("notifications:party_delete", [public_id, party_id], exporter_views.party_delete),
    ):
        assert resolve(reverse(name, args=args)).func is view


def test_the_api_endpoints_by_kind_only_name_their_line():
    for view, base, line in (
        (api_views.ItemListCreate, api_views.LineListCreate, lines.ITEM),
        (api_views.ItemDetail, api_views.LineDetail, lines.ITEM),
        (api_views.PartyListCreate, api_views.LineListCreate, lines.PARTY),
        (api_views.PartyDetail, api_views.LineDetail, lines.PARTY),
    ):
        assert view.__bases__ == (base,)
        assert view.line is line
        # extend_schema_view gives the subclass a copy of each documented method (for its own
        # operation id); the copy must wrap the generic method, not a rewrite of it.
        for name, value in vars(view).items():
            if inspect.isfunction(value):
                assert value.__wrapped__ is getattr(base, name), f"{view.__name__}.{name}"


def test_upload_sniffing_lives_in_the_uploads_module():
    """Content sniffing (``filetype``, and ``zipfile`` to look inside an upload) is imported by
    ``notifications.uploads`` only; the End User List importer reads the ministry's workbook."""
    allowed = {
        "filetype": {Path("notifications/uploads.py")},
        "zipfile": {Path("notifications/uploads.py"), Path("partners/importers/meti_eul.py")},
    }
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            found += [(name, path) for name in names & set(allowed) if path not in allowed[name]]
    assert found == []


def test_no_module_imports_a_private_name_of_drafts_uploads_or_lines():
    private = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in (
                "notifications.drafts",
                "notifications.uploads",
                "notifications.lines",
            ):
                private += [f"{path}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
