"""``seed_demo``: the demo world a newcomer signs in to.

Seeding renders and signs several PDFs and imports three real lists, so the world is built once
for ``TestDemoWorld`` (committed, in autocommit as on the command line: its tasks run after each
commit) and every test of the class reads it; the database is emptied when the class is done.
"""

import base64
import hashlib
import importlib
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpRequest
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from exportctl.accounts.models import Firm, Invitation, User
from exportctl.accounts.roles import Role
from exportctl.audit.log import LogFilter, audit_events, chain_report
from exportctl.audit.models import AuditEvent
from exportctl.demo import world as demo_world
from exportctl.demo.cases import CASES, FIRST_REVISION_CASE
from notifications import exporter_selectors, selectors
from notifications.auditor_selectors import NotificationSearch, notification_search
from notifications.documents.signing import validate_pdf_signature
from notifications.documents.verification import VerifyStatus, verify_document
from notifications.models import (
    Decision,
    DecisionKind,
    Document,
    DocumentKind,
    InformNotice,
    Message,
    MessageKind,
    Notification,
    PermitStatus,
)
from notifications.workflow import Status
from partners.models import CountryTier, KeyTechnology, ListedEntry, ListVersion, SpecifiedHsScope
from partners.selectors import list_version_diff, list_versions, published_version
from screening.models import Disposition, PartyHit, Trigger
from screening.selectors import pending_hits_for

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-2026"
EXPECTED_ROLES = {
    "exporter@example.com": {Role.EXPORTER},
    "firmadmin@example.com": {Role.FIRM_ADMIN, Role.EXPORTER},
    "exporter2@example.com": {Role.EXPORTER},
    "reviewer@example.com": {Role.REVIEWER},
    "senior@example.com": {Role.REVIEWER, Role.SENIOR_REVIEWER},
    "listmanager@example.com": {Role.LIST_MANAGER},
    "listmanager2@example.com": {Role.LIST_MANAGER},
    "auditor@example.com": {Role.AUDITOR},
    "enforcement@example.com": {Role.ENFORCEMENT_OFFICER},
}


def _counts():
    return {
        "users": User.objects.count(),
        "firms": Firm.objects.count(),
        "country_tiers": CountryTier.objects.count(),
        "key_technologies": KeyTechnology.objects.count(),
        "hs_scope": SpecifiedHsScope.objects.count(),
        "list_versions": ListVersion.objects.count(),
        "listed_entries": ListedEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "documents": Document.objects.count(),
        "decisions": Decision.objects.count(),
        "messages": Message.objects.count(),
        "hits": PartyHit.objects.count(),
        "invitations": Invitation.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def _empty_database() -> None:
    """Flush what the class committed. The audit table's append-only trigger refuses that, so it
    is lifted first; ``tests/conftest.py`` puts it (and the role groups) back after the flush."""
    trigger = importlib.import_module("exportctl.audit.migrations.0002_append_only_trigger")
    with connection.schema_editor() as editor:
        trigger.uninstall(None, editor)
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-world")
    overrides = override_settings(
        DEMO_MODE=True,
        # No key yet: in demo mode the first document creates one, as on a fresh clone.
        DOCUMENT_SIGNING_KEY=folder / "signing" / "key.pem",
        DOCUMENT_SIGNING_CERT=folder / "signing" / "cert.pem",
        DOCUMENT_SIGNING_KEY_PASSPHRASE="",
        MEDIA_ROOT=folder / "media",
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "media"), "base_url": "/unserved/"},
            },
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            },
        },
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), overrides:
        try:
            first_out = io.StringIO()
            call_command("seed_demo", stdout=first_out)
            after_first = _counts()
            second_out = io.StringIO()
            call_command("seed_demo", stdout=second_out)
            yield {
                "after_first": after_first,
                "after_second": _counts(),
                "first_out": first_out.getvalue(),
                "second_out": second_out.getvalue(),
                "media": folder / "media",
            }
        finally:
            _empty_database()


def _case(title: str) -> Notification:
    return Notification.objects.get(title=title)


def _user(email: str) -> User:
    return User.objects.get(email=email)


