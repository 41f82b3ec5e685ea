"""The access matrix: every URL pattern of the project × every role × own/other firm × GET/POST,
checked against the access POLICY below, written from the roles' rights (DESIGN.md, "Who uses it,
and for what"), not from a dump of the product's answers.

The policy says, per route group, who may use it and what everyone else gets:

* anyone: the public pages (verify a permit, the published lists, the criteria, the API's docs)
  and the links that act for whoever holds them (sign-up confirmation, invitation, password
  reset); the signed-out visitor alone: sign-in and sign-up (a signed-in person is sent on);
* every signed-in person: their own profile, API tokens and second factor, the start page;
* exporter and firm admin: their own firm's filings (another firm's are 404, as if they did not
  exist); the ministry has no exporter pages (404); over the API the ministry is refused (403);
* firm admin: the firm's administration; a personal API token: its holder;
* reviewer and senior reviewer: the review desk and the review API; everyone else 403;
* list manager: list management; everyone else 403;
* auditor: the audit area (read-only; 404 for everyone else) and the ministry's read-only
  records (inform notices); the auditor changes nothing (``test_an_auditor_changes_nothing``);
* the signed-out visitor gets the sign-in page (``L``) or, over the API, 401.

Each cell is derived from that policy. ``ANSWERS`` gives, per route, what a PERMITTED person gets
in the security world (200 for a page, 302 after a form, 400 for an empty form, 405 for a method
the route does not take): the product's behaviour for a permitted request, which the policy does
not decide. A route the method does not apply to is refused either by the method (405) or by the
role; both are accepted for those cells.

The patterns are found by walking the URL resolver, so a new page or endpoint fails
``test_every_route_has_an_expectation`` until someone decides its group and answers.
Outcomes: ``L`` is a redirect to the sign-in page, ``A`` to the admin's sign-in page, otherwise
the status code. ``own`` uses firm A's objects, ``other`` firm B's (only for routes that name a
firm's object). Every refusal (L, A, 401, 403, 404, 405) must leave every watched row and the
audit trail as they were (a failed sign-in's own audit event excepted), except that a 403 — a
refused attempt at a privileged action — writes exactly one ``access.refused`` event and nothing
else (issue 19); a 404 writes none (another firm's object is not disclosed, not even to the log).
"""

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.security.matrix import REFUSALS, Json, attempt, changes, clients, outcome, send
from tests.security.urlmap import admin_url, all_routes, concrete_url, is_admin
from tests.security.world import ROLES, build_staff, build_world, snapshot

# --- the policy -------------------------------------------------------------------------------

FIRM_USERS = {"exporter", "firm_admin"}
MINISTRY = {"reviewer", "senior", "list_manager", "auditor"}
SIGNED_IN = FIRM_USERS | MINISTRY

