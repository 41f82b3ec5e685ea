"""The reviewer's pages through Django's test client: access, the case page, each action, four
eyes, two reviewers at once, and internal notes that never reach the exporter."""

import datetime
import re

import pytest
from django.utils import timezone

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.models import Decision, Message, Notification, Permit, Review
from notifications.workflow import Status
from screening.models import Disposition, PartyHit
from tests.factories import ExporterFactory, UserFactory
from tests.review.conftest import make_reviewer

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}


def url(notification, action: str = "") -> str:
    return f"/review/{notification.public_id}/" + (f"{action}/" if action else "")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client, path, data=None):
    return client.post(path, data or {}, headers=EN, follow=True)


def confirm(client, path, data=None):
    """The second step of approve and deny: the reviewer confirms the summary."""
    return follow(client, path, {**(data or {}), "step": "confirm"})


def adjudicate_all(case, actor, disposition=Disposition.FALSE_POSITIVE) -> None:
    from screening.services import hit_adjudicate

    for hit in PartyHit.objects.filter(run__notification=case, disposition=Disposition.PENDING):
        hit_adjudicate(hit=hit, actor=actor, disposition=disposition, reason="Different entity.")


def snapshot(notification) -> tuple:
    notification.refresh_from_db()
    return (
        notification.status,
        Decision.objects.filter(notification=notification).count(),
        Permit.objects.filter(notification=notification).count(),
        # A refused attempt writes its own access.refused event (issue 19) and nothing else.
        AuditEvent.objects.exclude(action="access.refused").count(),
    )