@pytest.mark.usefixtures("world")
class TestDemoWorld:
    def test_users_reference_data_and_both_end_user_list_revisions(self):
        for email, roles in EXPECTED_ROLES.items():
            user = authenticate(HttpRequest(), username=email, password=PASSWORD)
            assert user is not None, email
            assert user.roles == roles
            assert (user.firm is not None) == bool(roles & {Role.EXPORTER, Role.FIRM_ADMIN})
        assert sorted(Firm.objects.values_list("corporate_number", flat=True)) == [
            "7999999999902",
            "8999999999901",
        ]
        assert _user("exporter2@example.com").firm.corporate_number == "7999999999902"
        assert _user("exporter@example.com").firm.corporate_number == "8999999999901"
        assert set(
            CountryTier.objects.filter(tier="group_a").values_list("country", flat=True)
        ) >= {
            "US",
            "KR",
            "GB",
            "DE",
        }
        assert CountryTier.objects.filter(tier="country_of_concern").count() == 3
        assert KeyTechnology.objects.filter(code="mlcc").exists()
        assert SpecifiedHsScope.objects.get(hs_prefix="854290").excluded is True

        versions = ListVersion.objects.filter(source__code="meti-eul").order_by("pk")
        assert [(v.label, v.status, v.entry_count) for v in versions] == [
            ("2025-01-31", "superseded", 748),
            ("2025-09-29", "published", 835),
        ]
        current = versions[1]
        assert current.issued_on.isoformat() == "2025-09-29"
        # METI applies it from 2025-10-09 (SOURCES.md); the first revision from its own date.
        assert current.effective_from.isoformat() == "2025-10-09"
        assert versions[0].effective_from.isoformat() == "2025-01-31"
        assert ListedEntry.objects.filter(version=current).count() == 835
        entry = ListedEntry.objects.get(version=current, name="Amir Kabir University of Technology")
        assert entry.country == "IR"
        assert entry.concern_codes == ["B", "C", "M", "N"]

    def test_demo_ministry_accounts_have_a_documented_authenticator(self):
        devices = TOTPDevice.objects.filter(confirmed=True)
        assert sorted(devices.values_list("user__email", flat=True)) == [
            "auditor@example.com",
            "enforcement@example.com",
            "listmanager2@example.com",
            "listmanager@example.com",
            "reviewer@example.com",
            "senior@example.com",
        ]
        # The README gives the key in base32, as authenticator apps take it.
        key = base64.b32encode(devices.first().bin_key).decode()
        assert key == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        out = io.StringIO()
        call_command("demo_otp", "reviewer@example.com", stdout=out)
        code = out.getvalue().strip()
        assert len(code) == 6 and code.isdigit()
        assert devices.get(user__email="reviewer@example.com").verify_token(code)

    def test_every_status_is_shown(self):
        statuses = set(Notification.objects.values_list("status", flat=True))
        assert statuses == {
            Status.DRAFT,
            Status.CLEARED,
            Status.UNDER_REVIEW,
            Status.INFO_REQUESTED,
            Status.AWAITING_COUNTERSIGN,
            Status.APPROVED,
            Status.DENIED,
            Status.WITHDRAWN,
        }
        assert Notification.objects.count() == len(CASES) + 1 == 12
        assert set(Notification.objects.values_list("firm__corporate_number", flat=True)) == {
            "7999999999902",
            "8999999999901",
        }
        for spec in CASES:
            case = _case(spec.title)
            assert (
                case.firm.corporate_number == demo_world.DEMO_FIRMS[spec.firm]["corporate_number"]
            )
            assert case.status == spec.status, spec.title
        # Nobody files to Russia or Belarus in the demo: those filings are never cleared.
        assert not Notification.objects.filter(destination_country__in=["RU", "BY"]).exists()

    def test_cleared_case_has_its_receipt(self):
        case = _case("Servo motors for a Stuttgart packaging line")
        assert case.status == Status.CLEARED
        assert case.risk_level == "low"
        receipt = case.documents.get()
        assert receipt.kind == DocumentKind.RECEIPT
        verified = verify_document(number=receipt.number, code=receipt.verification_code)
        assert verified is not None and verified.status == VerifyStatus.VALID

    def test_under_review_case_has_a_real_hit_explained_and_pending(self):
        case = _case("CNC lathes for a Karachi steel mill")
        assert case.status == Status.UNDER_REVIEW
        hit = pending_hits_for(case).get()
        assert hit.entry.version == published_version("meti-eul")
        assert hit.entry.country == "PK"
        assert hit.entry.name == "People's Steel Mills Ltd."
        assert hit.party.name == "Peoples Steel Mill Limited"  # misspelt, as filed
        assert hit.disposition == Disposition.PENDING
        assert hit.score >= 0.8
        # The explanation the reviewer reads beside the hit is stored with it.
        assert hit.explanation["party_name_searched"] == "Peoples Steel Mill Limited"
        assert hit.run.factors and "listed_party" in [f["rule"] for f in hit.run.factors]
        assert selectors.open_review_for(case).assignee is None

    def test_info_requested_case_waits_for_the_exporter(self):
        case = _case("Ultrasonic flaw detectors for a Hai Phong shipyard")
        assert case.status == Status.INFO_REQUESTED
        question = exporter_selectors.open_question(case)
        assert question is not None and question.kind == MessageKind.QUESTION
        assert "Check 3" in question.body
        assert case.checklist["3"]["answer"] == "unknown"
        assert case.checklist["3"]["note"]  # the doubt is explained

    def test_high_risk_approval_awaits_the_senior_reviewers_countersignature(self):
        case = _case("Corrosion-resistant valves for a Gujarat fertiliser plant")
        assert case.status == Status.AWAITING_COUNTERSIGN
        assert case.risk_level == "high"
        approval = case.decisions.get(kind=DecisionKind.APPROVE_FOR_COUNTERSIGN)
        assert approval.actor.email == "reviewer@example.com"
        assert not case.permits.exists()

    def test_approved_case_has_a_signed_permit_that_verify_accepts(self, world):
        case = _case("Five-axis machining centres for an Ayutthaya auto-parts plant")
        assert case.status == Status.APPROVED
        permit = case.permits.get()
        assert permit.status == PermitStatus.VALID
        document = permit.document
        assert document.kind == DocumentKind.PERMIT
        verified = verify_document(number=document.number, code=document.verification_code)
        assert verified is not None
        assert verified.status == VerifyStatus.VALID
        assert verified.holder == "Demo Precision Instruments K.K."
        assert verify_document(number=document.number, code="WRONG123") is None
        pdf = (world["media"] / document.file.name).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == document.sha256
        assert validate_pdf_signature(pdf).ok

    def test_hits_are_adjudicated_before_every_decision(self):
        decided = Notification.objects.filter(
            decisions__kind__in=[
                DecisionKind.APPROVE,
                DecisionKind.APPROVE_FOR_COUNTERSIGN,
                DecisionKind.DENY,
            ]
        ).distinct()
        assert decided.count() == 5
        for case in decided:
            if case.title == FIRST_REVISION_CASE.title:
                continue  # reopened since: its new hit waits for the reviewer
            assert not pending_hits_for(case).exists(), case.title
        countersigned = _case("Infrared thermometers for a Bangkok hospital group")
        hit = countersigned.screening_runs.get().hits.get()
        assert hit.disposition == Disposition.FALSE_POSITIVE
        assert hit.disposition_reason
        assert countersigned.decisions.get(kind=DecisionKind.COUNTERSIGN).actor.email == (
            "senior@example.com"
        )
        assert countersigned.permits.get().status == PermitStatus.VALID

    def test_denied_case_has_its_letter_and_needed_no_countersignature(self):
        case = _case("Carbon-fibre prepreg for a Shenzhen sporting-goods maker")
        assert case.status == Status.DENIED
        assert case.risk_level == "elevated"
        assert case.decisions.get(kind=DecisionKind.DENY).reason
        letter = case.documents.get()
        assert letter.kind == DocumentKind.DENIAL_LETTER
        verified = verify_document(number=letter.number, code=letter.verification_code)
        assert verified is not None and verified.status == VerifyStatus.IN_FORCE

    def test_every_filing_has_a_planned_date_and_none_is_late(self):
        assert not Notification.objects.filter(planned_date__isnull=True).exists()
        assert not Notification.objects.filter(planned_date_late=True).exists()

    def test_a_ministry_initiative_inform_notice_with_its_verifiable_letter(self, world):
        notice = InformNotice.objects.get()
        assert notice.notification is None
        assert notice.firm.corporate_number == demo_world.DEMO_FIRMS["demo"]["corporate_number"]
        assert notice.number.startswith("IN-")
        letter = notice.document
        assert letter.kind == DocumentKind.INFORM_NOTICE and letter.number == notice.number
        pdf = (world["media"] / letter.file.name).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == letter.sha256
        assert validate_pdf_signature(pdf).ok
        verified = verify_document(number=letter.number, code=letter.verification_code)
        assert verified is not None and verified.status == VerifyStatus.IN_FORCE

    def test_withdrawn_and_draft_cases(self):
        withdrawn = _case("Vacuum pumps for a Bengaluru research laboratory")
        assert withdrawn.status == Status.WITHDRAWN
        event = AuditEvent.objects.get(
            action="notification.withdraw", object_id=str(withdrawn.public_id)
        )
        assert event.actor.email == "exporter@example.com"
        draft = _case("Robot controllers for a Cebu electronics assembler")
        assert draft.status == Status.DRAFT
        assert draft.reference is None
        assert draft.items.count() == 1 and not draft.parties.exists()

    def test_the_2025_09_29_publication_reopened_an_approved_case_and_suspended_its_permit(self):
        case = _case(FIRST_REVISION_CASE.title)
        assert case.status == Status.UNDER_REVIEW
        first, current = ListVersion.objects.filter(source__code="meti-eul").order_by("pk")
        runs = list(case.screening_runs.order_by("pk"))
        assert [(r.trigger, r.list_version_id) for r in runs] == [
            (Trigger.SUBMISSION, first.pk),
            (Trigger.LIST_PUBLICATION, current.pk),
        ]
        assert not runs[0].hits.exists()  # approved under 2025-01-31: not listed then
        hit = runs[1].hits.get()
        assert hit.disposition == Disposition.PENDING
        assert hit.entry.name == "DIAMOND CASTLE ELECTRONICS TRADING LLC"
        assert not ListedEntry.objects.filter(
            version=first, name__iexact="Diamond Castle Electronics Trading LLC"
        ).exists()
        permit = case.permits.get()
        assert permit.status == PermitStatus.SUSPENDED
        assert "2025-09-29" in permit.status_reason
        verified = verify_document(
            number=permit.document.number, code=permit.document.verification_code
        )
        assert verified is not None and verified.status == VerifyStatus.SUSPENDED
        moves = list(
            AuditEvent.objects.filter(
                object_type="notifications.notification", object_id=str(case.public_id)
            ).values_list("action", flat=True)
        )
        assert moves.index("notification.approve") < moves.index("notification.reopen")

    def test_every_demo_role_finds_work_on_first_sign_in(self):
        # The exporter: every status in their list, and one case waiting for their answer.
        exporter = _user("exporter@example.com")
        mine = exporter_selectors.dashboard_queryset(
            user=exporter, filters=exporter_selectors.DashboardFilters()
        )
        assert set(mine.values_list("status", flat=True)) >= {
            Status.DRAFT,
            Status.CLEARED,
            Status.UNDER_REVIEW,
            Status.INFO_REQUESTED,
            Status.AWAITING_COUNTERSIGN,
            Status.APPROVED,
            Status.DENIED,
            Status.WITHDRAWN,
        }
        assert mine.filter(status=Status.INFO_REQUESTED).count() == 1
        # The firm admin sees the firm's cases and a pending invitation.
        admin = _user("firmadmin@example.com")
        assert (
            exporter_selectors.dashboard_queryset(
                user=admin, filters=exporter_selectors.DashboardFilters()
            ).count()
            == mine.count()
        )
        from exportctl.accounts.selectors import invitation_page_for

        assert [i.email for i in invitation_page_for(user=admin, page_number=1)] == [
            "newcolleague@example.com"
        ]
        # The second firm's exporter sees only their own firm's cases.
        second = exporter_selectors.dashboard_queryset(
            user=_user("exporter2@example.com"), filters=exporter_selectors.DashboardFilters()
        )
        assert second.count() == 3
        assert not second.filter(firm=exporter.firm).exists()
        # The reviewer: unclaimed and claimed cases, and a hit to adjudicate.
        reviewer = _user("reviewer@example.com")
        queue = selectors.review_queue_page(user=reviewer, page_number=1)
        assert len(queue.object_list) >= 5
        unassigned = selectors.review_queue(
            user=reviewer, filters=selectors.QueueFilters(assigned="unassigned")
        )
        claimed = selectors.review_queue(
            user=reviewer, filters=selectors.QueueFilters(assigned="me")
        )
        assert unassigned.exists() and claimed.exists()
        pending = selectors.review_queue(
            user=reviewer, filters=selectors.QueueFilters(hits="pending")
        )
        assert pending.count() == 2
        # The senior reviewer: a case awaiting their countersignature.
        senior = _user("senior@example.com")
        waiting = selectors.review_queue(
            user=senior, filters=selectors.QueueFilters(status=Status.AWAITING_COUNTERSIGN)
        )
        assert [c.title for c in waiting] == [
            "Corrosion-resistant valves for a Gujarat fertiliser plant"
        ]
        # The auditor: cases, their documents, the audit log with an intact chain.
        auditor = _user("auditor@example.com")
        found = notification_search(user=auditor, search=NotificationSearch()).notifications
        assert found.count() == 11  # every case but the draft
        assert Document.objects.filter(notification__in=found).count() == 6
        assert audit_events(LogFilter()).exists()
        assert chain_report().ok
        # The list manager: the OFAC SDN list waits as a draft, its diff to review.
        draft = list_versions("ofac-sdn").get()
        assert draft.status == "draft"
        assert draft.imported_by.email == "listmanager@example.com"
        diff = list_version_diff(old=published_version("ofac-sdn"), new=draft)
        assert diff.added_count == draft.entry_count == 8976

    def test_a_second_run_adds_nothing(self, world):
        assert world["after_second"] == world["after_first"]
        assert world["after_first"]["notifications"] == 12
        # Six case documents and the letter of the ministry-initiative inform notice.
        assert world["after_first"]["documents"] == 7
        assert world["after_first"]["list_versions"] == 3
        assert "EXN-" in world["first_out"]
        assert "EXN-" not in world["second_out"]


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    before = _counts()
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo")
    assert _counts() == before
    assert set(before.values()) == {0}


