"""The inform notice and the "no licence required" letter are signed, bilingual PDFs with their own
number series; read back, they say what they are, and the public verifier accepts them."""

import io
import re

import pypdf
import pytest
from django.core.cache import cache

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.documents import signing
from notifications.models import Document, DocumentKind, InformSubject, Permit, Review
from notifications.workflow import Status
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db


def _text(document: Document) -> str:
    with document.file.open("rb") as handle:
        pdf = handle.read()
    assert signing.validate_pdf_signature(pdf).ok is True
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.VERIFY_RATE = "100/m"
    cache.clear()
    yield
    cache.clear()


def _verify(client, document: Document):
    return client.get(
        "/verify/",
        {"number": document.number, "code": document.verification_code},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_ministry_initiative_notice_is_a_signed_letter_the_verifier_accepts(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    firm = FirmFactory(name="Tokai Precision Instruments K.K.", name_local="東海精密機器株式会社")
    UserFactory(firm=firm, roles=[Role.EXPORTER], email="export@tokai.example")
    reviewer = UserFactory(roles=[Role.REVIEWER])
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.inform_notice_issue(
            actor=reviewer,
            firm=firm,
            subject_kind=InformSubject.END_USER,
            subject="Northern Star Aerospace Institute",
            grounds="The institute develops missile guidance systems.",
        )
    notice.refresh_from_db()
    assert re.fullmatch(r"IN-\d{4}-000001", notice.number)
    document = notice.document
    assert document.kind == DocumentKind.INFORM_NOTICE
    assert document.number == notice.number
    assert document.notification is None
    text = _text(document)
    assert "インフォーム通知書" in text and "Informnotice" in text
    assert notice.number in text
    assert "NorthernStarAerospaceInstitute" in text
    assert "経済産業省の職権により" in text and "onthemin" in text
    assert "Theinstitutedevelopsmissileguidancesystems." in text
    assert AuditEvent.objects.filter(action="inform_notice.issue", firm=firm).count() == 1
    assert [m.to for m in mailoutbox] == [["export@tokai.example"]]
    assert notice.number in mailoutbox[0].subject

    response = _verify(client, document)
    body = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="verify-number">\s*' + notice.number, body)
    assert "Tokai Precision Instruments K.K." in body
    assert "missile" not in body  # the grounds never reach the public page


def test_concluding_no_licence_issues_a_letter_and_no_permit(
    client, django_capture_on_commit_callbacks, cleared_case
):
    case = cleared_case
    case.status = Status.UNDER_REVIEW
    case.save(update_fields=["status"])
    Review.objects.create(notification=case, opened_at=case.submitted_at)
    reviewer = UserFactory(roles=[Role.REVIEWER])
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.notification_conclude_no_licence(
            notification=case, actor=reviewer, grounds="Civil use confirmed on site."
        )
    case.refresh_from_db()
    assert case.status == Status.NO_LICENCE_REQUIRED
    assert decision.kind == "no_licence_required"
    assert not Permit.objects.filter(notification=case).exists()
    assert not Review.objects.filter(notification=case, closed_at__isnull=True).exists()
    document = Document.objects.get(notification=case)
    assert document.kind == DocumentKind.NO_LICENCE_LETTER
    assert re.fullmatch(r"NL-\d{4}-000001", document.number)
    text = _text(document)
    assert "許可不要通知書" in text and "Notice:nolicencerequired" in text
    assert "差し支えありません" in text and "youmayproceed" in text
    assert "Thisletterisnotapermit" in text
    assert "Civiluseconfirmedonsite." in text
    assert AuditEvent.objects.filter(action="notification.conclude_no_licence").count() == 1

    body = _verify(client, document).content.decode()
    assert re.search(r'id="verify-status">\s*Valid', body)


def test_a_prior_report_letter_says_closed_without_concern(cleared_case):
    from notifications.documents import content, render

    cleared_case.procedure = "prior_report"
    issue = content.Issue(
        kind=DocumentKind.NO_LICENCE_LETTER,
        number="NL-2026-000009",
        verification_code="ACDEFGHJ",
        issued_at=cleared_case.submitted_at,
    )
    context = content.document_context(issue=issue, notification=cleared_case)
    context["decision"] = {"decided_on": None, "grounds": ["No concern remains."]}
    html = render.render_html(DocumentKind.NO_LICENCE_LETTER, context)
    assert "懸念は認められなかったため" in html
    assert "closes the report without concern" in html


def test_an_auditor_checks_a_notice_letter_that_belongs_to_no_case(
    client, settings, django_capture_on_commit_callbacks
):
    """A letter issued on the ministry's own initiative has no case: the auditor's PDF check
    names the firm instead of linking a case, and downloads go through the notice's own door."""
    settings.EXPORTCTL_MINISTRY_2FA = False
    firm = FirmFactory(name="Tokai Precision Instruments K.K.")
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.inform_notice_issue(
            actor=UserFactory(roles=[Role.REVIEWER]),
            firm=firm,
            subject_kind=InformSubject.DESTINATION,
            subject="KP",
            grounds="UN arms embargo.",
        )
    notice.refresh_from_db()
    with notice.document.file.open("rb") as handle:
        data = handle.read()
    upload = io.BytesIO(data)
    upload.name = "notice.pdf"
    client.force_login(UserFactory(roles=[Role.AUDITOR]))
    response = client.post("/audit/verify-pdf/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["result"].genuine is True
    assert "Tokai Precision Instruments K.K." in response.content.decode()
    download = client.get(f"/review/inform-notices/{notice.public_id}/pdf/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    event = AuditEvent.objects.get(action="document.download")
    assert (event.firm, event.data["door"], event.data["notification"]) == (firm, "auditor", None)


def test_the_database_refuses_a_case_document_without_a_case_and_an_empty_notice(cleared_case):
    """Only an inform notice's letter may stand without a case; a notice needs its subject and
    grounds (database constraints, whatever code writes the row)."""
    from django.db import IntegrityError, transaction

    from notifications.models import InformNotice

    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(
            notification=None,
            kind=DocumentKind.PERMIT,
            number="PM-2026-999999",
            verification_code="ACDEFGHJ",
            sha256="0" * 64,
            size=1,
            template_version="test",
            issued_at=cleared_case.submitted_at,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InformNotice.objects.create(
            number="IN-2026-999999",
            firm=cleared_case.firm,
            subject_kind=InformSubject.GOODS,
            subject="",
            grounds="",
            issued_by=UserFactory(roles=[Role.REVIEWER]),
            issued_at=cleared_case.submitted_at,
        )
    assert not Document.objects.exists() and not InformNotice.objects.exists()


def test_the_sweeper_issues_a_lost_notice_letter_once(eager_tasks):
    """The letter's task was lost (broker outage): the sweeper issues it, once."""
    import datetime

    from django.utils import timezone

    from notifications.documents.tasks import sweep_missing_documents
    from notifications.models import InformNotice

    notice = services.inform_notice_issue(  # outside on_commit capture: the task never ran
        actor=UserFactory(roles=[Role.REVIEWER]),
        firm=FirmFactory(),
        subject_kind=InformSubject.GOODS,
        subject="Maraging steel",
        grounds="WMD programme.",
    )
    assert InformNotice.objects.get().document is None
    assert sweep_missing_documents() == 0  # within the grace period: the normal path's turn
    InformNotice.objects.filter(pk=notice.pk).update(
        issued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert sweep_missing_documents() == 1
    assert InformNotice.objects.get().document.number == notice.number
    assert sweep_missing_documents() == 0
