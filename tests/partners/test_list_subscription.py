"""The e-mail subscription of signed-in firm users to new list revisions (issue 22, part 4): the
page subscribes and unsubscribes (audited); a publication e-mails the subscribers only, each in
their language, with the unsubscribe link; a proposal that awaits confirmation e-mails nobody."""

import pytest
from django.core import mail
from django.urls import reverse

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from partners.models import ListSubscription
from partners.services import list_version_import, list_version_publish
from tests.factories import ExporterFactory, UserFactory
from tests.partners.conftest import good_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(client):
    return ExporterFactory()


def _publish(make_workbook, actor, capture, rows):
    version = list_version_import(
        source_code="meti-eul",
        file=(path := make_workbook(rows)),
        file_name=path.name,
        actor=actor,
    )
    with capture(execute=True):
        list_version_publish(version=version, actor=actor)
    return version


def test_a_firm_user_subscribes_and_unsubscribes_on_the_page(client, exporter):
    client.force_login(exporter)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("partners:subscription"))
    assert page.status_code == 200 and page.context["subscribed"] is False
    response = client.post(reverse("partners:subscription"), {"action": "subscribe"})
    assert response.status_code == 302
    assert ListSubscription.objects.filter(user=exporter).exists()
    assert (
        AuditEvent.objects.filter(action="list_subscription.subscribe", actor=exporter).count() == 1
    )
    # Subscribing again changes and records nothing.
    client.post(reverse("partners:subscription"), {"action": "subscribe"})
    assert ListSubscription.objects.count() == 1
    assert AuditEvent.objects.filter(action="list_subscription.subscribe").count() == 1
    client.post(reverse("partners:subscription"), {"action": "unsubscribe"})
    assert not ListSubscription.objects.exists()
    assert (
        AuditEvent.objects.filter(action="list_subscription.unsubscribe", actor=exporter).count()
        == 1
    )


def test_the_ministry_cannot_subscribe_and_nothing_changes(client):
    reviewer = UserFactory(roles=[Role.REVIEWER])
    client.force_login(reviewer)
    response = client.post(reverse("partners:subscription"), {"action": "subscribe"})
    assert response.status_code == 403
    assert not ListSubscription.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="list_subscription.").exists()


def test_a_publication_emails_the_subscribers_only_each_in_their_language(
    client, make_workbook, list_manager, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    japanese = ExporterFactory(email="ja@firm.example.jp")
    japanese.preferred_language = "ja"
    japanese.save()
    english = ExporterFactory(email="en@firm.example.com")
    english.preferred_language = "en"
    english.save()
    ExporterFactory(email="not-subscribed@firm.example.jp")
    for user in (japanese, english):
        ListSubscription.objects.create(user=user)
    mail.outbox.clear()
    version = _publish(
        make_workbook, list_manager, django_capture_on_commit_callbacks, [good_row()]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["en@firm.example.com", "ja@firm.example.jp"]
    by_to = {m.to[0]: m for m in mail.outbox}
    en, ja = by_to["en@firm.example.com"], by_to["ja@firm.example.jp"]
    assert f"revision {version.label} published" in en.subject
    # Each in the reader's language (the new strings' Japanese is merged by the lead from
    # locale/pending/list-info.po; the salutation and the footer are translated already).
    assert "このメールは輸出事前届出ポータルから自動送信されています。" in ja.body
    assert " 様" in ja.body.splitlines()[0]
    assert "This message was sent automatically" in en.body
    assert en.body.startswith("Dear ")
    for message in (en, ja):
        assert f"/lists/meti-eul/changes/?to={version.label}" in message.body
        assert "/lists/meti-eul/download/" in message.body
        assert "/lists/subscription/" in message.body
        assert message.extra_headers["List-Unsubscribe"].endswith("/lists/subscription/>")


def test_no_email_without_subscribers_nor_for_a_proposal_awaiting_confirmation(
    make_workbook, list_manager, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    subscriber = ExporterFactory()
    ListSubscription.objects.create(user=subscriber)
    _publish(
        make_workbook,
        list_manager,
        django_capture_on_commit_callbacks,
        [good_row("A Co."), good_row("B Co.")],
    )
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    # The next revision removes an entry: proposed, awaiting a second list manager; no e-mail.
    path = make_workbook([good_row("A Co.")])
    draft = list_version_import(
        source_code="meti-eul", file=path, file_name=path.name, actor=list_manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        proposed = list_version_publish(version=draft, actor=list_manager)
    assert proposed.awaiting_confirmation
    assert mail.outbox == []