def refusals() -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(action="access.refused").order_by("seq")
    return [(event.data["attempted"], event.data["reason"]) for event in events]


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    for path in ("/review/", url(case)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    before = snapshot(case)
    response = client.post(url(case, "approve"), {"validity_months": 6})
    assert response.status_code == 302
    assert snapshot(case) == before


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.LIST_MANAGER])
def test_other_ministry_roles_are_refused(client, case, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get("/review/").status_code == 403
    assert client.get(url(case)).status_code == 403
    before = snapshot(case)
    assert client.post(url(case, "claim")).status_code == 403
    assert client.post(url(case, "deny"), {"reason": "x"}).status_code == 403
    assert snapshot(case) == before
    assert [attempted for attempted, _ in refusals()] == [
        "review:queue",
        "review:case",
        "review:claim",
        "review:deny",
    ]


def test_exporters_are_refused_even_for_their_own_case(client, case):
    client.force_login(ExporterFactory(firm=case.firm))
    assert client.get("/review/").status_code == 403
    assert client.get(url(case)).status_code == 403
    before = snapshot(case)
    assert client.post(url(case, "approve"), {"validity_months": 6}).status_code == 403
    assert client.post(url(case, "notes"), {"body": "let me in"}).status_code == 403
    assert snapshot(case) == before
    assert [attempted for attempted, _ in refusals()] == [
        "review:queue",
        "review:case",
        "review:approve",
        "review:note",
    ]
    assert Message.objects.count() == 0


def test_unknown_and_draft_cases_are_404_and_actions_are_post_only(client, reviewer, case):
    from tests.factories import NotificationFactory

    client.force_login(reviewer)
    draft = NotificationFactory()
    assert client.get(url(draft)).status_code == 404
    assert client.get("/review/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(url(case, "approve")).status_code == 405
    assert client.get(url(case, "claim")).status_code == 405


# --- Queue and case page ---------------------------------------------------------------------


def test_queue_page_shows_the_case_filters_and_dashboard(client, reviewer, case):
    client.force_login(reviewer)
    response = client.get("/review/", headers=EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/review/{case.public_id}/"' in html
    assert html.count("<svg") == 3
    assert '<tr data-reference="' + case.reference + '">' in html
    assert "1 to adjudicate" in html
    assert "90 working days left" in html or "89 working days left" in html

    filtered = client.get("/review/?risk=low&destination=ir", headers=EN)
    assert filtered.context["page"].paginator.count == 0
    assert "No open case matches these filters." in filtered.content.decode()
    bad = client.get("/review/?destination=Iran&sort=nonsense", headers=EN)
    assert bad.status_code == 200
    assert bad.context["page"].paginator.count == 1  # invalid filters count as "any"
    assert bad.context["form"]["destination"].value() == "Iran"  # kept as typed


def test_case_page_shows_the_filing_screening_hit_and_timeline(client, reviewer, case):
    services.notification_add_internal_note(
        notification=case, actor=reviewer, body="Call the university's export office."
    )
    client.force_login(reviewer)
    response = client.get(url(case), headers=EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert case.reference in html
    assert "5-axis machining centre" in html  # the filed item
    assert "Amirkabir Univ. of Technology" in html  # the party as filed
    assert "Amir Kabir University of Technology" in html  # the listed entry beside it
    assert "End User List 2025-09-29, No. 45" in html
    assert "B, C, M, N" in html
    assert "A party matches the End User List" in html  # a factor with its weight
    assert "&quot;entry_number&quot;: 45" in html  # its evidence
    assert "amirkabir university technology" in html  # the normalised forms
    assert "Call the university&#x27;s export office." in html
    actions = [e["event"].action for e in response.context["timeline"]]
    assert actions == [
        "notification.submit",
        "notification.start_screening",
        "screening.run_completed",
        "notification.refer",
        "notification.internal_note",
    ]


# --- Actions ---------------------------------------------------------------------------------


def test_claim_and_a_colleague_told_who_has_it(client, reviewer, case):
    client.force_login(reviewer)
    response = follow(client, url(case, "claim"))
    assert messages_of(response) == ["You have claimed this case."]
    assert Review.objects.get(notification=case, closed_at__isnull=True).assignee == reviewer

    client.force_login(make_reviewer("colleague@meti.example.jp"))
    events = AuditEvent.objects.count()
    response = follow(client, url(case, "claim"))
    assert messages_of(response) == [
        "Nothing was changed: Reviewer Sato has already claimed this case."
    ]
    assert AuditEvent.objects.count() == events


def test_adjudication_errors_keep_what_was_typed_and_a_finding_is_recorded(client, reviewer, case):
    hit = PartyHit.objects.get(run__notification=case)
    prefix = f"hit-{hit.public_id}"
    client.force_login(reviewer)

    response = client.post(
        url(case, f"hits/{hit.public_id}/adjudicate"),
        {f"{prefix}-disposition": "confirmed", f"{prefix}-reason": ""},
        headers=EN,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert f'href="#id_{prefix}-reason"' in html
    assert re.search(rf'value="confirmed"[^>]*id="id_{prefix}-disposition_0"[^>]*checked', html)
    hit.refresh_from_db()
    assert hit.disposition == Disposition.PENDING

    response = follow(
        client,
        url(case, f"hits/{hit.public_id}/adjudicate"),
        {f"{prefix}-disposition": "confirmed", f"{prefix}-reason": "Same university, alias."},
    )
    assert messages_of(response) == ["Your finding on the hit has been recorded."]
    hit.refresh_from_db()
    assert (hit.disposition, hit.adjudicated_by) == (Disposition.CONFIRMED, reviewer)


def test_request_info_refuses_a_past_date_next_to_the_field_then_pauses_the_case(
    client, reviewer, case
):
    client.force_login(reviewer)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        url(case, "request-info"),
        {"question": "Who operates the site?", "due_on": yesterday.isoformat()},
        headers=EN,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The due date must be in the future." in html
    assert "Who operates the site?</textarea>" in html
    assert snapshot(case)[0] == Status.UNDER_REVIEW

    due = timezone.localdate() + datetime.timedelta(days=14)
    response = follow(
        client,
        url(case, "request-info"),
        {"question": "Who operates the site?", "due_on": due.isoformat()},
    )
    assert messages_of(response) == [
        "Your question has been sent; the processing period is paused."
    ]
    assert snapshot(case)[0] == Status.INFO_REQUESTED
    assert Review.objects.get(notification=case, closed_at__isnull=True).paused_at is not None
    assert "Paused," in response.content.decode()


def test_four_eyes_through_the_pages(client, senior, other_senior, reviewer, case):
    adjudicate_all(case, senior, Disposition.CONFIRMED)
    client.force_login(senior)
    response = confirm(
        client, url(case, "approve"), {"conditions": "No re-export.", "validity_months": 6}
    )
    assert messages_of(response) == [
        "Approved, pending countersignature: a senior reviewer other than you must countersign "
        "before the permit is issued."
    ]
    before = snapshot(case)
    assert before[0] == Status.AWAITING_COUNTERSIGN

    response = follow(client, url(case, "countersign"))
    assert messages_of(response) == [
        "Nothing was changed: You proposed this decision yourself; another senior reviewer must "
        "countersign it."
    ]
    assert snapshot(case) == before

    client.force_login(reviewer)
    response = follow(client, url(case, "countersign"))
    assert messages_of(response) == [
        "Nothing was changed: You are not allowed to countersign this notification."
    ]
    assert snapshot(case) == before
    assert refusals() == [
        ("review:countersign", "four_eyes"),
        ("review:countersign", "forbidden_role"),
    ]

    client.force_login(other_senior)
    response = follow(client, url(case, "countersign"))
    assert messages_of(response) == ["Countersigned. The permit has been issued."]
    permit = Permit.objects.get(notification=case)
    assert (permit.conditions, permit.status) == ("No re-export.", "valid")
    assert snapshot(case)[0] == Status.APPROVED


def test_return_needs_a_reason_and_sends_the_case_back(client, senior, other_senior, case):
    adjudicate_all(case, senior)
    services.notification_approve(notification=case, actor=senior)
    client.force_login(other_senior)
    response = client.post(url(case, "return"), {"reason": ""}, headers=EN)
    assert response.status_code == 400
    assert snapshot(case)[0] == Status.AWAITING_COUNTERSIGN
    response = follow(client, url(case, "return"), {"reason": "Check the site visit first."})
    assert messages_of(response) == ["The decision has been returned to review."]
    assert snapshot(case)[0] == Status.UNDER_REVIEW


def test_two_reviewers_at_once_the_second_gets_a_clear_message(client, reviewer, case):
    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")
    adjudicate_all(case, reviewer)
    colleague = make_reviewer("colleague@meti.example.jp")
    client.force_login(reviewer)
    confirm(client, url(case, "approve"), {"validity_months": 6})
    assert snapshot(case)[0] == Status.APPROVED
    before = snapshot(case)

    client.force_login(colleague)  # their page still shows the approve and deny forms
    response = follow(client, url(case, "deny"), {"reason": "Listed end user."})
    [message] = messages_of(response)
    assert message.startswith("Nothing was changed: this case is now “Approved”.")
    assert snapshot(case) == before
    assert Permit.objects.filter(notification=case).count() == 1


def test_deny_inform_note_and_rerun(client, reviewer, case, django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    response = follow(client, url(case, "inform"), {"grounds": "Possible missile use."})
    assert messages_of(response) == [
        "The inform notice has been issued: this export needs a licence."
    ]
    response = follow(client, url(case, "notes"), {"body": "Spoke to the firm."})
    assert messages_of(response) == ["Your internal note has been added."]
    with django_capture_on_commit_callbacks(execute=True):
        response = follow(client, url(case, "rerun"))
    assert messages_of(response)[0].startswith("Screening has been queued again")
    assert case.screening_runs.filter(trigger="manual").count() == 1
    response = client.post(url(case, "deny"), {"reason": " "}, headers=EN)
    assert response.status_code == 400
    # At elevated risk a denial is one reviewer's decision (high risk: see the four-eyes tests).
    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")
    response = confirm(client, url(case, "deny"), {"reason": "Listed end user, WMD concern."})
    assert messages_of(response) == ["The notification has been denied."]
    assert snapshot(case)[0] == Status.DENIED


def test_permit_actions_from_the_case_page(client, reviewer, senior, case):
    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")
    adjudicate_all(case, reviewer)
    services.notification_approve(notification=case, actor=reviewer)
    permit = Permit.objects.get(notification=case)
    prefix = f"permit-{permit.public_id}"
    client.force_login(reviewer)
    response = follow(
        client, url(case, f"permits/{permit.public_id}/suspend"), {f"{prefix}-reason": "x"}
    )
    assert messages_of(response) == ["Nothing was changed: You are not allowed to suspend."]
    client.force_login(senior)
    response = client.post(
        url(case, f"permits/{permit.public_id}/suspend"), {f"{prefix}-reason": ""}, headers=EN
    )
    assert response.status_code == 400
    assert f'href="#id_{prefix}-reason"' in response.content.decode()
    permit.refresh_from_db()
    assert permit.status == "valid"
    response = follow(
        client, url(case, f"permits/{permit.public_id}/suspend"), {f"{prefix}-reason": "Audit."}
    )
    assert messages_of(response) == ["The permit has been suspended."]
    permit.refresh_from_db()
    assert (permit.status, permit.status_reason) == ("suspended", "Audit.")


# --- Internal notes stay inside the ministry -------------------------------------------------


def test_internal_notes_never_reach_the_exporter(client, reviewer, case):
    secret = "Internal: the buyer's parent company is under investigation."
    services.notification_add_internal_note(notification=case, actor=reviewer, body=secret)
    services.notification_inform(notification=case, actor=reviewer, grounds="Licence required.")
    exporter = ExporterFactory(firm=case.firm)
    client.force_login(exporter)
    pages = [
        "/notifications/",
        f"/notifications/{case.public_id}/",
        f"/notifications/{case.public_id}/messages/",
        f"/api/v1/notifications/{case.public_id}/",
        f"/api/v1/notifications/{case.public_id}/messages/",
        f"/api/v1/notifications/{case.public_id}/status/",
        "/api/v1/notifications/",
    ]
    for path in pages:
        response = client.get(path, headers=EN)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert "parent company is under investigation" not in body, path
        assert "internal_note" not in body, path
    thread = client.get(f"/notifications/{case.public_id}/messages/", headers=EN)
    assert "Licence required." in thread.content.decode()  # the inform notice is for the exporter


def test_htmx_filtering_returns_only_the_results(client, reviewer, case):
    client.force_login(reviewer)
    response = client.get("/review/?risk=high", headers={**EN, "HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="queue-results" aria-live="polite">')
    assert "<svg" not in html
    assert f'<tr data-reference="{case.reference}">' in html


def test_the_permit_pdf_downloads_from_the_case_page_and_only_through_its_own_case(
    client, reviewer, flag, django_capture_on_commit_callbacks
):
    case = flag()
    other = flag(party="Harbin Inst. of Technology", country="CN")
    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")
    adjudicate_all(case, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_approve(notification=case, actor=reviewer)
    permit = Permit.objects.select_related("document").get(notification=case)
    document = permit.document
    assert document is not None
    client.force_login(reviewer)
    page = client.get(url(case), headers=EN).content.decode()
    assert f'href="/review/{case.public_id}/documents/{document.public_id}/"' in page

    response = client.get(url(case, f"documents/{document.public_id}"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="document.download", actor=reviewer).count() == 1

    assert client.get(url(other, f"documents/{document.public_id}")).status_code == 404
    client.force_login(ExporterFactory(firm=case.firm))
    assert client.get(url(case, f"documents/{document.public_id}")).status_code == 403
    assert AuditEvent.objects.filter(action="document.download").count() == 1


def test_the_case_page_query_count_does_not_grow_with_its_history(client, reviewer, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(case)).status_code == 200
        return len(captured)

    services.notification_add_internal_note(notification=case, actor=reviewer, body="One.")
    before = queries()
    for n in range(5):
        services.notification_add_internal_note(notification=case, actor=reviewer, body=f"{n}")
    services.review_claim(notification=case, actor=reviewer)
    services.notification_inform(notification=case, actor=reviewer, grounds="Licence needed.")
    assert queries() == before


def test_reviewers_download_what_the_exporter_attached_and_it_is_audited(client, reviewer, case):
    from django.core.files.base import ContentFile

    from notifications.models import Attachment

    body = b"%PDF-1.4 contract"
    attachment = Attachment(
        notification=case,
        kind="contract",
        original_name="contract.pdf",
        content_type="application/pdf",
        size=len(body),
        sha256="0" * 64,
        uploaded_by=case.created_by,
    )
    attachment.file.save("contract", ContentFile(body), save=False)
    attachment.save()
    client.force_login(reviewer)
    page = client.get(url(case), headers=EN).content.decode()
    assert f'href="/review/{case.public_id}/attachments/{attachment.public_id}/"' in page

    response = client.get(url(case, f"attachments/{attachment.public_id}"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body
    assert response["Content-Disposition"] == (
        "attachment; filename=\"contract.pdf\"; filename*=UTF-8''contract.pdf"
    )
    event = AuditEvent.objects.get(action="attachment.download")
    assert event.actor == reviewer


# --- Decisions follow the evidence -----------------------------------------------------------


def test_approve_shows_a_summary_to_confirm_and_only_confirming_decides(client, reviewer, case):
    adjudicate_all(case, reviewer, Disposition.CONFIRMED)
    client.force_login(reviewer)
    before = snapshot(case)
    typed = {"conditions": "No re-export to third countries.", "validity_months": 9}

    response = client.post(url(case, "approve"), typed, headers=EN)

    assert response.status_code == 200
    assert snapshot(case) == before  # nothing decided yet
    html = response.content.decode()
    assert "Confirm the approval" in html
    risk = re.search(r'id="confirm-risk">(.*?)</dd>', html, re.S).group(1)
    assert "High" in risk and f"score {case.risk_score} of 100" in risk
    assert "1 hit: 1 confirmed, 0 not adjudicated" in html
    assert "Different entity." in html  # the adjudication's reason
    assert "No re-export to third countries." in html
    assert 'id="confirm-validity">9<' in html
    assert "Needed: a senior reviewer other than you" in html
    assert 'name="step" value="confirm"' in html

    back = client.post(url(case, "approve"), {**typed, "step": "edit"}, headers=EN)
    assert back.status_code == 200
    assert "No re-export to third countries.</textarea>" in back.content.decode()
    assert snapshot(case) == before

    response = confirm(client, url(case, "approve"), typed)
    assert snapshot(case)[0] == Status.AWAITING_COUNTERSIGN
    decision = Decision.objects.get(notification=case)
    assert (decision.conditions, decision.validity_months) == (
        "No re-export to third countries.",
        9,
    )


def test_an_approval_over_an_unadjudicated_hit_is_refused_on_the_form(client, reviewer, case):
    client.force_login(reviewer)
    before = snapshot(case)
    for step in ("", "confirm"):
        response = client.post(
            url(case, "approve"),
            {"conditions": "Kept.", "validity_months": 6, "step": step},
            headers=EN,
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "The case cannot be approved yet. Settle these first:" in html
        assert "Amirkabir Univ. of Technology (End user)" in html
        assert "No. 45" in html
        assert "Kept.</textarea>" in html  # what was typed is kept
        assert snapshot(case) == before


def test_the_approver_sees_no_countersign_buttons_and_a_colleague_does(
    client, senior, other_senior, case
):
    adjudicate_all(case, senior)
    services.notification_approve(notification=case, actor=senior)
    client.force_login(senior)
    html = client.get(url(case), headers=EN).content.decode()
    assert 'id="countersign-form"' not in html
    assert 'id="return-form"' not in html
    assert "You proposed this decision yourself" in html
    client.force_login(other_senior)
    html = client.get(url(case), headers=EN).content.decode()
    assert 'id="countersign-form"' in html
    assert 'id="return-form"' in html
    assert "Countersign and issue the permit" in html


def test_a_high_risk_denial_through_the_pages_waits_for_the_countersignature(
    client, reviewer, senior, case
):
    client.force_login(reviewer)
    response = client.post(url(case, "deny"), {"reason": "Listed end user."}, headers=EN)
    assert response.status_code == 200
    assert "Confirm the denial" in response.content.decode()
    response = confirm(client, url(case, "deny"), {"reason": "Listed end user."})
    assert messages_of(response) == [
        "Denied, pending countersignature: a senior reviewer other than you must countersign "
        "before the denial letter is issued."
    ]
    assert snapshot(case)[0] == Status.AWAITING_COUNTERSIGN
    html = response.content.decode()
    assert 'id="countersign-form"' not in html  # the proposer is a plain reviewer
    client.force_login(senior)
    html = client.get(url(case), headers=EN).content.decode()
    assert "Countersign the denial and issue the letter" in html
    response = follow(client, url(case, "countersign"))
    assert messages_of(response) == [
        "Countersigned. The notification is denied and the denial letter is issued."
    ]
    assert snapshot(case)[0] == Status.DENIED


def test_evidence_comes_before_the_decision_with_its_counts(client, reviewer, case):
    checklist = dict(case.checklist)
    checklist["2"] = {"answer": "no", "note": ""}
    checklist["5"] = {"answer": "unknown", "note": ""}
    Notification.objects.filter(pk=case.pk).update(checklist=checklist)
    client.force_login(reviewer)
    html = client.get(url(case), headers=EN).content.decode()
    assert (
        html.index('id="screening"')
        < html.index('id="hits"')
        < html.index('id="checklist"')
        < html.index('id="decide"')
        < html.index('id="filing"')
    )
    summary = re.search(r'id="evidence-summary">(.*?)</dd>', html, re.S).group(1)
    assert "1 of 1 hit not adjudicated" in summary
    assert "checklist: 1 “no”, 1 “unknown”" in summary
    assert "1 without your note" in summary
    assert re.search(r'<details open>\s*<summary id="checklist-summary">', html)

    response = client.post(url(case, "checklist/5/note"), {"checklist-5-body": ""}, headers=EN)
    assert response.status_code == 400
    response = follow(client, url(case, "checklist/5/note"), {"checklist-5-body": "Asked."})
    assert messages_of(response) == ["Your note on checklist item 5 has been recorded."]
    html = response.content.decode()
    summary = re.search(r'id="evidence-summary">(.*?)</dd>', html, re.S).group(1)
    assert "without your note" not in summary
