"""A small but complete portal for the security tests: two firms, every ministry role, and one
object of each kind that a URL can name (notifications in the states their pages need,
attachments, issued documents, permits, screening hits, list versions, invitations, tokens).

Objects are made with the shared factories and plain model writes: these tests are about who
may reach them, not about how they came to be.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db.models import Count, Max
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfWriter

from exportctl.accounts.models import Firm, Invitation, SignupRequest, User
from exportctl.accounts.roles import Role
from exportctl.accounts.signed_links import make_invitation_token, make_signup_token
from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications.enforcement_models import (
    Sanction,
    Violation,
    ViolationEvidence,
    ViolationKind,
)
from notifications.models import (
    Attachment,
    AttachmentKind,
    ChecklistNote,
    Decision,
    DecisionKind,
    Document,
    DocumentKind,
    InformNotice,
    InformSubject,
    Item,
    Message,
    MessageKind,
    Notification,
    Party,
    Permit,
    Review,
    RiskLevel,
)
from notifications.workflow import Status
from partners.models import (
    ListedEntry,
    ListImportJob,
    ListSource,
    ListVersion,
    ListVersionStatus,
    MeasureCategory,
    MeasureRow,
    MeasureTableVersion,
)
from screening.models import (
    Disposition,
    Outcome,
    PartyHit,
    RunStatus,
    ScreeningRun,
    SelfCheckRecord,
    Trigger,
)
from tests.factories import ExporterFactory, FirmFactory, UserFactory, submitted_at

PASSWORD = "correct-horse-battery-2026"

#: The roles of the matrix, in the order of the expectation strings.
ROLES = ("anonymous", "exporter", "firm_admin", "reviewer", "senior", "list_manager", "auditor")


def pdf_bytes(text: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _attachment(notification: Notification, user: User, name: str) -> Attachment:
    content = pdf_bytes(name)
    attachment = Attachment(
        notification=notification,
        kind=AttachmentKind.CONTRACT,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def _document(notification: Notification, kind: str, number: str) -> Document:
    content = pdf_bytes(f"{kind} {number}")
    document = Document(
        notification=notification,
        kind=kind,
        number=number,
        verification_code="K7QX-4MZP",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        template_version="test-1",
        issued_at=timezone.now(),
    )
    document.file.save("document.pdf", ContentFile(content), save=False)
    document.save()
    return document


@dataclass
class FirmSide:
    """Everything of one firm that a URL can name."""

    firm: Firm
    exporter: User
    admin: User
    colleague: User
    invitation: Invitation
    draft: Notification
    draft_attachment: Attachment
    case: Notification  # under review, with a pending hit, a question and an attachment
    case_attachment: Attachment
    hit: PartyHit
    approved: Notification
    permit: Permit
    permit_document: Document
    #: An inform notice the ministry issued to this firm on its own initiative, with its letter.
    inform_notice: InformNotice | None = None
    token_key: str = ""
    #: A voluntary disclosure the firm filed (a violation record), with an evidence document.
    disclosure: Violation | None = None
    evidence: ViolationEvidence | None = None
    #: A self-check the firm's exporter ran, with its signed PDF already made.
    self_check_record: SelfCheckRecord | None = None


@dataclass
class World:
    a: FirmSide
    b: FirmSide
    users: dict[str, User | None]
    eul: ListSource
    published: ListVersion
    draft_version: ListVersion
    measures_draft: MeasureTableVersion
    entry: ListedEntry
    signup_token: str
    invitation_token: str
    extras: dict = field(default_factory=dict)
    #: A queued import job of the list manager, for the routes of an import's page.
    import_job: ListImportJob | None = None


def _lists(list_manager: User) -> tuple[ListSource, ListVersion, ListVersion, ListedEntry]:
    source, _ = ListSource.objects.get_or_create(
        code="meti-eul", defaults={"name": "End User List", "authority": "METI"}
    )
    published = ListVersion.objects.create(
        source=source,
        label="2025-09-29",
        status=ListVersionStatus.PUBLISHED,
        published_at=timezone.now(),
        published_by=list_manager,
        entry_count=1,
    )
    entry = ListedEntry.objects.create(
        version=published,
        number=45,
        country="IR",
        name="Amir Kabir University of Technology",
        aliases=["Amirkabir University of Technology"],
        concern_codes=["B", "C", "M", "N"],
        row_hash="0" * 64,
    )
    draft = ListVersion.objects.create(
        source=source, label="2026-01-31", imported_by=list_manager, entry_count=1
    )
    ListedEntry.objects.create(
        version=draft,
        number=45,
        country="IR",
        name="Amir Kabir University of Technology",
        aliases=[],
        concern_codes=["B", "C", "M", "N"],
        row_hash="1" * 64,
    )
    return source, published, draft, entry


def _measures_draft(list_manager: User) -> MeasureTableVersion:
    """A draft of the Russia/Belarus measures table, for the list manager's routes."""
    draft = MeasureTableVersion.objects.create(
        label="2026-12 draft", imported_by=list_manager, row_count=1
    )
    MeasureRow.objects.create(
        version=draft,
        measure="industrial-base-goods",
        category=MeasureCategory.values[0],
        destinations="RU",
        hs_prefix="8457",
        description_en="Machining centres",
        description_ja="マシニングセンタ",
        effective_from=datetime.date(2023, 4, 7),
        legal_basis="FEFTA Art. 48(3)",
    )
    return draft


