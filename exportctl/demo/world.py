"""The demo world that ``manage.py seed_demo`` builds for ``make run`` (demo mode only).

Two firms, one user per role, the reference data, two real End User List revisions, the OFAC SDN
list waiting as a draft, and a dozen notifications in every status. Everything goes through the
product's own services, and screening, receipts, permits and denial letters are produced by the
real tasks (run in this process), so each case's runs, hits, documents and audit trail are exactly
what the product makes; the demo data is never inserted around them.

The story is told in order. METI's revision of 2025-01-31 is published first; one case is approved
under it for an end user that only the revision of 2025-09-29 lists; publishing that revision then
re-screens open work, which reopens the case and suspends its permit. Every other case is filed
against the 2025-09-29 list. Each case checks the status it reached against the one it was written
to show, so a change of the rules that alters a case fails the seed loudly instead of leaving a
demo that tells something else.

Idempotent: accounts are matched on their e-mail, firms on their corporate number, list versions
on their file's SHA-256, cases on their title within their firm; whatever exists is left alone.
"""

import datetime
import hashlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from exportctl.accounts import services as account_services
from exportctl.accounts.models import Firm, Invitation, User
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from exportctl.celery import app as celery_app
from exportctl.demo.cases import (
    CASES,
    FIRST_REVISION_CASE,
    NOTICES,
    CaseSpec,
    NoticeSpec,
)
from notifications import drafts
from notifications.models import DocumentKind, InformNotice, Notification
from notifications.services import inform_notices, lifecycle
from notifications.workflow import Status
from partners import services as partner_services
from partners.data import EUL_2025_01, EUL_2025_09, OFAC_SDN_DIR
from partners.models import KeyTechnology, ListVersion, ListVersionStatus

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo mode only, listed in the README
DEMO_FIRMS = {
    "demo": {
        "corporate_number": "8999999999901",
        "name": "Demo Precision Instruments K.K.",
        "name_local": "デモ精密機器株式会社",
        "address": "1-2-3 Otemachi, Chiyoda-ku, Tokyo",
    },
    "second": {
        "corporate_number": "7999999999902",
        "name": "Kansai Optical Systems Co., Ltd.",
        "name_local": "関西光学システム株式会社",
        "address": "4-5-6 Nakanoshima, Kita-ku, Osaka",
    },
}
#: (e-mail, full name, firm key or None for ministry staff, roles)
DEMO_USERS = [
    ("exporter@example.com", "Hanako Yamada", "demo", [Role.EXPORTER]),
    ("firmadmin@example.com", "Taro Suzuki", "demo", [Role.FIRM_ADMIN, Role.EXPORTER]),
    ("exporter2@example.com", "Akira Kobayashi", "second", [Role.EXPORTER]),
    ("reviewer@example.com", "Kenji Sato", None, [Role.REVIEWER]),
    ("senior@example.com", "Michiko Tanaka", None, [Role.REVIEWER, Role.SENIOR_REVIEWER]),
    ("listmanager@example.com", "Hiroshi Ito", None, [Role.LIST_MANAGER]),
    ("listmanager2@example.com", "Mai Nakamura", None, [Role.LIST_MANAGER]),
    ("auditor@example.com", "Yuki Watanabe", None, [Role.AUDITOR]),
    ("enforcement@example.com", "Satoshi Kato", None, [Role.ENFORCEMENT_OFFICER]),
]
#: The demo ministry accounts' authenticator key (base32, README): add it to any TOTP app, or run
#: ``manage.py demo_otp EMAIL`` for the current code. Demo mode only, like the password.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238's test key
#: The colleague the firm administrator has invited and who has not signed up yet.
DEMO_INVITEE = "newcolleague@example.com"

EUL_SOURCE = "meti-eul"
#: (file, label, issued on) of the End User List revisions, oldest first.
EUL_FIRST = (EUL_2025_01, "2025-01-31", datetime.date(2025, 1, 31))
EUL_CURRENT = (EUL_2025_09, "2025-09-29", datetime.date(2025, 9, 29))
#: The date METI applies a revision from, where it differs from the revision date
#: (partners/data/SOURCES.md: the revision of 2025-09-29 is in force from 2025-10-09).
EUL_APPLIES_FROM = {"2025-09-29": datetime.date(2025, 10, 9)}
OFAC_SOURCE = "ofac-sdn"
OFAC_LABEL = "SDN 2021 snapshot"


class DemoWorldError(Exception):
    """The demo world could not be built as written (a case reached another status)."""


@dataclass
class World:
    firms: dict[str, Firm]
    users: dict[str, User]
    log: Callable[[str], None]

    def user(self, email: str) -> User:
        return self.users[email]