def test_seed_demo_refuses_inside_a_transaction(settings):
    """Inside an outer transaction the tasks queued on commit would never run."""
    settings.DEMO_MODE = True
    with pytest.raises(CommandError, match="autocommit"):
        call_command("seed_demo")
    assert set(_counts().values()) == {0}


def test_an_older_list_is_never_published_over_the_one_in_force(
    transactional_db, settings, tmp_path
):
    """A database seeded before the demo world existed already has the 2025-09-29 list: the seed
    builds the rest of the world but neither imports the 2025-01-31 revision nor tells the
    reopening story it would need."""
    settings.DEMO_MODE = True
    settings.DOCUMENT_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.DOCUMENT_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command(
        "import_list",
        str(demo_world.EUL_CURRENT[0]),
        "--source=meti-eul",
        "--label=2025-09-29",
        "--issued-on=2025-09-29",
        "--publish",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert list(
        ListVersion.objects.filter(source__code="meti-eul").values_list("label", "status")
    ) == [("2025-09-29", "published")]
    assert not Notification.objects.filter(title=FIRST_REVISION_CASE.title).exists()
    assert f"Skipped '{FIRST_REVISION_CASE.title}'" in out.getvalue()
    assert Notification.objects.count() == len(CASES)
    assert set(Notification.objects.values_list("status", flat=True)) == {s.status for s in CASES}
