"""The firm hears of an inform notice and of every change of its permit, in its own language."""

import pytest
from django.core import mail

from notifications import services
from notifications.models import PermitStatus
from notifications.workflow import TransitionError
from tests.factories import ExporterFactory
from tests.review.test_services import approved_with_permit, referred

pytestmark = pytest.mark.django_db

#: These colleagues did not file the case; they hear of it because they asked for all of their
#: firm's mail (notifications.emails.status_recipients).
OPTED_IN = {"email_all_firm_notifications": True}


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run what the services queue after commit (the e-mail task runs in-process here)."""

    def run(action):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result, list(mail.outbox)

    return run


def test_an_inform_notice_is_mailed_with_its_grounds(reviewer, sent):
    notification = referred()
    ExporterFactory(
        firm=notification.firm, email="ja@firm.example", preferred_language="ja", **OPTED_IN
    )
    ExporterFactory(
        firm=notification.firm, email="en@firm.example", preferred_language="en", **OPTED_IN
    )
    grounds = "The end user may divert the machine tools to missile production."

    _, messages = sent(
        lambda: services.notification_inform(
            notification=notification, actor=reviewer, grounds=grounds
        )
    )

    by_address = {m.to[0]: m for m in messages}
    english = by_address["en@firm.example"]
    assert "Inform notice issued" in english.subject
    assert "requires a licence" in english.body
    assert grounds in english.body
    japanese = by_address["ja@firm.example"]
    assert grounds in japanese.body
    assert "Inform notice issued" not in japanese.subject


@pytest.mark.parametrize(
    ("change", "event", "phrase"),
    [
        (services.permit_suspend, "Permit suspended", "is suspended"),
        (services.permit_revoke, "Permit revoked", "has been revoked"),
    ],
)
def test_a_permit_change_is_mailed_with_its_reason(reviewer, senior, sent, change, event, phrase):
    notification, permit = approved_with_permit(reviewer)
    ExporterFactory(
        firm=notification.firm, email="en@firm.example", preferred_language="en", **OPTED_IN
    )

    _, messages = sent(lambda: change(permit=permit, actor=senior, reason="On-site check pending."))

    [message] = [m for m in messages if m.to == ["en@firm.example"]]
    assert event in message.subject
    assert f"Permit {permit.number} {phrase}" in message.body
    assert "On-site check pending." in message.body


def test_reinstating_a_permit_is_mailed(reviewer, senior, sent):
    notification, permit = approved_with_permit(reviewer)
    ExporterFactory(
        firm=notification.firm, email="en@firm.example", preferred_language="en", **OPTED_IN
    )
    services.permit_suspend(permit=permit, actor=senior, reason="Check")

    (reinstated, messages) = sent(
        lambda: services.permit_reinstate(permit=permit, actor=senior, reason="Checked on site.")
    )

    assert reinstated.status == PermitStatus.VALID
    [message] = [m for m in messages if m.to == ["en@firm.example"]]
    assert "Permit reinstated" in message.subject
    assert f"Permit {permit.number} is valid again" in message.body


def test_a_refused_permit_change_sends_nothing(reviewer, sent):
    notification, permit = approved_with_permit(reviewer)
    ExporterFactory(
        firm=notification.firm, email="en@firm.example", preferred_language="en", **OPTED_IN
    )

    def refused():
        with pytest.raises(TransitionError):
            services.permit_suspend(permit=permit, actor=reviewer, reason="Not senior")

    _, messages = sent(refused)

    assert messages == []