def seed(*, log: Callable[[str], None] = print) -> World:
    """Build whatever part of the demo world is missing."""
    if connection.in_atomic_block:
        # Tasks are queued on commit: inside an outer transaction nothing would be screened.
        raise DemoWorldError("seed the demo world in autocommit mode, not inside a transaction")
    with _tasks_in_process(), _mail_to_files(log):
        created = partner_services.reference_data_load()
        log(f"Reference data: {created}")
        world = _seed_accounts(log)
        _seed_first_revision(world)
        _seed_current_revision(world)
        for spec in CASES:
            _seed_case(world, spec)
        for notice in NOTICES:
            _seed_notice(world, notice)
        _seed_ofac_draft(world)
        _seed_invitation(world)
    return world


@contextmanager
def _tasks_in_process():
    """Run queued tasks here, after each commit, even when a broker is configured: the story
    needs each screening done before its next step, and no worker may be running yet."""
    conf = celery_app.conf
    previous = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = previous


CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"
FILE_MAIL = "django.core.mail.backends.filebased.EmailBackend"


@contextmanager
def _mail_to_files(log):
    """The story sends some fifty status e-mails to the demo addresses; on the development
    default (the console) they go to files in ``EMAIL_FILE_PATH`` instead, so the seed's output
    stays readable and the mails can still be read."""
    if settings.EMAIL_BACKEND != CONSOLE_MAIL:
        yield
        return
    with override_settings(EMAIL_BACKEND=FILE_MAIL):
        yield
    log(f"The demo world's e-mails are in {settings.EMAIL_FILE_PATH}")


# --- Accounts ---------------------------------------------------------------------------------


@transaction.atomic
def _seed_accounts(log) -> World:
    firms = {}
    for key, fields in DEMO_FIRMS.items():
        firm, created = Firm.objects.get_or_create(
            corporate_number=fields["corporate_number"], defaults=fields
        )
        if created:
            trail.record(action="firm.create", obj=firm, data={"seed": "demo"})
        firms[key] = firm
    users = {}
    for email, full_name, firm_key, roles in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=full_name,
                firm=firms[firm_key] if firm_key else None,
            )
            user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
            trail.record(
                action="user.create",
                obj=user,
                firm=user.firm,
                data={"roles": [r.value for r in roles], "seed": "demo"},
            )
            log(f"Created {email}")
        if firm_key is None:
            TOTPDevice.objects.get_or_create(
                user=user,
                confirmed=True,
                defaults={"name": "demo authenticator", "key": DEMO_TOTP_KEY_HEX},
            )
        users[email] = user
    return World(firms=firms, users=users, log=log)


def _seed_invitation(world: World) -> None:
    """The firm administrator's colleagues page shows an invitation still pending."""
    firm = world.firms["demo"]
    if Invitation.objects.filter(firm=firm, email=DEMO_INVITEE).exists():
        return
    account_services.invitation_send(actor=world.user("firmadmin@example.com"), email=DEMO_INVITEE)
    world.log(f"Invited {DEMO_INVITEE} to {firm.name}")


# --- Lists ------------------------------------------------------------------------------------


def _version_of(source_code: str, sha256: str) -> ListVersion | None:
    return (
        ListVersion.objects.filter(source__code=source_code, file_sha256=sha256)
        .exclude(status=ListVersionStatus.DISCARDED)
        .first()
    )


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish_revision(world: World, revision) -> None:
    """Import and publish one End User List revision (publishing re-screens open work)."""
    path, label, issued_on = revision
    version = _version_of(EUL_SOURCE, _file_sha256(path))
    if version is not None and version.status != ListVersionStatus.DRAFT:
        return
    if version is None:
        with path.open("rb") as handle:
            version = partner_services.list_version_import(
                source_code=EUL_SOURCE,
                file=handle,
                file_name=path.name,
                actor=None,
                label=label,
                issued_on=issued_on,
                effective_from=EUL_APPLIES_FROM.get(label),
            )
    version = partner_services.list_version_publish(
        version=version, actor=world.user("listmanager2@example.com")
    )
    if version.awaiting_confirmation:
        # A revision that removes entries takes two list managers: one proposed it, the
        # other confirms it.
        partner_services.list_version_publish(
            version=version, actor=world.user("listmanager@example.com")
        )
    version.refresh_from_db()  # the re-screen has run, in this process
    world.log(
        f"Published the End User List {label}: {version.entry_count} entries; "
        f"{version.rescreen_done} case(s) re-screened"
    )


def _eul_ever_published() -> bool:
    return ListVersion.objects.filter(
        source__code=EUL_SOURCE,
        status__in=[ListVersionStatus.PUBLISHED, ListVersionStatus.SUPERSEDED],
    ).exists()