#: group: (who may use it, what everyone else gets: by role, or "*" for any other role,
#: "anonymous" for the signed-out visitor; whether objects are a firm's (another firm's is 404)).
GROUPS = {
    # Anyone: the public pages (verify a permit, the lists, the criteria, the API docs), the
    # links that act for whoever holds them (sign-up confirmation, invitation, password reset).
    "public": (set(ROLES), {}, False),
    # Only the signed-out visitor: sign-in and sign-up; a signed-in person is sent on (302).
    "guest": ({"anonymous"}, {"*": "302"}, False),
    # Every signed-in person: their own profile, API tokens, second factor, the start page.
    "signed_in": (SIGNED_IN, {"anonymous": "L"}, False),
    # The exporter's pages: firm users, on their own firm's objects only; the ministry has no
    # exporter pages (404), another firm's object does not exist for them (404).
    "firm": (FIRM_USERS, {"anonymous": "L", "*": "404"}, True),
    # The firm's administration: the firm admin only, on their own firm.
    "firm_admin": ({"firm_admin"}, {"anonymous": "L", "*": "404"}, True),
    # A personal API token: its holder only (the security world's token is the exporter's).
    "token_owner": ({"exporter"}, {"anonymous": "L", "*": "404"}, True),
    # The review desk: reviewers and senior reviewers; everyone else is refused (403).
    "review": ({"reviewer", "senior"}, {"anonymous": "L", "*": "403"}, False),
    # Read-only ministry records the auditor reads as well (inform notices).
    "review_read": ({"reviewer", "senior", "auditor"}, {"anonymous": "L", "*": "403"}, False),
    # List management: list managers only (403 for everyone else).
    "lists": ({"list_manager"}, {"anonymous": "L", "*": "403"}, False),
    # The audit area: the auditor only; it does not exist for anyone else (404).
    "audit": ({"auditor"}, {"anonymous": "L", "*": "404"}, False),
    # The firm's own screening self-check: firm users; the ministry is refused (403).
    "firm_tool": (FIRM_USERS, {"anonymous": "L", "*": "403"}, False),
    # The exporter's API: firm users on their own firm's objects (another firm's: 404); the
    # ministry is refused (403); without credentials, 401.
    "api_firm": (FIRM_USERS, {"anonymous": "401", "*": "403"}, True),
    # The review API: reviewers and senior reviewers.
    "api_review": ({"reviewer", "senior"}, {"anonymous": "401", "*": "403"}, False),
    # The API's own session endpoint: anyone signed in.
    "api_signed_in": (SIGNED_IN, {"anonymous": "401"}, False),
    # Enforcement (FEFTA Art. 53): recording, deciding and sanctioning is for the enforcement
    # officer and the senior reviewer (the world's "senior"); a plain reviewer, the auditor and
    # everyone else are refused (403).
    "enforcement": ({"senior"}, {"anonymous": "L", "*": "403"}, False),
    # The enforcement record read-only (list, a violation, its evidence, the CSV exports):
    # enforcement staff and the auditor.
    "enforcement_read": ({"senior", "auditor"}, {"anonymous": "L", "*": "403"}, False),
}

#: Route groups, first match wins: (route prefix or exact route, group).
ROUTE_GROUPS = (
    ("api/v1/review/", "api_review"),
    ("api/v1/notifications/", "api_firm"),
    ("api/v1/inform-notices/", "api_firm"),
    ("api/v1/disclosures/", "api_firm"),
    ("api/v1/screening/self-check/", "api_firm"),
    ("api/v1/auth/token/current/", "api_signed_in"),
    ("api/v1/", "public"),
    ("review/inform-notices/new/", "review"),
    ("review/inform-notices/", "review_read"),
    ("review/", "review"),
    ("lists/manage/", "lists"),
    # The e-mail on new list revisions: firm users (the ministry is refused, 403).
    ("lists/subscription/", "firm_tool"),
    ("lists/", "public"),
    ("audit/checkpoints", "public"),
    ("audit/", "audit"),
    ("notifications/", "firm"),
    ("disclosures/", "firm"),
    ("enforcement/violations/new/", "enforcement"),
    ("enforcement/violations/<uuid:violation_id>/confirm/", "enforcement"),
    ("enforcement/violations/<uuid:violation_id>/dismiss/", "enforcement"),
    ("enforcement/violations/<uuid:violation_id>/evidence/<", "enforcement_read"),
    ("enforcement/violations/<uuid:violation_id>/evidence/", "enforcement"),
    ("enforcement/violations/<uuid:violation_id>/sanction/", "enforcement"),
    ("enforcement/", "enforcement_read"),
    # A firm's self-check records are the firm's objects (another firm's, the ministry: 404).
    ("screening/self-check/records/", "firm"),
    ("screening/self-check/", "firm_tool"),
    ("accounts/firm/", "firm_admin"),
    ("accounts/tokens/<str:token_key>/", "token_owner"),
    ("accounts/login/", "guest"),
    ("accounts/signup/sent/", "public"),
    ("accounts/signup/confirm/", "public"),
    ("accounts/signup/", "guest"),
    ("accounts/profile/", "signed_in"),
    ("accounts/tokens/", "signed_in"),
    ("accounts/2fa/", "signed_in"),
    ("accounts/", "public"),
    ("healthz", "public"),
    ("i18n/setlang/", "public"),
    ("jsi18n/", "public"),
    ("verify/", "public"),
    ("screening/criteria/", "public"),
    ("=", "signed_in"),  # the start page "" sends each person to their own home
)


