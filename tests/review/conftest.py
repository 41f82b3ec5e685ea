"""Builders for the reviewer's tests: ministry staff and a case that screening really flagged
(its end user is on the End User List), built through the submit service and the eager task."""

import pytest

from exportctl.accounts.roles import Role
from notifications.models import Notification, Party
from notifications.services import notification_submit
from notifications.workflow import Status
from tests.factories import ExporterFactory, UserFactory, ready_notification
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture(autouse=True)
def _without_second_factor(settings):
    """These tests are about reviewing, not signing in: ministry sessions count as verified
    (the TOTP step has tests of its own in tests/accounts)."""
    settings.EXPORTCTL_MINISTRY_2FA = False


def make_reviewer(email: str = "", *, senior: bool = False, name: str = ""):
    roles = [Role.REVIEWER, Role.SENIOR_REVIEWER] if senior else [Role.REVIEWER]
    kwargs = {"roles": roles}
    if email:
        kwargs["email"] = email
    if name:
        kwargs["full_name"] = name
    return UserFactory(**kwargs)


@pytest.fixture
def reviewer(db):
    return make_reviewer("reviewer@meti.example.jp", name="Reviewer Sato")


@pytest.fixture
def senior(db):
    return make_reviewer("senior@meti.example.jp", senior=True, name="Senior Tanaka")


@pytest.fixture
def other_senior(db):
    return make_reviewer("senior2@meti.example.jp", senior=True, name="Senior Suzuki")


@pytest.fixture
def eul(db):
    make_tiers()
    return publish_eul(EUL_SAMPLE)


def file_and_submit(
    *, party: str = "Amirkabir Univ. of Technology", country: str = "IR", exporter=None
) -> Notification:
    """Filed and submitted through the service; screening runs when the submission commits
    (in a transactional test at once; otherwise inside ``django_capture_on_commit_callbacks``)."""
    exporter = exporter or ExporterFactory()
    notification = ready_notification(
        firm=exporter.firm, created_by=exporter, destination_country=country
    )
    Party.objects.filter(notification=notification).update(name=party, country=country)
    notification_submit(notification=notification, actor=exporter, declaration_accepted=True)
    return notification


@pytest.fixture
def flag(eul, django_capture_on_commit_callbacks, eager_tasks):
    """``flag(**kwargs)``: a case that screening really referred for review."""

    def make(**kwargs) -> Notification:
        with django_capture_on_commit_callbacks(execute=True):
            notification = file_and_submit(**kwargs)
        notification.refresh_from_db()
        assert notification.status == Status.UNDER_REVIEW, notification.status
        return notification

    return make


@pytest.fixture
def case(flag):
    """The listed end user (EUL No. 45 under a variant spelling) sends it to review at high risk."""
    return flag()