def _firm_side(tag: str, *, reviewer: User, entry: ListedEntry) -> FirmSide:
    firm = FirmFactory(name=f"Firm {tag} K.K.")
    admin = ExporterFactory(
        firm=firm, email=f"admin-{tag}@example.com", roles=(Role.FIRM_ADMIN, Role.EXPORTER)
    )
    exporter = ExporterFactory(firm=firm, email=f"exporter-{tag}@example.com")
    colleague = ExporterFactory(firm=firm, email=f"colleague-{tag}@example.com")
    invitation = Invitation.objects.create(
        firm=firm,
        email=f"invitee-{tag}@example.com",
        invited_by=admin,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )

    draft = submitted_at(Status.DRAFT, firm=firm, created_by=exporter, title=f"Draft {tag}")
    draft_attachment = _attachment(draft, exporter, f"draft-{tag}.pdf")

    case = submitted_at(Status.UNDER_REVIEW, firm=firm, created_by=exporter, title=f"Case {tag}")
    Review.objects.create(notification=case, opened_at=timezone.now())
    case_attachment = _attachment(case, exporter, f"case-{tag}.pdf")
    Message.objects.create(
        notification=case,
        kind=MessageKind.QUESTION,
        author=reviewer,
        body="Send the end-user pledge.",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    run = ScreeningRun.objects.create(
        notification=case,
        list_version=entry.version,
        ruleset_version="2025.10",
        trigger=Trigger.SUBMISSION,
        status=RunStatus.COMPLETED,
        score=91,
        level=RiskLevel.HIGH,
        outcome=Outcome.REVIEW,
        factors=[{"rule": "eul_hit", "weight": 60, "evidence": {"entry": 45}}],
        finished_at=timezone.now(),
    )
    hit = PartyHit.objects.create(
        run=run,
        party=case.parties.get(),
        entry=entry,
        score=0.93,
        matched_name="Amirkabir University of Technology",
        explanation={"tokens": [["amirkabir", "amir kabir", "joined"]]},
        disposition=Disposition.PENDING,
    )

    approved = submitted_at(
        Status.APPROVED, firm=firm, created_by=exporter, title=f"Approved {tag}"
    )
    decision = Decision.objects.create(
        notification=approved, kind=DecisionKind.APPROVE, actor=reviewer, validity_months=6
    )
    permit_document = _document(approved, DocumentKind.PERMIT, f"PM-2026-{approved.pk:06d}")
    permit = Permit.objects.create(
        notification=approved,
        decision=decision,
        number=f"EXP-2026-{approved.pk:07d}",
        valid_from=datetime.date(2026, 11, 20),
        valid_until=datetime.date(2027, 5, 20),
        document=permit_document,
    )
    notice_number = f"IN-2026-{approved.pk:06d}"
    notice_document = Document(
        notification=None,
        kind=DocumentKind.INFORM_NOTICE,
        number=notice_number,
        verification_code="K7QX-4MZP",
        template_version="test-1",
        issued_at=timezone.now(),
    )
    notice_content = pdf_bytes(f"inform notice {notice_number}")
    notice_document.sha256 = hashlib.sha256(notice_content).hexdigest()
    notice_document.size = len(notice_content)
    notice_document.file.save("notice.pdf", ContentFile(notice_content), save=False)
    notice_document.save()
    inform_notice = InformNotice.objects.create(
        number=notice_number,
        firm=firm,
        subject_kind=InformSubject.END_USER,
        subject=f"Northern Star Institute {tag}",
        grounds="Missile development programme.",
        issued_by=reviewer,
        issued_at=timezone.now(),
        document=notice_document,
    )
    token, _secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    disclosure = Violation.objects.create(
        firm=firm,
        kind=ViolationKind.LATE_OR_MISSING_REPORT,
        disclosed=True,
        description=f"Filed late {tag}.",
        created_by=exporter,
    )
    evidence = ViolationEvidence(
        violation=disclosure,
        original_name=f"evidence-{tag}.pdf",
        content_type="application/pdf",
        uploaded_by=exporter,
    )
    evidence_content = pdf_bytes(f"evidence {tag}")
    evidence.sha256 = hashlib.sha256(evidence_content).hexdigest()
    evidence.size = len(evidence_content)
    evidence.file.save("upload", ContentFile(evidence_content), save=False)
    evidence.save()
    self_check_record = SelfCheckRecord(
        number=f"SC-2000-{firm.pk:06d}",  # a year of its own: never the live series
        firm=firm,
        user=exporter,
        query=f"Northern Star Institute {tag}",
        channel="page",
        outcome="no_match",
        ruleset_version="test",
        searched_at=timezone.now(),
        issued_at=timezone.now(),
    )
    record_content = pdf_bytes(f"self-check {tag}")
    self_check_record.sha256 = hashlib.sha256(record_content).hexdigest()
    self_check_record.size = len(record_content)
    self_check_record.file.save("record.pdf", ContentFile(record_content), save=False)
    self_check_record.save()
    return FirmSide(
        firm=firm,
        exporter=exporter,
        admin=admin,
        colleague=colleague,
        invitation=invitation,
        draft=draft,
        draft_attachment=draft_attachment,
        case=case,
        case_attachment=case_attachment,
        hit=hit,
        approved=approved,
        permit=permit,
        permit_document=permit_document,
        inform_notice=inform_notice,
        token_key=token.token_key,
        disclosure=disclosure,
        evidence=evidence,
        self_check_record=self_check_record,
    )


def build_staff() -> dict[str, User | None]:
    """The ministry's people, plus a firm's exporter and admin: all the matrix's roles."""
    firm = FirmFactory(name="Firm a K.K.")
    return {
        "anonymous": None,
        "exporter": ExporterFactory(firm=firm, email="exporter-a@example.com"),
        "firm_admin": ExporterFactory(
            firm=firm, email="admin-a@example.com", roles=(Role.FIRM_ADMIN, Role.EXPORTER)
        ),
        "reviewer": UserFactory(email="reviewer@meti.example.jp", roles=[Role.REVIEWER]),
        "senior": UserFactory(
            email="senior@meti.example.jp", roles=[Role.REVIEWER, Role.SENIOR_REVIEWER]
        ),
        "list_manager": UserFactory(email="lists@meti.example.jp", roles=[Role.LIST_MANAGER]),
        "auditor": UserFactory(email="auditor@meti.example.jp", roles=[Role.AUDITOR]),
    }


def build_world() -> World:
    reviewer = UserFactory(email="reviewer@meti.example.jp", roles=[Role.REVIEWER])
    senior = UserFactory(
        email="senior@meti.example.jp", roles=[Role.REVIEWER, Role.SENIOR_REVIEWER]
    )
    list_manager = UserFactory(email="lists@meti.example.jp", roles=[Role.LIST_MANAGER])
    auditor = UserFactory(email="auditor@meti.example.jp", roles=[Role.AUDITOR])
    source, published, draft_version, entry = _lists(list_manager)
    a = _firm_side("a", reviewer=reviewer, entry=entry)
    b = _firm_side("b", reviewer=reviewer, entry=entry)
    signup = SignupRequest.objects.create(
        email="new-firm@example.com",
        full_name="New Applicant",
        password=make_password(PASSWORD),
        firm_name="New Firm K.K.",
        corporate_number=FirmFactory.build().corporate_number,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return World(
        a=a,
        b=b,
        users={
            "anonymous": None,
            "exporter": a.exporter,
            "firm_admin": a.admin,
            "reviewer": reviewer,
            "senior": senior,
            "list_manager": list_manager,
            "auditor": auditor,
        },
        eul=source,
        published=published,
        draft_version=draft_version,
        measures_draft=_measures_draft(list_manager),
        import_job=ListImportJob.objects.create(
            source_code="meti-eul",
            file_dir="list-imports/world",
            file_name="eul.xlsx",
            file_sha256="2" * 64,
            label="2026-02-28",
            requested_by=list_manager,
        ),
        entry=entry,
        signup_token=make_signup_token(signup),
        invitation_token=make_invitation_token(a.invitation),
    )


#: The models whose rows a refused request must leave exactly as they were.
WATCHED = (
    Firm,
    User,
    Invitation,
    SignupRequest,
    Notification,
    Item,
    Party,
    Attachment,
    Message,
    Review,
    Decision,
    ChecklistNote,
    Document,
    Permit,
    InformNotice,
    ScreeningRun,
    PartyHit,
    ListSource,
    ListVersion,
    ListedEntry,
    ListImportJob,
    MeasureTableVersion,
    MeasureRow,
    AuthToken,
    SelfCheckRecord,
    Violation,
    ViolationEvidence,
    Sanction,
)


def snapshot() -> dict:
    """Row count and latest change of every watched model, and the size of the audit trail.

    The audit trail is append-only, so its length says whether anything was written."""
    state = {}
    for model in WATCHED:
        if any(f.name == "updated_at" for f in model._meta.get_fields()):
            state[model.__name__] = tuple(
                model.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values()
            )
        else:
            state[model.__name__] = (model.objects.count(), None)
    state["User.flags"] = sorted(
        User.objects.values_list("pk", "is_active", "password", "full_name")
    )
    state["Notification.status"] = sorted(Notification.objects.values_list("pk", "status"))
    state["PartyHit.disposition"] = sorted(PartyHit.objects.values_list("pk", "disposition"))
    state["audit"] = AuditEvent.objects.count()
    return state


def audit_actions_since(count: int) -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)[count:])
