"""The access matrix: every URL pattern of the project × every role × own/other firm × GET/POST.

The patterns are found by walking the URL resolver, so a new page or endpoint fails
``test_every_route_has_an_expectation`` until someone decides who may use it.

Expectations are strings of seven outcomes, one per role in ``ROLES`` order (anonymous, exporter
of firm A, firm admin of firm A, reviewer, senior reviewer, list manager, auditor): ``L`` is a
redirect to the sign-in page, ``A`` to the admin's sign-in page, otherwise the status code.
``own`` uses firm A's objects, ``other`` firm B's (only for routes that name a firm's object).
Every refusal (L, A, 401, 403, 404, 405) must leave every watched row and the audit trail as they
were (a failed sign-in's own audit event excepted), except that a 403 — a refused attempt at a
privileged action — writes exactly one ``access.refused`` event and nothing else (issue 19); a 404
writes none (another firm's object is not disclosed, not even to the log).
"""

import os

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.security.matrix import REFUSALS, attempt, changes, clients, outcome, send
from tests.security.urlmap import admin_url, all_routes, concrete_url, is_admin
from tests.security.world import ROLES, build_staff, build_world, snapshot

# Roles:  anonymous, exporter A, firm admin A, reviewer, senior reviewer, list manager, auditor.
# Lines "GET own", "POST own" etc.; when a route names no firm's object only "GET"/"POST".
EXPECT: dict[str, dict[str, str]] = {
    "healthz": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "i18n/setlang/": {
        "GET": "302 302 302 302 302 302 302",
        "POST": "302 302 302 302 302 302 302",
    },
    "jsi18n/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "accounts/login/": {
        "GET": "200 302 302 302 302 302 302",
        "POST": "200 302 302 302 302 302 302",
    },
    "accounts/logout/": {
        "GET": "405 405 405 405 405 405 405",
        "POST": "L L L L L L L",
    },
    "accounts/signup/": {
        "GET": "200 302 302 302 302 302 302",
        "POST": "200 302 302 302 302 302 302",
    },
    "accounts/signup/sent/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200",
    },
    "accounts/signup/confirm/<str:token>/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "302 302 302 302 302 302 302",
    },
    "accounts/firm/": {
        "GET": "L 404 200 404 404 404 404",
        "POST": "L 404 200 404 404 404 404",
    },
    "accounts/firm/colleagues/": {
        "GET": "L 404 200 404 404 404 404",
        "POST": "L 404 200 404 404 404 404",
    },
    "accounts/firm/colleagues/<uuid:public_id>/deactivate/": {
        "GET own": "L 404 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 404 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "accounts/firm/colleagues/<uuid:public_id>/make-admin/": {
        "GET own": "L 405 405 405 405 405 405",
        "GET other": "L 405 405 405 405 405 405",
        "POST own": "L 404 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "accounts/firm/colleagues/<uuid:public_id>/reactivate/": {
        "GET own": "L 405 405 405 405 405 405",
        "GET other": "L 405 405 405 405 405 405",
        "POST own": "L 404 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "accounts/firm/invitations/": {
        "GET": "L 404 200 404 404 404 404",
        "POST": "L 404 200 404 404 404 404",
    },
    "accounts/firm/invitations/new/": {
        "GET": "L 404 200 404 404 404 404",
        "POST": "L 404 200 404 404 404 404",
    },
    "accounts/firm/invitations/<uuid:public_id>/resend/": {
        "GET own": "L 405 405 405 405 405 405",
        "GET other": "L 405 405 405 405 405 405",
        "POST own": "L 404 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "accounts/firm/invitations/<uuid:public_id>/revoke/": {
        "GET own": "L 405 405 405 405 405 405",
        "GET other": "L 405 405 405 405 405 405",
        "POST own": "L 404 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "accounts/invitation/<str:token>/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200",
    },
    "accounts/profile/": {
        "GET": "L 200 200 200 200 200 200",
        "POST": "L 200 200 200 200 200 200",
    },
    "accounts/password/reset/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200",
    },
    "accounts/password/reset/sent/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "accounts/password/reset/<uidb64>/<token>/": {
        "GET": "302 302 302 302 302 302 302",
        "POST": "302 302 302 302 302 302 302",
    },
    "accounts/password/reset/complete/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "accounts/tokens/": {
        "GET": "L 200 200 200 200 200 200",
        "POST": "L 200 200 200 200 200 200",
    },
    "accounts/tokens/<str:token_key>/revoke/": {
        "GET own": "L 405 405 405 405 405 405",
        "GET other": "L 405 405 405 405 405 405",
        "POST own": "L 302 404 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "accounts/2fa/setup/": {
        "GET": "L 200 200 302 302 302 302",
        "POST": "L 200 200 302 302 302 302",
    },
    "accounts/2fa/verify/": {
        "GET": "L 302 302 200 200 200 200",
        "POST": "L 302 302 200 200 200 200",
    },
    "notifications/": {
        "GET": "L 200 200 404 404 404 404",
        "POST": "L 200 200 404 404 404 404",
    },
    "notifications/inform-notices/": {
        "GET": "L 200 200 404 404 404 404",
        "POST": "405 405 405 405 405 405 405",
    },
    "notifications/inform-notices/<uuid:notice_id>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "notifications/inform-notices/<uuid:notice_id>/pdf/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "notifications/new/": {
        "GET": "L 200 200 404 404 404 404",
        "POST": "L 200 200 404 404 404 404",
    },
    "notifications/<uuid:public_id>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/status-fragment/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/edit/<slug:step>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/edit/<slug:step>/validate/": {
        "GET own": "L 405 405 404 404 404 404",
        "GET other": "L 405 405 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/items/<int:item_id>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/items/<int:item_id>/delete/": {
        "GET own": "L 405 405 404 404 404 404",
        "GET other": "L 405 405 404 404 404 404",
        "POST own": "L 302 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/parties/<uuid:party_id>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/parties/<uuid:party_id>/delete/": {
        "GET own": "L 405 405 404 404 404 404",
        "GET other": "L 405 405 404 404 404 404",
        "POST own": "L 302 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/delete/": {
        "GET own": "L 405 405 404 404 404 404",
        "GET other": "L 405 405 404 404 404 404",
        "POST own": "L 302 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/documents/<uuid:document_id>/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/messages/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 302 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/withdraw/": {
        "GET own": "L 200 200 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 200 200 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "notifications/<uuid:public_id>/copy/": {
        "GET own": "L 405 405 404 404 404 404",
        "GET other": "L 404 404 404 404 404 404",
        "POST own": "L 302 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    # The firm's licence application after an inform notice closed its prior report: a firm
    # user's POST (on a case that is no informed prior report the service refuses it and the
    # page redirects with the reason); another firm's report is a 404; the ministry has no
    # exporter pages.
    "notifications/<uuid:public_id>/licence-application/": {
        "GET own": "L 405 405 404 404 404 404",
        "GET other": "L 405 405 404 404 404 404",
        "POST own": "L 302 302 404 404 404 404",
        "POST other": "L 404 404 404 404 404 404",
    },
    "review/": {
        "GET": "L 403 403 200 200 403 403",
        "POST": "405 405 405 405 405 405 405",
    },
    "review/inform-notices/": {
        "GET": "L 403 403 200 200 403 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "review/inform-notices/new/": {
        "GET": "L 403 403 200 200 403 403",
        "POST": "L 403 403 200 200 403 403",
    },
    "review/inform-notices/<uuid:notice_id>/": {
        "GET own": "L 403 403 200 200 403 200",
        "GET other": "L 403 403 200 200 403 200",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "review/inform-notices/<uuid:notice_id>/pdf/": {
        "GET own": "L 403 403 200 200 403 200",
        "GET other": "L 403 403 200 200 403 200",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "review/<uuid:public_id>/conclude-no-licence/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/": {
        "GET own": "L 403 403 200 200 403 403",
        "GET other": "L 403 403 200 200 403 403",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "review/<uuid:public_id>/claim/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 302 302 403 403",
        "POST other": "L 403 403 302 302 403 403",
    },
    "review/<uuid:public_id>/release/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 302 302 403 403",
        "POST other": "L 403 403 302 302 403 403",
    },
    "review/<uuid:public_id>/assign/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/hits/<uuid:hit_id>/adjudicate/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/rerun/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 302 302 403 403",
        "POST other": "L 403 403 302 302 403 403",
    },
    "review/<uuid:public_id>/notes/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/request-info/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/approve/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/countersign/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 302 302 403 403",
        "POST other": "L 403 403 302 302 403 403",
    },
    "review/<uuid:public_id>/return/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/deny/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/checklist/<int:number>/note/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/inform/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/permits/<uuid:permit_id>/<slug:action>/": {
        "GET own": "405 405 405 405 405 405 405",
        "GET other": "405 405 405 405 405 405 405",
        "POST own": "L 403 403 400 400 403 403",
        "POST other": "L 403 403 400 400 403 403",
    },
    "review/<uuid:public_id>/attachments/<uuid:attachment_id>/": {
        "GET own": "L 403 403 200 200 403 403",
        "GET other": "L 403 403 200 200 403 403",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "review/<uuid:public_id>/documents/<uuid:document_id>/": {
        "GET own": "L 403 403 200 200 403 403",
        "GET other": "L 403 403 200 200 403 403",
        "POST own": "405 405 405 405 405 405 405",
        "POST other": "405 405 405 405 405 405 405",
    },
    "verify/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "lists/manage/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 403 403 403 403 405 403",
    },
    "lists/manage/import/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 403 403 403 403 200 403",
    },
    # An import job's page: the list manager follows the worker's import of an upload.
    "lists/manage/imports/<uuid:public_id>/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 405 405 405 405 405 405",
    },
    "lists/manage/imports/<uuid:public_id>/progress/": {
        "GET": "L 403 403 403 403 302 403",
        "POST": "L 405 405 405 405 405 405",
    },
    "lists/manage/<uuid:public_id>/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 405 405 405 405 405 405",
    },
    "lists/manage/<uuid:public_id>/publish/": {
        "GET": "L 405 405 405 405 405 405",
        "POST": "L 403 403 403 403 302 403",
    },
    "lists/manage/<uuid:public_id>/discard/": {
        "GET": "L 405 405 405 405 405 405",
        "POST": "L 403 403 403 403 302 403",
    },
    "lists/manage/<uuid:public_id>/progress/": {
        "GET": "L 403 403 403 403 302 403",
        "POST": "L 405 405 405 405 405 405",
    },
    # The Russia/Belarus measures table: managed like a list version, by list managers only.
    "lists/manage/measures/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 403 403 403 403 200 403",
    },
    "lists/manage/measures/<uuid:public_id>/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 405 405 405 405 405 405",
    },
    "lists/manage/measures/<uuid:public_id>/publish/": {
        "GET": "L 405 405 405 405 405 405",
        "POST": "L 403 403 403 403 302 403",
    },
    "lists/manage/measures/<uuid:public_id>/discard/": {
        "GET": "L 405 405 405 405 405 405",
        "POST": "L 403 403 403 403 302 403",
    },
    "lists/manage/measures/<uuid:public_id>/csv/": {
        "GET": "L 403 403 403 403 200 403",
        "POST": "L 405 405 405 405 405 405",
    },
    "lists/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "lists/<slug:source_code>/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "lists/<slug:source_code>/entries/<int:number>/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "audit/": {
        "GET": "L 404 404 404 404 404 200",
        "POST": "L 405 405 405 405 405 405",
    },
    "audit/cases/<uuid:public_id>/": {
        "GET own": "L 404 404 404 404 404 200",
        "GET other": "L 404 404 404 404 404 200",
        "POST own": "L 405 405 405 405 405 405",
        "POST other": "L 405 405 405 405 405 405",
    },
    "audit/documents/<uuid:public_id>/": {
        "GET own": "L 404 404 404 404 404 200",
        "GET other": "L 404 404 404 404 404 200",
        "POST own": "L 405 405 405 405 405 405",
        "POST other": "L 405 405 405 405 405 405",
    },
    "audit/verify-pdf/": {
        "GET": "L 404 404 404 404 404 200",
        "POST": "L 404 404 404 404 404 200",
    },
    "audit/export/<slug:what>.<slug:fmt>": {
        "GET": "L 404 404 404 404 404 200",
        "POST": "L 405 405 405 405 405 405",
    },
    "audit/log/": {
        "GET": "L 404 404 404 404 404 200",
        "POST": "L 405 405 405 405 405 405",
    },
    "audit/log/verify/": {
        "GET": "L 405 405 405 405 405 405",
        "POST": "L 404 404 404 404 404 200",
    },
    "audit/log/export.<slug:fmt>": {
        "GET": "L 404 404 404 404 404 200",
        "POST": "L 405 405 405 405 405 405",
    },
    # The signed checkpoints of the audit trail are public, like a transparency log's signed
    # tree heads: anyone (firms, outside auditors) may read and copy them; nobody writes.
    "audit/checkpoints/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "audit/checkpoints.json": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "screening/criteria/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "screening/self-check/": {
        "GET": "L 200 200 403 403 403 403",
        "POST": "L 200 200 403 403 403 403",
    },
    "api/v1/screening/self-check/": {
        "GET": "401 405 405 403 403 403 403",
        "POST": "401 400 400 403 403 403 403",
    },
    "api/v1/review/cases/": {
        "GET": "401 403 403 200 200 403 403",
        "POST": "401 403 403 405 405 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/": {
        "GET own": "401 403 403 200 200 403 403",
        "GET other": "401 403 403 200 200 403 403",
        "POST own": "401 403 403 405 405 403 403",
        "POST other": "401 403 403 405 405 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/claim/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 200 200 403 403",
        "POST other": "401 403 403 200 200 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/release/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 409 409 403 403",
        "POST other": "401 403 403 409 409 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/assign/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/hits/<uuid:hit_id>/adjudicate/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/rerun/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 202 202 403 403",
        "POST other": "401 403 403 202 202 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/notes/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/request-info/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    # The world's case has a hit nobody adjudicated: a reviewer's approval is refused (409).
    "api/v1/review/cases/<uuid:public_id>/approve/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 409 409 403 403",
        "POST other": "401 403 403 409 409 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/countersign/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 409 409 403 403",
        "POST other": "401 403 403 409 409 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/return/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/deny/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/checklist/<int:number>/note/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/conclude-no-licence/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/inform/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/review/cases/<uuid:public_id>/permits/<uuid:permit_id>/<slug:action>/": {
        "GET own": "401 403 403 405 405 403 403",
        "GET other": "401 403 403 405 405 403 403",
        "POST own": "401 403 403 400 400 403 403",
        "POST other": "401 403 403 400 400 403 403",
    },
    "api/v1/auth/token/": {
        "GET": "405 405 405 405 405 405 405",
        "POST": "400 400 400 400 400 400 400",
    },
    "api/v1/auth/token/current/": {
        "GET": "401 405 405 405 405 405 405",
        "POST": "401 405 405 405 405 405 405",
    },
    "api/v1/schema/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "api/v1/docs/": {
        "GET": "200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405",
    },
    "api/v1/inform-notices/": {
        "GET": "401 200 200 403 403 403 403",
        "POST": "401 405 405 403 403 403 403",
    },
    "api/v1/inform-notices/<uuid:notice_id>/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/inform-notices/<uuid:notice_id>/download/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/": {
        "GET": "401 200 200 403 403 403 403",
        "POST": "401 201 201 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/status/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/submit/": {
        "GET own": "401 405 405 403 403 403 403",
        "GET other": "401 405 405 403 403 403 403",
        "POST own": "401 400 400 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/withdraw/": {
        "GET own": "401 405 405 403 403 403 403",
        "GET other": "401 405 405 403 403 403 403",
        "POST own": "401 200 200 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/copy/": {
        "GET own": "401 405 405 403 403 403 403",
        "GET other": "401 405 405 403 403 403 403",
        "POST own": "401 201 201 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/checklist/": {
        "GET own": "401 405 405 403 403 403 403",
        "GET other": "401 405 405 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/items/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 400 400 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/items/<int:position>/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/parties/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 400 400 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/parties/<uuid:party_id>/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/attachments/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 400 400 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/attachments/<uuid:attachment_id>/download/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/documents/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/documents/<uuid:document_id>/download/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 405 405 403 403 403 403",
        "POST other": "401 405 405 403 403 403 403",
    },
    "api/v1/notifications/<uuid:public_id>/messages/": {
        "GET own": "401 200 200 403 403 403 403",
        "GET other": "401 404 404 403 403 403 403",
        "POST own": "401 400 400 403 403 403 403",
        "POST other": "401 404 404 403 403 403 403",
    },
    "": {
        "GET": "L 302 302 302 302 302 302",
        "POST": "L 302 302 302 302 302 302",
    },
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
DUMP = os.environ.get("SECURITY_MATRIX_DUMP")


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
    missing = [route for route in ROUTES if not is_admin(route) and route not in EXPECT]
    stale = [route for route in EXPECT if route not in ROUTES]
    assert missing == [] and stale == []


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
    expected = admin_expect(route) if is_admin(route) else EXPECT.get(route, {})
    observed: dict[str, str] = {}
    problems = []
    for line in _methods(route):
        method, _, variant = line.partition(" ")
        if world is None:
            url = admin_url(route, users["exporter"].pk)
        else:
            url = concrete_url(route, world, world.b if variant == "other" else world.a)
        outcomes = []
        for role in ROLES:
            result, diff = attempt(
                by_role[role], method, url, baseline, POST_DATA.get(route), audit_403=True
            )
            outcomes.append(result)
            if diff and not (route == SIGN_OUT and method == "POST"):
                problems.append(f"{line} {url} as {role}: refused ({result}) but changed {diff}")
        observed[line] = " ".join(outcomes)
    if DUMP:
        with open(DUMP, "a") as out:
            out.write(f"{route!r}: {observed!r},\n")
        return
    assert observed == expected
    assert problems == []