def group_of(route: str) -> str:
    for prefix, group in ROUTE_GROUPS:
        if prefix == "=":
            if route == "":
                return group
            continue
        if route.startswith(prefix):
            return group
    raise KeyError(route)


def side(role: str) -> str:
    return "firm" if role in FIRM_USERS else "ministry" if role in MINISTRY else "anonymous"


def expected_cell(route: str, answers: dict, line: str, role: str):
    """What ``role`` must get for ``line`` ("GET", "POST own", ...): one outcome, or a set of
    acceptable refusals when the route does not take the method at all."""
    method, _, variant = line.partition(" ")
    group = group_of(route)
    permitted, refusals, firm_objects = GROUPS[group]
    answer = answers[method]
    if isinstance(answer, dict):
        answer = answer.get(side(role), answer.get("*"))
    refusal = refusals.get(role, refusals.get("*"))
    if role in permitted and firm_objects and variant == "other":
        refusal = "404"  # another firm's object does not exist for them
    elif role in permitted:
        return answer
    if answer == "405":
        # The route does not take this method: refused either way, by the method or the role.
        return {"405", refusal}
    return refusal


# --- what a permitted person gets, per route -------------------------------------------------

ANSWERS: dict[str, dict[str, str | dict[str, str]]] = {
    "healthz": {"GET": "200", "POST": "405"},
    "i18n/setlang/": {"GET": "302", "POST": "302"},
    "jsi18n/": {"GET": "200", "POST": "405"},
    "accounts/login/": {"GET": "200", "POST": "200"},
    "accounts/logout/": {"GET": "405", "POST": "L"},
    "accounts/signup/": {"GET": "200", "POST": "200"},
    "accounts/signup/sent/": {"GET": "200", "POST": "200"},
    "accounts/signup/confirm/<str:token>/": {"GET": "200", "POST": "302"},
    "accounts/firm/": {"GET": "200", "POST": "200"},
    "accounts/firm/colleagues/": {"GET": "200", "POST": "200"},
    "accounts/firm/colleagues/<uuid:public_id>/deactivate/": {"GET": "200", "POST": "302"},
    "accounts/firm/colleagues/<uuid:public_id>/make-admin/": {"GET": "405", "POST": "302"},
    "accounts/firm/colleagues/<uuid:public_id>/reactivate/": {"GET": "405", "POST": "302"},
    "accounts/firm/invitations/": {"GET": "200", "POST": "200"},
    "accounts/firm/invitations/new/": {"GET": "200", "POST": "200"},
    "accounts/firm/invitations/<uuid:public_id>/resend/": {"GET": "405", "POST": "302"},
    "accounts/firm/invitations/<uuid:public_id>/revoke/": {"GET": "405", "POST": "302"},
    "accounts/invitation/<str:token>/": {"GET": "200", "POST": "200"},
    "accounts/profile/": {"GET": "200", "POST": "200"},
    "accounts/password/reset/": {"GET": "200", "POST": "200"},
    "accounts/password/reset/sent/": {"GET": "200", "POST": "405"},
    "accounts/password/reset/<uidb64>/<token>/": {"GET": "302", "POST": "302"},
    "accounts/password/reset/complete/": {"GET": "200", "POST": "405"},
    "accounts/tokens/": {"GET": "200", "POST": "200"},
    "accounts/tokens/<str:token_key>/revoke/": {"GET": "405", "POST": "302"},
    "accounts/2fa/setup/": {
        "GET": {"firm": "200", "ministry": "302"},
        "POST": {"firm": "200", "ministry": "302"},
    },
    "accounts/2fa/verify/": {
        "GET": {"firm": "302", "ministry": "200"},
        "POST": {"firm": "302", "ministry": "200"},
    },
    "notifications/": {"GET": "200", "POST": "200"},
    "notifications/inform-notices/": {"GET": "200", "POST": "405"},
    "notifications/inform-notices/<uuid:notice_id>/": {"GET": "200", "POST": "405"},
    "notifications/inform-notices/<uuid:notice_id>/pdf/": {"GET": "200", "POST": "405"},
    "notifications/new/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/status-fragment/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/edit/<slug:step>/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/edit/<slug:step>/validate/": {"GET": "405", "POST": "200"},
    "notifications/<uuid:public_id>/items/<int:item_id>/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/items/<int:item_id>/delete/": {"GET": "405", "POST": "302"},
    "notifications/<uuid:public_id>/parties/<uuid:party_id>/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/parties/<uuid:party_id>/delete/": {"GET": "405", "POST": "302"},
    "notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/": {
        "GET": "200",
        "POST": "200",
    },
    "notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/delete/": {
        "GET": "405",
        "POST": "302",
    },
    "notifications/<uuid:public_id>/documents/<uuid:document_id>/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/messages/": {"GET": "200", "POST": "302"},
    "notifications/<uuid:public_id>/withdraw/": {"GET": "200", "POST": "200"},
    "notifications/<uuid:public_id>/copy/": {"GET": "405", "POST": "302"},
    "notifications/<uuid:public_id>/licence-application/": {"GET": "405", "POST": "302"},
    # The permit page: the balance and the shipments; an empty form records nothing (200).
    "notifications/<uuid:public_id>/permits/<uuid:permit_id>/": {"GET": "200", "POST": "200"},
    "review/": {"GET": "200", "POST": "405"},
    "review/inform-notices/": {"GET": "200", "POST": "405"},
    "review/inform-notices/new/": {"GET": "200", "POST": "200"},
    "review/inform-notices/<uuid:notice_id>/": {"GET": "200", "POST": "405"},
    "review/inform-notices/<uuid:notice_id>/pdf/": {"GET": "200", "POST": "405"},
    "review/<uuid:public_id>/conclude-no-licence/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "review/<uuid:public_id>/claim/": {"GET": "405", "POST": "302"},
    "review/<uuid:public_id>/release/": {"GET": "405", "POST": "302"},
    "review/<uuid:public_id>/assign/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/hits/<uuid:hit_id>/adjudicate/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/rerun/": {"GET": "405", "POST": "302"},
    "review/<uuid:public_id>/notes/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/request-info/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/approve/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/countersign/": {"GET": "405", "POST": "302"},
    "review/<uuid:public_id>/return/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/deny/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/checklist/<int:number>/note/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/inform/": {"GET": "405", "POST": "400"},
    "review/<uuid:public_id>/permits/<uuid:permit_id>/<slug:action>/": {
        "GET": "405",
        "POST": "400",
    },
    "review/<uuid:public_id>/attachments/<uuid:attachment_id>/": {"GET": "200", "POST": "405"},
    "review/<uuid:public_id>/documents/<uuid:document_id>/": {"GET": "200", "POST": "405"},
    "verify/": {"GET": "200", "POST": "405"},
    "lists/manage/": {"GET": "200", "POST": "405"},
    "lists/manage/import/": {"GET": "200", "POST": "200"},
    "lists/manage/imports/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "lists/manage/imports/<uuid:public_id>/progress/": {"GET": "302", "POST": "405"},
    "lists/manage/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "lists/manage/<uuid:public_id>/publish/": {"GET": "405", "POST": "302"},
    "lists/manage/<uuid:public_id>/discard/": {"GET": "405", "POST": "302"},
    "lists/manage/<uuid:public_id>/progress/": {"GET": "302", "POST": "405"},
    "lists/manage/measures/": {"GET": "200", "POST": "200"},
    "lists/manage/measures/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "lists/manage/measures/<uuid:public_id>/publish/": {"GET": "405", "POST": "302"},
    "lists/manage/measures/<uuid:public_id>/discard/": {"GET": "405", "POST": "302"},
    "lists/manage/measures/<uuid:public_id>/csv/": {"GET": "200", "POST": "405"},
    "lists/": {"GET": "200", "POST": "405"},
    "lists/<slug:source_code>/": {"GET": "200", "POST": "405"},
    "lists/<slug:source_code>/entries/<int:number>/": {"GET": "200", "POST": "405"},
    "lists/feed/": {"GET": "200", "POST": "405"},
    "lists/subscription/": {"GET": "200", "POST": "302"},
    "lists/<slug:source_code>/download/": {"GET": "200", "POST": "405"},
    "lists/<slug:source_code>/changes/": {"GET": "200", "POST": "405"},
    "lists/<slug:source_code>/<str:label>/download.<str:fmt>": {"GET": "200", "POST": "405"},
    "audit/": {"GET": "200", "POST": "405"},
    "audit/cases/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "audit/documents/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "audit/verify-pdf/": {"GET": "200", "POST": "200"},
    "audit/export/<slug:what>.<slug:fmt>": {"GET": "200", "POST": "405"},
    "audit/log/": {"GET": "200", "POST": "405"},
    "audit/log/verify/": {"GET": "405", "POST": "200"},
    "audit/log/export.<slug:fmt>": {"GET": "200", "POST": "405"},
    "audit/checkpoints/": {"GET": "200", "POST": "405"},
    "audit/checkpoints.json": {"GET": "200", "POST": "405"},
    "screening/criteria/": {"GET": "200", "POST": "405"},
    "screening/self-check/": {"GET": "200", "POST": "200"},
    "screening/self-check/records/": {"GET": "200", "POST": "405"},
    "screening/self-check/records/<uuid:record_id>/pdf/": {"GET": "200", "POST": "405"},
    "api/v1/screening/self-check/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/": {"GET": "200", "POST": "405"},
    "api/v1/review/cases/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "api/v1/review/cases/<uuid:public_id>/claim/": {"GET": "405", "POST": "200"},
    "api/v1/review/cases/<uuid:public_id>/release/": {"GET": "405", "POST": "409"},
    "api/v1/review/cases/<uuid:public_id>/assign/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/hits/<uuid:hit_id>/adjudicate/": {
        "GET": "405",
        "POST": "400",
    },
    "api/v1/review/cases/<uuid:public_id>/rerun/": {"GET": "405", "POST": "202"},
    "api/v1/review/cases/<uuid:public_id>/notes/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/request-info/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/approve/": {"GET": "405", "POST": "409"},
    "api/v1/review/cases/<uuid:public_id>/countersign/": {"GET": "405", "POST": "409"},
    "api/v1/review/cases/<uuid:public_id>/return/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/deny/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/checklist/<int:number>/note/": {
        "GET": "405",
        "POST": "400",
    },
    "api/v1/review/cases/<uuid:public_id>/conclude-no-licence/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/inform/": {"GET": "405", "POST": "400"},
    "api/v1/review/cases/<uuid:public_id>/permits/<uuid:permit_id>/<slug:action>/": {
        "GET": "405",
        "POST": "400",
    },
    "api/v1/auth/token/": {"GET": "405", "POST": "400"},
    "api/v1/auth/token/current/": {"GET": "405", "POST": "405"},
    "api/v1/schema/": {"GET": "200", "POST": "405"},
    "api/v1/docs/": {"GET": "200", "POST": "405"},
    "api/v1/inform-notices/": {"GET": "200", "POST": "405"},
    "api/v1/inform-notices/<uuid:notice_id>/": {"GET": "200", "POST": "405"},
    "api/v1/inform-notices/<uuid:notice_id>/download/": {"GET": "200", "POST": "405"},
    "api/v1/disclosures/": {"GET": "200", "POST": "400"},
    "api/v1/disclosures/<uuid:disclosure_id>/": {"GET": "200", "POST": "405"},
    "disclosures/": {"GET": "200", "POST": "405"},
    "disclosures/new/": {"GET": "200", "POST": "200"},
    "disclosures/<uuid:violation_id>/": {"GET": "200", "POST": "405"},
    "enforcement/": {"GET": "200", "POST": "405"},
    "enforcement/violations/new/": {"GET": "200", "POST": "200"},
    "enforcement/violations/<uuid:violation_id>/": {"GET": "200", "POST": "405"},
    "enforcement/violations/<uuid:violation_id>/confirm/": {"GET": "405", "POST": "302"},
    "enforcement/violations/<uuid:violation_id>/dismiss/": {"GET": "405", "POST": "400"},
    "enforcement/violations/<uuid:violation_id>/evidence/": {"GET": "405", "POST": "400"},
    "enforcement/violations/<uuid:violation_id>/evidence/<uuid:evidence_id>/": {
        "GET": "200",
        "POST": "405",
    },
    "enforcement/violations/<uuid:violation_id>/sanction/": {"GET": "405", "POST": "400"},
    "enforcement/export/violations.csv": {"GET": "200", "POST": "405"},
    "enforcement/export/sanctions.csv": {"GET": "200", "POST": "405"},
    "api/v1/notifications/": {"GET": "200", "POST": "201"},
    "api/v1/notifications/<uuid:public_id>/": {"GET": "200", "POST": "405"},
    "api/v1/notifications/<uuid:public_id>/status/": {"GET": "200", "POST": "405"},
    "api/v1/notifications/<uuid:public_id>/submit/": {"GET": "405", "POST": "400"},
    "api/v1/notifications/<uuid:public_id>/withdraw/": {"GET": "405", "POST": "200"},
    "api/v1/notifications/<uuid:public_id>/copy/": {"GET": "405", "POST": "201"},
    "api/v1/notifications/<uuid:public_id>/checklist/": {"GET": "405", "POST": "405"},
    # Shipments under a permit: the list; an empty body is invalid (400) and records nothing.
    "api/v1/notifications/<uuid:public_id>/permits/<uuid:permit_id>/shipments/": {
        "GET": "200",
        "POST": "400",
    },
    "api/v1/notifications/<uuid:public_id>/items/": {"GET": "200", "POST": "400"},
    "api/v1/notifications/<uuid:public_id>/items/<int:position>/": {"GET": "200", "POST": "405"},
    "api/v1/notifications/<uuid:public_id>/parties/": {"GET": "200", "POST": "400"},
    "api/v1/notifications/<uuid:public_id>/parties/<uuid:party_id>/": {"GET": "200", "POST": "405"},
    "api/v1/notifications/<uuid:public_id>/attachments/": {"GET": "200", "POST": "400"},
    "api/v1/notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/": {
        "GET": "200",
        "POST": "405",
    },
    "api/v1/notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/download/": {
        "GET": "200",
        "POST": "405",
    },
    "api/v1/notifications/<uuid:public_id>/documents/": {"GET": "200", "POST": "405"},
    "api/v1/notifications/<uuid:public_id>/documents/<uuid:document_id>/download/": {
        "GET": "200",
        "POST": "405",
    },
    "api/v1/notifications/<uuid:public_id>/messages/": {"GET": "200", "POST": "400"},
    "": {"GET": "302", "POST": "302"},
}