def _seed_first_revision(world: World) -> None:
    """The 2025-01-31 revision and the case approved under it. Only on a database where no
    revision was ever published: an older list is never published over a newer one."""
    if not _eul_ever_published():
        _publish_revision(world, EUL_FIRST)
    current = ListVersion.objects.filter(
        source__code=EUL_SOURCE, status=ListVersionStatus.PUBLISHED
    ).first()
    if current is not None and current.file_sha256 == _file_sha256(EUL_FIRST[0]):
        _seed_case(world, FIRST_REVISION_CASE)
    elif not _case_exists(world, FIRST_REVISION_CASE):
        world.log(
            f"Skipped '{FIRST_REVISION_CASE.title}': a later End User List is already "
            "published, so its reopening cannot be shown on this database (start from a fresh one)."
        )


def _seed_current_revision(world: World) -> None:
    _publish_revision(world, EUL_CURRENT)


def _seed_ofac_draft(world: World) -> None:
    """The list manager's work: the OFAC SDN list imported as a draft, its diff to review."""
    if not OFAC_SDN_DIR.is_dir():  # the container image leaves the OFAC files out
        world.log(f"Skipped the OFAC SDN draft: {OFAC_SDN_DIR} is not there.")
        return
    if ListVersion.objects.filter(source__code=OFAC_SOURCE).exists():
        return
    version = partner_services.list_version_import(
        source_code=OFAC_SOURCE,
        file=OFAC_SDN_DIR,
        file_name=OFAC_SDN_DIR.name,
        actor=world.user("listmanager@example.com"),
        label=OFAC_LABEL,
    )
    world.log(f"Imported the OFAC SDN list as a draft: {version.entry_count} entries")


# --- Cases ------------------------------------------------------------------------------------


def _case_exists(world: World, spec: CaseSpec) -> bool:
    return Notification.objects.filter(firm=world.firms[spec.firm], title=spec.title).exists()


def _seed_case(world: World, spec: CaseSpec) -> None:
    if _case_exists(world, spec):
        return
    exporter = world.user(spec.exporter)
    case = _file(spec, exporter)
    if spec.submit:
        lifecycle.notification_submit(notification=case, actor=exporter, declaration_accepted=True)
        case.refresh_from_db()
        _expect(case, spec.screened_to, "after screening")
    for step in spec.steps:
        step(case, world.users)
        case.refresh_from_db()
    _expect(case, spec.status, "at the end of its story")
    _expect_documents(case)
    world.log(f"{case.reference or 'Draft'}: {spec.title} ({case.status})")


def _seed_notice(world: World, spec: NoticeSpec) -> None:
    """An inform notice on the ministry's own initiative, with its signed letter."""
    firm = world.firms[spec.firm]
    if InformNotice.objects.filter(firm=firm, subject=spec.subject).exists():
        return
    notice = inform_notices.inform_notice_issue(
        actor=world.user(spec.issued_by),
        firm=firm,
        subject_kind=spec.subject_kind,
        subject=spec.subject,
        grounds=spec.grounds,
    )
    notice.refresh_from_db()
    if notice.document_id is None:
        raise DemoWorldError(f"inform notice {notice.number} has no letter; see the log above")
    world.log(f"{notice.number}: inform notice to {firm.name} about {spec.subject}")


def _expect(case: Notification, status: str, when: str) -> None:
    if case.status != status:
        raise DemoWorldError(
            f"demo case '{case.title}' is {case.status} {when}, not {status} (risk "
            f"{case.risk_level or '-'} {case.risk_score}); adjust its inputs to the rules"
        )


def _expect_documents(case: Notification) -> None:
    """The receipt, permit or letter that the case's status promises was issued by its task
    (a task that fails in-process is logged, not raised)."""
    due = {
        Status.CLEARED: [DocumentKind.RECEIPT],
        Status.APPROVED: [DocumentKind.PERMIT] * case.permits.count(),
        Status.DENIED: [DocumentKind.DENIAL_LETTER],
        Status.NO_LICENCE_REQUIRED: [DocumentKind.NO_LICENCE_LETTER],
    }.get(case.status, [])
    # An inform notice's letter is the notice's own document, not one of the outcome's.
    issued = sorted(
        case.documents.exclude(kind=DocumentKind.INFORM_NOTICE).values_list("kind", flat=True)
    )
    if sorted(due) != issued:
        raise DemoWorldError(
            f"demo case '{case.title}' ({case.status}) has documents {issued}, not {due}; "
            "see the log above for the failed task"
        )


def _file(spec: CaseSpec, exporter: User) -> Notification:
    case = drafts.draft_create(actor=exporter, **spec.header)
    for item in spec.items:
        if "key_technology" in item:  # named by its code in the spec
            item = {
                **item,
                "key_technology": KeyTechnology.objects.get(code=item["key_technology"]),
            }
        drafts.item_add(notification=case, actor=exporter, **item)
    for party in spec.parties:
        drafts.party_add(notification=case, actor=exporter, **party)
    if spec.checklist:
        drafts.checklist_save(notification=case, actor=exporter, answers=spec.checklist)
    return case
