"""Every URL pattern of the project, found by walking the resolver, and the concrete URL of each
for a given firm's objects (so that a new pattern cannot be left out of the security tests)."""

from __future__ import annotations

import re

from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.security.world import FirmSide, World


def all_routes() -> list[str]:
    """The full route of every pattern, e.g. ``notifications/<uuid:public_id>/copy/``."""
    routes: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                routes.append(prefix + str(pattern.pattern))

    walk(get_resolver(), "")
    return routes


def is_admin(route: str) -> bool:
    return route.startswith("admin/")


#: What fills each path parameter: a function of the world and the firm whose objects are used.
def _values(route: str, world: World, side: FirmSide) -> dict[str, str]:
    notification = side.case
    if route.startswith("notifications/") and any(
        part in route for part in ("/edit/", "/items/", "/parties/", "/attachments/<")
    ):
        notification = side.draft
    if "/documents/<" in route or "/permits/" in route or route.endswith("/copy/"):
        notification = side.approved
    if route.startswith("api/v1/notifications/") and any(
        part in route
        for part in ("/items/", "/parties/", "/attachments/", "/checklist/", "/submit/")
    ):
        notification = side.draft
    attachment = side.draft_attachment if notification == side.draft else side.case_attachment
    if route.startswith("review/") and "/attachments/" in route:
        attachment = side.case_attachment
    public_id = notification.public_id
    if route.startswith("accounts/firm/colleagues/"):
        public_id = side.colleague.public_id
    elif route.startswith("accounts/firm/invitations/"):
        public_id = side.invitation.public_id
    elif route.startswith("audit/documents/"):
        public_id = side.permit_document.public_id
    elif route.startswith("lists/manage/imports/"):
        public_id = world.import_job.public_id
    elif route.startswith("lists/manage/measures/"):
        public_id = world.measures_draft.public_id
    elif route.startswith("lists/manage/"):
        public_id = world.draft_version.public_id
    item = notification.items.first()
    party = notification.parties.first()
    uid = urlsafe_base64_encode(force_bytes(side.exporter.pk))
    values = {
        "public_id": str(public_id),
        "step": "items",
        "item_id": str(item.pk) if item else "0",
        "position": str(item.position) if item else "1",
        "party_id": str(party.public_id) if party else "",
        "attachment_id": str(attachment.public_id),
        "document_id": str(side.permit_document.public_id),
        "hit_id": str(side.hit.public_id),
        "permit_id": str(side.permit.public_id),
        "notice_id": str(side.inform_notice.public_id),
        "violation_id": str(side.disclosure.public_id),
        "disclosure_id": str(side.disclosure.public_id),
        "evidence_id": str(side.evidence.public_id),
        "record_id": str(side.self_check_record.public_id),
        "action": "suspend",
        "token_key": side.token_key,
        "source_code": world.eul.code,
        "number": str(world.entry.number),
        "label": world.published.label,
        "what": "permits",
        "fmt": "csv",
        "uidb64": uid,
    }
    if route.startswith("accounts/signup/confirm/"):
        values["token"] = world.signup_token
    elif route.startswith("accounts/invitation/"):
        values["token"] = world.invitation_token
    else:
        values["token"] = default_token_generator.make_token(side.exporter)
    return values


def _fill(route: str, values: dict[str, str]) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match.group(1)], route)
    assert "<" not in path and "(" not in path, path
    return "/" + path


def concrete_url(route: str, world: World, side: FirmSide) -> str:
    """``route`` with every ``<converter:name>`` replaced by the right object of ``side``."""
    return _fill(route, _values(route, world, side))


def admin_url(route: str, object_pk: int) -> str:
    """An admin page about the object ``object_pk`` (a user: every model has some row 1..n)."""
    if route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if route.startswith("admin/^(?P<app_label>"):
        return "/admin/accounts/"
    key = str(object_pk)
    return _fill(route, {"object_id": key, "pk": key, "id": key, "content_type_id": "1"})