def admin_expect(route: str) -> dict[str, str]:
    """The Django admin is for staff only and none of the portal's roles is staff: every page
    sends everyone to the admin's sign-in page, which answers (and refuses them), and its sign-out
    just redirects. New admin pages are covered by this rule without an entry of their own."""
    if route == "admin/login/":
        return {"GET": "200 200 200 200 200 200 200", "POST": "200 200 200 200 200 200 200"}
    if route == "admin/logout/":
        return {"GET": "302 302 302 302 302 302 302", "POST": "302 302 302 302 302 302 302"}
    return {"GET": "A A A A A A A", "POST": "A A A A A A A"}


#: Signing out ends with a redirect to the sign-in page; it is not a refusal (it is audited).
SIGN_OUT = "accounts/logout/"

#: What an auditor may POST: the read-only checks of the audit role, and the personal pages of
#: every signed-in person (language, sign-in/out, second factor, own profile and API tokens,
#: password reset) plus the public links that act for whoever holds them (sign-up, invitation).
AUDITOR_MAY_POST = {
    "audit/log/verify/",
    "audit/verify-pdf/",
    "i18n/setlang/",
    "accounts/login/",
    "accounts/signup/",
    "accounts/signup/sent/",
    "accounts/signup/confirm/<str:token>/",
    "accounts/invitation/<str:token>/",
    "accounts/profile/",
    "accounts/password/reset/",
    "accounts/password/reset/<uidb64>/<token>/",
    "accounts/tokens/",
    "accounts/2fa/setup/",
    "accounts/2fa/verify/",
    "api/v1/auth/token/",
    "",
}

ROUTES = all_routes()


#: Routes whose path names no firm's object (public data, signed links, the ministry's lists).
NOT_FIRM_SCOPED = (
    "lists/",
    "admin/",
    "accounts/password/",
    "accounts/signup/",
    "accounts/invitation/",
    "audit/export/",
    "audit/log/export.",
)

#: Form data for POSTs that would otherwise stop at "which form?" before any access question.
POST_DATA = {
    # A draft needs its subject (issue 14); with one, the firm's users create it (201).
    "api/v1/notifications/": Json(title="Access matrix"),
    "notifications/<uuid:public_id>/edit/<slug:step>/validate/": {
        "_form": "item",
        "_field": "description",
        "description": "x",
    },
}


def _methods(route: str) -> list[str]:
    if "<" in route and not route.startswith(NOT_FIRM_SCOPED):
        return ["GET own", "GET other", "POST own", "POST other"]
    return ["GET", "POST"]


def test_an_auditor_changes_nothing(db, settings):
    """The auditor POSTs to every route of the portal, for firm A's objects and firm B's, and
    each POST is refused and changes nothing (a 403 writes its one ``access.refused`` event),
    except exactly the checks the role exists for and the personal pages every user has
    (``AUDITOR_MAY_POST``); those change no case, list, permit or hit either."""
    settings.EXPORTCTL_MINISTRY_2FA = True
    world = build_world()
    baseline = snapshot()
    # What an auditor's accepted POST must leave alone: the cases, lists, permits and hits (a
    # public link such as a sign-up confirmation acts for whoever holds it, on accounts only).
    accounts = ("Firm", "User", "Invitation", "SignupRequest", "AuthToken", "User.flags")
    business = [key for key in baseline if key != "audit" and key not in accounts]
    sent, accepted, problems = 0, set(), []
    for route in ROUTES:
        if is_admin(route):
            continue
        for line in _methods(route):
            method, _, variant = line.partition(" ")
            if method != "POST":
                continue
            try:
                url = concrete_url(route, world, world.b if variant == "other" else world.a)
            except KeyError as missing:
                problems.append(f"{route}: urlmap.py cannot fill {missing} (add it there)")
                continue
            # A fresh session each time: signing out (an accepted POST) must not make the
            # requests after it anonymous.
            auditor = clients({"auditor": world.users["auditor"]})["auditor"]
            with transaction.atomic():
                cache.clear()
                response = send(auditor, "POST", url, POST_DATA.get(route))
                result = outcome(response)
                after = snapshot()
                transaction.set_rollback(True)
            sent += 1
            if result not in REFUSALS:
                accepted.add(route)
                changed = [key for key in business if after[key] != baseline[key]]
                if changed:
                    problems.append(f"{line} {url}: accepted ({result}) and changed {changed}")
                continue
            diff = changes(baseline, after, result)
            if diff:
                problems.append(f"{line} {url}: refused ({result}) but changed {diff}")
    assert sent > 100  # every POST route, own and other firm's object
    assert "\n".join(problems) == ""
    assert accepted == AUDITOR_MAY_POST


def test_every_route_has_an_expectation():
    """Every route is in a group of the policy and has its permitted answers; none is left over."""
    routes = [route for route in ROUTES if not is_admin(route)]
    missing = [route for route in routes if route not in ANSWERS]
    stale = [route for route in ANSWERS if route not in ROUTES]
    ungrouped = []
    for route in routes:
        try:
            group_of(route)
        except KeyError:
            ungrouped.append(route)
    assert missing == [] and stale == [] and ungrouped == []


def test_the_policy_states_who_may_do_what():
    """A few cells read straight from DESIGN.md, whatever the answers table says."""
    cell = expected_cell
    ok = {"GET": "200", "POST": "302"}
    assert cell("review/<uuid:public_id>/approve/", ok, "POST own", "auditor") == "403"
    assert cell("review/<uuid:public_id>/approve/", ok, "POST own", "list_manager") == "403"
    assert cell("review/<uuid:public_id>/approve/", ok, "POST own", "exporter") == "403"
    assert cell("review/<uuid:public_id>/approve/", ok, "POST other", "reviewer") == "302"
    assert cell("notifications/<uuid:public_id>/", ok, "GET other", "exporter") == "404"
    assert cell("notifications/<uuid:public_id>/", ok, "GET own", "reviewer") == "404"
    assert cell("notifications/<uuid:public_id>/", ok, "GET own", "anonymous") == "L"
    assert cell("lists/manage/<uuid:public_id>/publish/", ok, "POST", "auditor") == "403"
    assert cell("lists/manage/<uuid:public_id>/publish/", ok, "POST", "list_manager") == "302"
    assert cell("audit/log/", ok, "GET", "reviewer") == "404"
    assert cell("audit/log/", ok, "GET", "auditor") == "200"
    assert cell("api/v1/notifications/", ok, "GET", "anonymous") == "401"
    assert cell("api/v1/notifications/", ok, "GET", "auditor") == "403"
    assert cell("verify/", ok, "GET", "anonymous") == "200"
    assert cell("accounts/login/", ok, "GET", "exporter") == "302"


@pytest.mark.parametrize("route", ROUTES)
def test_access(route, db, settings):
    settings.EXPORTCTL_MINISTRY_2FA = True
    if is_admin(route):
        world, users = None, build_staff()
    else:
        world = build_world()
        users = world.users
    by_role = clients(users)
    baseline = snapshot()
    mismatches = []
    problems = []
    for line in _methods(route):
        method, _, variant = line.partition(" ")
        if world is None:
            url = admin_url(route, users["exporter"].pk)
        else:
            url = concrete_url(route, world, world.b if variant == "other" else world.a)
        for position, role in enumerate(ROLES):
            result, diff = attempt(
                by_role[role], method, url, baseline, POST_DATA.get(route), audit_403=True
            )
            if is_admin(route):
                expected = admin_expect(route)[method].split()[position]
            else:
                expected = expected_cell(route, ANSWERS[route], line, role)
            if result not in (expected if isinstance(expected, set) else {expected}):
                mismatches.append(f"{line} as {role}: got {result}, policy says {expected}")
            if diff and not (route == SIGN_OUT and method == "POST"):
                problems.append(f"{line} {url} as {role}: refused ({result}) but changed {diff}")
    assert mismatches == []
    assert problems == []
